#!/bin/sh
# heapdiff-matches-golden-output.sh: heapdiff's text (--all) and JSON output
# for the demo1 -> demo3 fixtures match tests/golden/ byte for byte, for
# fixtures of every schema version the tools read: 1 and 2 (the frozen
# copies tools/schema-v1.sql and tools/schema-v2.sql) and the schema the
# library writes now (src/schema.sql): the same data gives the same report,
# whatever the version (the JSON echoes meta.schema_version). See
# tests/golden/README for how the golden files were made and reviewed.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

cd "$tmp" || harness_error "cd"
current=$SCHEMA
for SCHEMA in "$srcdir/tools/schema-v1.sql" "$srcdir/tools/schema-v2.sql" "$current"; do
	fixture demo1
	fixture demo3
	v=$(sqlite3 demo3.db "SELECT value FROM meta WHERE key = 'schema_version'")
	case $SCHEMA in
	*/schema-v1.sql) [ "$v" = 1 ] || harness_error "the v1 fixture is of schema version '$v'" ;;
	*/schema-v2.sql) [ "$v" = 2 ] || harness_error "the v2 fixture is of schema version '$v'" ;;
	esac
	expect_rc 0 "$HEAPDIFF" --all demo1.db demo3.db
	diff -u "$GOLDEN/demo1-demo3.txt" "$tmp/out" || fail "schema $v: text output differs from golden/demo1-demo3.txt"
	expect_rc 0 "$HEAPDIFF" --json demo1.db demo3.db
	sed "s/\"schema_version\": 1,/\"schema_version\": $v,/g" "$GOLDEN/demo1-demo3.json" >"$tmp/golden.json"
	diff -u "$tmp/golden.json" "$tmp/out" || fail "schema $v: JSON output differs from golden/demo1-demo3.json"
	# --by stack reads every stack's frames (the trie, not only the sites)
	expect_rc 0 "$HEAPDIFF" --by stack --all demo1.db demo3.db
	if [ -e by-stack.txt ]; then
		diff -u by-stack.txt "$tmp/out" || fail "schema $v: --by stack differs from the version 1 report"
	else
		cp "$tmp/out" by-stack.txt
	fi
done
exit 0
