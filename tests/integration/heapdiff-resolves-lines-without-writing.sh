#!/bin/sh
# heapdiff and heapsnap info show file:line for a names-only snapshot,
# resolved in memory (with --debug-dir for a program whose debug info was
# split off), and leave the file byte for byte as it was.
. "$(dirname "$0")/lib.sh"
command -v objcopy >/dev/null || { echo "harness: objcopy missing"; exit 99; }
SRC="$top_srcdir/tests/prog/inline_alloc.cc"
line=$(grep -n "@make-entry-new \*/" "$SRC" | cut -d: -f1)

mkdir -p "$WORK/bin" "$WORK/out" "$WORK/dbg"
cp "$PROG/inline_alloc" "$WORK/bin/ia"
objcopy --only-keep-debug "$WORK/bin/ia" "$WORK/ia.debug" &&
	objcopy --strip-debug --add-gnu-debuglink="$WORK/ia.debug" "$WORK/bin/ia" &&
	mv "$WORK/ia.debug" "$WORK/dbg/ia.debug" || { echo "harness: cannot split the debug info"; exit 99; }
out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out" "$WORK/bin/ia") || fail "exit status $?"
db=$(last_snapshot "$WORK/out")
# the tracker cannot find the debug file (not where it looks): names only
[ "$(q "$db" "SELECT count(*) FROM locations l JOIN modules m ON m.id = l.module_id
	WHERE m.path = '$WORK/bin/ia' AND l.resolution = 'lines'")" = 0 ] ||
	fail "the traced process resolved lines of ia: this test needs a names-only snapshot"
cp -p "$db" "$WORK/before.db"

timeout 120 "$HEAPDIFF" --all --callers 3 "$db" "$db" >"$WORK/plain" || fail "heapdiff: exit status $?"
grep -q "store::make_entry (.*inline_alloc.cc:$line)" "$WORK/plain" &&
	fail "lines found without --debug-dir: $(cat "$WORK/plain")"
timeout 120 "$HEAPDIFF" --all --callers 3 --debug-dir "$WORK/dbg" "$db" "$db" >"$WORK/diff" ||
	fail "heapdiff --debug-dir: exit status $?"
grep -q "store::make_entry (.*inline_alloc.cc:$line)" "$WORK/diff" ||
	fail "heapdiff --debug-dir shows no store::make_entry (inline_alloc.cc:$line): $(cat "$WORK/diff")"
timeout 120 "$HEAPSNAP" info --top 0 --debug-dir "$WORK/dbg" "$db" >"$WORK/info" || fail "info: exit status $?"
grep -q "store::make_entry (.*inline_alloc.cc:$line)" "$WORK/info" ||
	fail "heapsnap info --debug-dir shows no store::make_entry (inline_alloc.cc:$line): $(cat "$WORK/info")"
cmp -s "$db" "$WORK/before.db" || fail "the snapshot file was modified"
[ "$(ls "$WORK/out")" = "$(basename "$db")" ] || fail "files appeared beside the snapshot: $(ls "$WORK/out")"
echo "ok: lines resolved in memory with --debug-dir, snapshot unchanged"
