#!/bin/sh
# heapdiff-three-snapshots-compare-first-and-last.sh: given three snapshots,
# heapdiff compares the first with the last (the middle one is checked but
# does not change the result) and says so; it is not an error.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo2
fixture demo3
expect_rc 0 "$HEAPDIFF" --json "$tmp/demo1.db" "$tmp/demo2.db" "$tmp/demo3.db"
mv "$tmp/out" "$tmp/three.json"
[ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"
expect_rc 0 "$HEAPDIFF" --json "$tmp/demo1.db" "$tmp/demo3.db"
cmp -s "$tmp/three.json" "$tmp/out" || fail "three snapshots do not give first-vs-last"
grep -q '"seq": 1,' "$tmp/three.json" && grep -q '"seq": 3,' "$tmp/three.json" ||
	fail "old/new are not seq 1 and seq 3"

expect_rc 0 "$HEAPDIFF" "$tmp/demo1.db" "$tmp/demo2.db" "$tmp/demo3.db"
grep -q 'first and last of 3 snapshots compared' "$tmp/out" || fail "summary does not say first vs last"
sed -n 2p "$tmp/out" | grep -q '(+1049088)' || fail "first row is not first-vs-last growth"

# A bad middle file is still an error: every input is checked.
echo junk >"$tmp/junk.db"
expect_rc 2 "$HEAPDIFF" "$tmp/demo1.db" "$tmp/junk.db" "$tmp/demo3.db"
[ -s "$tmp/out" ] && fail "stdout not empty"
exit 0
