#!/bin/sh
# Once the tracker has stopped (here: its own memory runs out on the sampled
# path), its tables are frozen; interval and signal snapshots must stop too,
# or their files would pass stale totals off as current. The program runs on.
. "$(dirname "$0")/lib.sh"
HEAPSNAP_TEST_FAIL_ALLOC=20000 LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.1:out=$WORK" \
	"$PROG/alloc_forever" 2>"$WORK/stderr" &
pid=$!
i=0
until grep -q 'tracking stopped' "$WORK/stderr"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { kill -9 "$pid"; fail "no 'tracking stopped' line after 10 s: $(cat "$WORK/stderr")"; }
	sleep 0.1
done
# a snapshot in progress at the failure may still land
i=0
while ls "$WORK"/*.tmp >/dev/null 2>&1; do
	i=$((i + 1)); [ "$i" -lt 100 ] || break; sleep 0.1
done
before=$(ls "$WORK"/*.db 2>/dev/null | wc -l)
kill -USR2 "$pid"
sleep 0.8
kill -0 "$pid" || fail "the program died after the tracker stopped"
after=$(ls "$WORK"/*.db 2>/dev/null | wc -l)
kill -9 "$pid"; wait "$pid" 2>/dev/null
[ "$after" = "$before" ] || fail "$((after - before)) snapshots written after tracking stopped (interval=0.1, one signal)"
[ "$(grep -c '^heapsnap:' "$WORK/stderr")" = 1 ] || fail "expected one heapsnap line: $(cat "$WORK/stderr")"
echo "ok: $before snapshots before the stop, none after"
