#!/bin/sh
# A bad HEAPSNAP_OPTIONS: the program's stdout and exit status are those of
# a run without the preload, stderr has exactly one "heapsnap:" line naming
# the bad key or value, and no snapshot is written anywhere.
. "$(dirname "$0")/lib.sh"
P="$PROG/print_and_exit"
mkdir "$WORK/cwd" "$WORK/out"
(cd "$WORK/cwd" && "$P" arg) >"$WORK/ref.out" 2>"$WORK/ref.err"
ref_rc=$?
[ "$ref_rc" -eq 3 ] || { echo "harness: print_and_exit exited $ref_rc, expected 3"; exit 99; }

try() { # OPTIONS TEXT-THAT-MUST-APPEAR
	(cd "$WORK/cwd" && run_preloaded "$1" "$P" arg) >"$WORK/got.out" 2>"$WORK/got.err"
	rc=$?
	[ "$rc" -eq "$ref_rc" ] || fail "'$1': exit status $rc, without the preload $ref_rc"
	cmp -s "$WORK/ref.out" "$WORK/got.out" || fail "'$1': stdout differs from the run without the preload"
	lines=$(wc -l <"$WORK/got.err")
	[ "$lines" -eq 1 ] || fail "'$1': expected 1 stderr line, got $lines: $(cat "$WORK/got.err")"
	grep -q '^heapsnap: ' "$WORK/got.err" || fail "'$1': stderr line does not start with 'heapsnap: ': $(cat "$WORK/got.err")"
	grep -qF -- "$2" "$WORK/got.err" || fail "'$1': stderr does not name '$2': $(cat "$WORK/got.err")"
	found=$(ls "$WORK/cwd" "$WORK/out" | grep '\.db' | head -n 3)
	[ -z "$found" ] || fail "'$1': snapshot written although tracking is off: $found"
}
try "out=$WORK/out:bogus=1" "bogus"
try "out=$WORK/out:sample=abc" "sample=abc"
try "out=$WORK/out:sample=0" "sample=0"
try "out=$WORK/out:signal=SIGFOO" "signal=SIGFOO"
try "out=$WORK/out:signal=9" "signal=9"
try "out=$WORK/out:interval=-1" "interval=-1"
try "out=$WORK/out:depth=0" "depth=0"
try "out=$WORK/out:at_exit=maybe" "at_exit=maybe"
try "out=$WORK/out:sample" "sample"
try "out=$WORK/out:arm_growth=64M" "arm_growth=64M': expected SIZE/SECONDS"
try "out=$WORK/out:arm_growth=x/10s" "arm_growth=x/10s': expected SIZE/SECONDS"
try "out=$WORK/out:arm_growth=64M/0" "arm_growth=64M/0'"
try "out=$WORK/out:arm_rss=lots" "arm_rss=lots'"
try "out=$WORK/missing/dir" "$WORK/missing/dir"
# Control: good options do write a snapshot, so the checks above can fail.
(cd "$WORK/cwd" && run_preloaded "out=$WORK/out:arm_growth=64M/10m:arm_rss=1G" "$P" arg) >/dev/null 2>&1
[ -n "$(last_snapshot "$WORK/out")" ] || fail "control: good options wrote no snapshot"
echo "ok: bad options leave the program unchanged"
