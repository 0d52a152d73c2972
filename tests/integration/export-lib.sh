# export-lib.sh: shared setup of the export-*.sh tests (sourced after
# lib.sh): two exact-mode runs of prog/export_leak, OLD ($WORK/old.db, N=10)
# and NEW ($WORK/new.db, N=50), so grow_cache grows by 40 x 4096 = 163840
# bytes and nothing else changes.
GROWTH=163840
snap_of() {  # snap_of N OUT.db
	local dir="$WORK/run$1"
	mkdir -p "$dir"
	run_preloaded "sample=1:symbolize=full:out=$dir" "$PROG/export_leak" "$1" ||
		fail "export_leak $1 exited $?"
	local db
	db=$(last_snapshot "$dir")
	[ -n "$db" ] || fail "export_leak $1 wrote no snapshot"
	mv "$db" "$2"
}
snap_of 10 "$WORK/old.db"
snap_of 50 "$WORK/new.db"
# heapdiff's own answer, which every export must agree with
"$HEAPDIFF" --json "$WORK/old.db" "$WORK/new.db" > "$WORK/diff.json" || fail "heapdiff exited $?"
top_fn=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["sites"][0]["frames"][0]["function"], d["sites"][0]["bytes_delta"])' "$WORK/diff.json")
[ "$top_fn" = "grow_cache $GROWTH" ] || fail "heapdiff's top site is '$top_fn', expected 'grow_cache $GROWTH'"
