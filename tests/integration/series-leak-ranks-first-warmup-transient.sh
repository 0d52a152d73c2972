#!/bin/sh
# series-leak-ranks-first-warmup-transient.sh: a real process under the
# preload (prog/leak_vs_warmup, sample=1, interval snapshots) leaks 64 KiB
# a step beside a 4 MiB warm-up that it frees at step 6: over the series,
# heapdiff ranks leak_step first with verdict leak, and warm_up is
# transient, never a leak; --fail-on-leak then fails the gate (exit 5).
# The program paces itself on the snapshot files, so no timing is asserted;
# timeout bounds the run.
. "$(dirname "$0")/lib.sh"
timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.1:out=$WORK" \
	"$PROG/leak_vs_warmup" "$WORK" 12 >"$WORK/out" || fail "leak_vs_warmup: exit status $?"
[ "$(cat "$WORK/out")" = "done 12" ] || fail "program printed '$(cat "$WORK/out")'"
n=$(ls "$WORK"/heapsnap.leak_vs_warmup.*.db | wc -l)
[ "$n" -ge 13 ] || fail "only $n snapshots"
"$HEAPDIFF" "$WORK" >"$WORK/report" 2>"$WORK/err" || { cat "$WORK/err"; fail "heapdiff: exit status $?"; }
cat "$WORK/report"
sed -n 2p "$WORK/report" | grep -q '^leak .*leak_step (' ||
	fail "first row is not leak_step with verdict leak"
grep -q '^transient .*warm_up (' "$WORK/report" || fail "warm_up is not transient"
[ "$(grep -c '^leak ' "$WORK/report")" = 1 ] || fail "more than one leak"
"$HEAPDIFF" --fail-on-leak "$WORK" >/dev/null 2>"$WORK/err"
rc=$?
[ $rc = 5 ] || fail "--fail-on-leak exited $rc, expected 5"
grep -q "gate failed: site 'leak_step" "$WORK/err" || fail "gate does not name leak_step: $(cat "$WORK/err")"
exit 0
