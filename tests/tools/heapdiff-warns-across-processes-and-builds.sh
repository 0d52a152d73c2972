#!/bin/sh
# heapdiff-warns-across-processes-and-builds.sh: snapshots of two runs
# (different pid, build_id and stack ids) still compare by call site, with
# one warning each for the pid and the build on stderr; snapshots of one
# process give no warning; swapped arguments are pointed out.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo3
fixture other
expect_rc 0 "$HEAPDIFF" "$tmp/demo1.db" "$tmp/other.db"
expect_err "heapdiff: warning: '$tmp/demo1.db' and '$tmp/other.db' come from different processes (pid 1234 and 5678)"
expect_err "heapdiff: warning: '$tmp/demo1.db' and '$tmp/other.db' come from different builds (build_id 5f1e0c2a9b7d4e31 and 0d4c3b2a19081726)"
[ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "expected exactly two warnings: $(cat "$tmp/err")"
sed -n 2p "$tmp/out" | grep -q 'leak_buffer (demo.c:42).*\[2 stacks\]' ||
	fail "call sites not matched across processes: $(sed -n 2p "$tmp/out")"
sed -n 2p "$tmp/out" | grep -q '(+1049088)' || fail "wrong growth across processes"

expect_rc 0 "$HEAPDIFF" "$tmp/demo1.db" "$tmp/demo3.db"
[ -s "$tmp/err" ] && fail "warning for snapshots of one process: $(cat "$tmp/err")"

expect_rc 0 "$HEAPDIFF" "$tmp/demo3.db" "$tmp/demo1.db"
expect_err "was taken before"
exit 0
