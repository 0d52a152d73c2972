#!/bin/sh
# heapsnap-symbolize-refuses-what-it-cannot-fill.sh: heapsnap symbolize
# refuses a non-snapshot (exit 2, snapread's message) and a schema version 1
# snapshot (exit 2, "needs no symbolize": its lines were resolved in the
# traced process) and leaves both untouched; a bad --debug-dir or no file is
# a usage error (exit 1); a version 2 file whose modules are not on this
# machine is left byte for byte (nothing resolved) with its counts printed.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

echo "not a database" >"$tmp/text.db"
cp "$tmp/text.db" "$tmp/text.orig"
sh "$MKFIXTURE" "$srcdir/tools/schema-v1.sql" "$tmp/v1.db" demo1 || harness_error "cannot build the v1 fixture"
cp "$tmp/v1.db" "$tmp/v1.orig"
fixture demo1
cp "$tmp/demo1.db" "$tmp/demo1.orig"

expect_rc 2 timeout 60 "$HEAPSNAP" symbolize "$tmp/text.db"
expect_err "heapsnap: cannot open '$tmp/text.db': not a heapsnap snapshot (not an SQLite database)"
cmp -s "$tmp/text.db" "$tmp/text.orig" || fail "the text file was changed"

expect_rc 2 timeout 60 "$HEAPSNAP" symbolize "$tmp/v1.db"
expect_err "heapsnap: symbolize: '$tmp/v1.db' needs no symbolize: it is a schema version 1 snapshot"
cmp -s "$tmp/v1.db" "$tmp/v1.orig" || fail "the version 1 file was changed"

expect_rc 1 timeout 60 "$HEAPSNAP" symbolize --debug-dir "$tmp/nonexistent" "$tmp/demo1.db"
expect_err "heapsnap: cannot use --debug-dir '$tmp/nonexistent': No such file or directory"
expect_rc 1 timeout 60 "$HEAPSNAP" symbolize --debug-dir "$tmp/text.db" "$tmp/demo1.db"
expect_err "Not a directory"
expect_rc 1 timeout 60 "$HEAPSNAP" symbolize
expect_err "heapsnap: symbolize: no snapshot given"

# the fixture's modules (/usr/bin/demo, libplugin.so...) are not here
expect_rc 0 timeout 60 "$HEAPSNAP" symbolize "$tmp/demo1.db"
grep -q "^$tmp/demo1.db: 0 locations got lines, [1-9][0-9]* stayed without$" "$tmp/out" ||
	fail "symbolize printed '$(cat "$tmp/out")'"
cmp -s "$tmp/demo1.db" "$tmp/demo1.orig" || fail "a file with nothing resolved was rewritten"
[ "$(ls "$tmp" | grep -c symbolize)" = 0 ] || fail "a temporary copy was left: $(ls "$tmp")"
exit 0
