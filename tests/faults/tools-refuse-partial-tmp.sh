#!/bin/sh
# The .db.tmp files that kill -9 leaves behind are not snapshots: killed
# while SQLite was writing its pages, such a file can still open and pass
# integrity_check, yet hold only part of the tables. heapsnap info and
# heapdiff, given one (as `heapdiff DIR/*` would), must refuse it (exit 2,
# one line naming the file) instead of reporting its partial numbers, and
# never crash.
. "$(dirname "$0")/../integration/lib.sh"
OUT="$WORK/out"
mkdir "$OUT"
KILLER_WHILE_WRITING=1 "$top_builddir/tests/faults/killer" 8 "$OUT" "$LIB" "sample=1:interval=0.05:out=$OUT" \
	"$top_builddir/tests/faults/hold_many" >"$WORK/killer.log" 2>&1 || { cat "$WORK/killer.log"; fail "killer failed"; }
good=$(ls "$OUT"/*.db 2>/dev/null | head -n 1)
[ -n "$good" ] || { touch "$WORK/go"; run_preloaded "sample=1:out=$OUT" "$top_builddir/tests/faults/hold_many" "$WORK/go" >/dev/null; good=$(ls "$OUT"/*.db | head -n 1); }
partial=0 accepted=0
for f in "$OUT"/*.db.tmp; do
	[ -s "$f" ] || continue
	partial=$((partial + 1))
	for tool in info diff; do
		if [ $tool = info ]; then
			"$HEAPSNAP" info "$f" >"$WORK/tool.out" 2>"$WORK/tool.err"
		else
			"$HEAPDIFF" "$good" "$f" >"$WORK/tool.out" 2>"$WORK/tool.err"
		fi
		rc=$?
		[ "$rc" -lt 128 ] || fail "$tool on $(basename "$f") crashed (status $rc)"
		if [ "$rc" -ne 2 ]; then
			accepted=$((accepted + 1))
			echo "accepted by $tool (exit $rc): $(basename "$f") ($(wc -c <"$f") bytes, integrity_check $(q "$f" 'PRAGMA integrity_check' 2>&1 | head -n 1))"
			head -n 6 "$WORK/tool.out"
		fi
	done
done
[ "$partial" -ge 1 ] || { echo "harness: 8 kills while writing left no non-empty .db.tmp"; exit 99; }
echo "summary: $partial partial .db.tmp files given to heapsnap info and heapdiff, $accepted times taken for a snapshot"
[ "$accepted" -eq 0 ] || fail "$accepted times a partial .db.tmp was read as a snapshot"
