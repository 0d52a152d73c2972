#!/bin/sh
# heapdiff-rejects-non-snapshots.sh: a missing file, a directory, a text
# file, an empty file, an SQLite database without a meta table, one without
# schema_version or with a non-integer one, one from a newer schema, and one
# missing a required table are each refused with "heapdiff: cannot open
# 'PATH': ..." on stderr, exit 2, and nothing at all on stdout, whichever
# position the bad file has and with or without --json.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
good=$tmp/demo1.db

echo "not a database" >"$tmp/text.db"
: >"$tmp/empty.db"
mkdir "$tmp/dir.db"
sqlite3 "$tmp/nometa.db" "CREATE TABLE t(x); INSERT INTO t VALUES(1);" || harness_error "sqlite3"
sqlite3 "$tmp/blank.db" "CREATE TABLE t(x); DROP TABLE t; VACUUM;" || harness_error "sqlite3"
sqlite3 "$tmp/nover.db" <"$SCHEMA" || harness_error "sqlite3"
sqlite3 "$tmp/nover.db" "INSERT INTO meta VALUES('pid', 1);" || harness_error "sqlite3"
cp "$tmp/nover.db" "$tmp/textver.db"
sqlite3 "$tmp/textver.db" "INSERT INTO meta VALUES('schema_version', 'one');" || harness_error "sqlite3"
cp "$tmp/nover.db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" "INSERT INTO meta VALUES('schema_version', 4);" || harness_error "sqlite3"
cp "$tmp/nover.db" "$tmp/nosites.db"
sqlite3 "$tmp/nosites.db" "INSERT INTO meta VALUES('schema_version', 2); DROP VIEW v_sites; DROP TABLE sites;" ||
	harness_error "sqlite3"

check() {  # check FILE REASON
	for args in "$good $1" "$1 $good" "--json $good $1" "$good $good $1"; do
		# shellcheck disable=SC2086 # word splitting of args is intended
		expect_rc 2 "$HEAPDIFF" $args
		[ -s "$tmp/out" ] && fail "stdout not empty for 'heapdiff $args'"
		expect_err "heapdiff: cannot open '$1': $2"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one error line: $(cat "$tmp/err")"
	done
}

check "$tmp/missing.db" "No such file or directory"
check "$tmp/dir.db" "Is a directory"
check "$tmp/text.db" "not a heapsnap snapshot (not an SQLite database)"
check "$tmp/empty.db" "not a heapsnap snapshot (empty file)"
check "$tmp/nometa.db" "not a heapsnap snapshot (no meta table)"
check "$tmp/blank.db" "not a heapsnap snapshot (no meta table)"
check "$tmp/nover.db" "not a heapsnap snapshot (no schema_version)"
check "$tmp/textver.db" "not a heapsnap snapshot (schema_version is not an integer)"
check "$tmp/newer.db" "snapshot schema_version 4 is newer than this heapdiff supports (3); upgrade heapsnap"
check "$tmp/nosites.db" "not a heapsnap snapshot (no sites table)"

# Usage errors are exit 1, also with nothing on stdout.
expect_rc 1 "$HEAPDIFF" "$good"
expect_err "heapdiff: need two snapshots to compare, got 1"
[ -s "$tmp/out" ] && fail "stdout not empty on a usage error"
expect_rc 1 "$HEAPDIFF" --top x "$good" "$good"
expect_err "heapdiff: invalid value 'x' for --top"
expect_rc 1 "$HEAPDIFF" --frobnicate "$good" "$good"
expect_err "heapdiff: unknown option '--frobnicate'"
exit 0
