#!/bin/sh
# heapsnap-info-shows-totals-and-top-site.sh: heapsnap info prints the
# program, pid, trigger, exact totals from meta and sampling, then the top
# sites by live bytes grouped by call site (leak_buffer first); a file that
# is not a snapshot is exit 2 with nothing on stdout.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo3
TZ=UTC expect_rc 0 "$HEAPSNAP" info "$tmp/demo3.db"
for want in \
	"program    /usr/bin/demo (pid 1234)" \
	'command    demo --serve "port 80"' \
	"taken      2023-11-14 22:14:20 +0000, 61.5 s after start (trigger interval, seq 3)" \
	"live       1.1 MiB (1177952 bytes) in 1106 allocations, exact" \
	"sampling   every allocation (sample=1): site numbers are exact" \
	"top 6 of 6 sites by live bytes:"; do
	grep -qF -- "$want" "$tmp/out" || { cat "$tmp/out" >&2; fail "info lacks '$want'"; }
done
grep -A2 '^top ' "$tmp/out" | tail -1 | grep -q 'leak_buffer (demo.c:42)  \[2 stacks\]$' ||
	fail "first site is not leak_buffer"

expect_rc 0 "$HEAPSNAP" info --top 2 "$tmp/demo3.db"
grep -q "^top 2 of 6 sites" "$tmp/out" || fail "--top 2 ignored"

echo junk >"$tmp/junk.db"
expect_rc 2 "$HEAPSNAP" info "$tmp/junk.db"
expect_err "heapsnap: cannot open '$tmp/junk.db': not a heapsnap snapshot (not an SQLite database)"
[ -s "$tmp/out" ] && fail "stdout not empty"
expect_rc 1 "$HEAPSNAP" info
expect_err "heapsnap: info: expected one snapshot file, got 0"
exit 0
