#!/bin/sh
# heapdiff-leak-is-first-row.sh: in the text table, the row right under the
# header is the call site that grew most (leak_buffer), with its exact byte
# growth, and the callers under it are those of the stack that grew most
# (via handle_request, not via main); unsymbolized sites print as
# module+0xOFF.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo3
expect_rc 0 "$HEAPDIFF" "$tmp/demo1.db" "$tmp/demo3.db"
[ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"

sed -n 1p "$tmp/out" | grep -q 'GROWTH.*CALL SITE' || fail "line 1 is not the header: $(sed -n 1p "$tmp/out")"
row=$(sed -n 2p "$tmp/out")
case $row in
*"leak_buffer (demo.c:42)"*) ;;
*) fail "first row does not name leak_buffer: $row" ;;
esac
case $row in *"+1049088"*) ;; *) fail "first row lacks the exact growth +1049088: $row" ;; esac
sed -n 3p "$tmp/out" | grep -q '<- handle_request (server.c:88)$' ||
	fail "first caller is not handle_request: $(sed -n 3p "$tmp/out")"
grep -q '^ *+4.0 KiB .* libplugin\.so+0x1a2b$' "$tmp/out" || fail "unsymbolized site not shown as module+offset"
grep -q 'cache_insert' "$tmp/out" && fail "a shrinking site is shown without --all"
exit 0
