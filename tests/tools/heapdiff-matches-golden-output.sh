#!/bin/sh
# heapdiff-matches-golden-output.sh: heapdiff's text (--all) and JSON output
# for the demo1 -> demo3 fixtures match tests/golden/ byte for byte, for
# fixtures of schema version 1 (tools/schema-v1.sql) and of version 2 (the
# schema the library writes now): the same data gives the same report,
# whatever the version (the JSON echoes meta.schema_version). See
# tests/golden/README for how the golden files were made and reviewed.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

cd "$tmp" || harness_error "cd"
for v in 1 2; do
	if [ $v = 1 ]; then SCHEMA=$srcdir/tools/schema-v1.sql; else SCHEMA=$top_srcdir/src/schema.sql; fi
	fixture demo1
	fixture demo3
	[ "$(sqlite3 demo3.db "SELECT value FROM meta WHERE key = 'schema_version'")" = $v ] ||
		harness_error "fixture is not of schema version $v"
	expect_rc 0 "$HEAPDIFF" --all demo1.db demo3.db
	diff -u "$GOLDEN/demo1-demo3.txt" "$tmp/out" || fail "schema $v: text output differs from golden/demo1-demo3.txt"
	expect_rc 0 "$HEAPDIFF" --json demo1.db demo3.db
	sed "s/\"schema_version\": 1,/\"schema_version\": $v,/g" "$GOLDEN/demo1-demo3.json" >"$tmp/golden.json"
	diff -u "$tmp/golden.json" "$tmp/out" || fail "schema $v: JSON output differs from golden/demo1-demo3.json"
done
exit 0
