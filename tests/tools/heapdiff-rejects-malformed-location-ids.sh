#!/bin/sh
# heapdiff-rejects-malformed-location-ids.sh: a version 3 callsites row
# whose location_ids is not a JSON array of known location ids (not an
# array, a value that is not an integer, an id that is not in locations,
# an empty array) makes heapdiff --by stack and heapsnap export fail with
# one clear line naming the file, the row and the cause, exit 2 and nothing
# on stdout; they never crash nor report the other frames. Whitespace in a
# valid array is accepted.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo3
[ "$(sqlite3 "$tmp/demo3.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 3 ] ||
	harness_error "the current schema is not version 3"

# bad NAME ROW_ID VALUE_SQL: demo3 with callsites row ROW_ID's location_ids set
bad() {
	cp "$tmp/demo3.db" "$tmp/$1.db" || harness_error "cp"
	sqlite3 "$tmp/$1.db" "UPDATE callsites SET location_ids = $3 WHERE id = $2" || harness_error "sqlite3 $1"
}
bad object 1001 "'{\"a\": 1}'"
bad number 1001 "13"
bad word 1001 "'abc'"
bad unterminated 1001 "'[13,5'"
bad trailing 1001 "'[13,5,4] x'"
bad real 1000 "'[3,1.5]'"
bad string 1000 "'[3,\"1\"]'"
bad null 1000 "'[null]'"
bad nested 1000 "'[[3],1]'"
bad unknown 2001 "'[13,999]'"
bad negative 2001 "'[-13,5]'"
bad empty 3000 "'[]'"
bad spaced_empty 3000 "' [ ] '"

# check NAME ROW CAUSE: both commands refuse NAME.db, naming the row and cause
check() {
	f=$tmp/$1.db
	for cmd in "$HEAPDIFF --by stack $tmp/demo1.db $f" "$HEAPDIFF --json --by stack $tmp/demo1.db $f" \
		"$HEAPSNAP export --folded - $f"; do
		# shellcheck disable=SC2086 # word splitting of cmd is intended
		expect_rc 2 timeout 60 $cmd
		[ -s "$tmp/out" ] && fail "stdout not empty for '$cmd'"
		expect_err ": $f: malformed snapshot (callsites row $2: location_ids $3)"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one error line for '$cmd': $(cat "$tmp/err")"
	done
}
check object 1001 "is not a JSON array"
check number 1001 "is not a JSON array"
check word 1001 "is not a JSON array"
check unterminated 1001 "is not a JSON array (unterminated)"
check trailing 1001 "is not a JSON array (text after it)"
check real 1000 "holds a value that is not an integer"
check string 1000 "holds a value that is not an integer"
check null 1000 "holds a value that is not an integer"
check nested 1000 "holds a value that is not an integer"
check unknown 2001 "names location 999, which is not in locations"
check negative 2001 "names location -13, which is not in locations"
check empty 3000 "is empty"
check spaced_empty 3000 "is empty"

# the same rows, valid with whitespace, give the untouched file's report
bad spaced 1001 "' [ 13 , 5,
4 ] '"
expect_rc 0 "$HEAPDIFF" --by stack --all "$tmp/demo1.db" "$tmp/demo3.db"
cp "$tmp/out" "$tmp/want"
expect_rc 0 "$HEAPDIFF" --by stack --all "$tmp/demo1.db" "$tmp/spaced.db"
cmp -s "$tmp/want" "$tmp/out" || fail "whitespace in location_ids changed the report"
exit 0
