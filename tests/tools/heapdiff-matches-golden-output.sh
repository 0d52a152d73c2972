#!/bin/sh
# heapdiff-matches-golden-output.sh: heapdiff's text (--all) and JSON output
# for the demo1 -> demo3 fixtures match tests/golden/ byte for byte. See
# tests/golden/README for how the golden files were made and reviewed.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo3
cd "$tmp" || harness_error "cd"
expect_rc 0 "$HEAPDIFF" --all demo1.db demo3.db
diff -u "$GOLDEN/demo1-demo3.txt" "$tmp/out" || fail "text output differs from golden/demo1-demo3.txt"
expect_rc 0 "$HEAPDIFF" --json demo1.db demo3.db
diff -u "$GOLDEN/demo1-demo3.json" "$tmp/out" || fail "JSON output differs from golden/demo1-demo3.json"
exit 0
