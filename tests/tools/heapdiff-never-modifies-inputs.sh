#!/bin/sh
# heapdiff-never-modifies-inputs.sh: heapdiff opens snapshots read-only: the
# files keep their bytes and mtime, no journal/WAL/SHM file appears next to
# them, read-only files in a read-only directory work, and names with URI
# characters ('?', '#', '%') are taken literally.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

fixture demo1
fixture demo3
mkdir "$tmp/ro" || harness_error "mkdir"
cp -p "$tmp/demo1.db" "$tmp/ro/a?mode=rw#x%41.db" || harness_error "cp"
cp -p "$tmp/demo3.db" "$tmp/ro/b.db" || harness_error "cp"
chmod 444 "$tmp/ro/"*.db && chmod 555 "$tmp/ro" || harness_error "chmod"
before=$(cd "$tmp/ro" && cksum ./*.db && ls -l --time-style=full-iso)

expect_rc 0 "$HEAPDIFF" "$tmp/ro/a?mode=rw#x%41.db" "$tmp/ro/b.db"
sed -n 2p "$tmp/out" | grep -q leak_buffer || fail "wrong output from read-only inputs"
expect_rc 0 "$HEAPDIFF" --json "$tmp/ro/a?mode=rw#x%41.db" "$tmp/ro/b.db"
expect_rc 0 "$HEAPSNAP" info "$tmp/ro/b.db"

after=$(cd "$tmp/ro" && cksum ./*.db && ls -l --time-style=full-iso)
chmod 755 "$tmp/ro"
[ "$before" = "$after" ] || fail "inputs changed: before: $before after: $after"
ls "$tmp/ro" | grep -q -e '-journal$' -e '-wal$' -e '-shm$' && fail "SQLite side files created"
exit 0
