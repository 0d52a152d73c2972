#!/bin/sh
# At sample=1 every malloc and free of four threads takes a stripe lock of
# the live table; one that finds its stripe taken queues its insert or its
# free for the holder instead of waiting (meta lock_queued counts them).
# Nothing is lost or counted twice: the exit snapshot holds exactly the
# blocks kept, each sampled malloc of churn() once, none of them live, and
# the exact totals agree with the table.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }
meta() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }
threads=4 ops=200000
queued=0
for run in 1 2 3; do
	mkdir "$WORK/$run"
	out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/$run" \
		"$PROG/stripe_contention" $threads $ops) || fail "stripe_contention: status $?"
	kept=$(echo "$out" | sed -n 's/^kept \([0-9]*\)$/\1/p')
	[ "$kept" = $((threads * 50)) ] || fail "stripe_contention printed '$out'"
	db=$(last_snapshot "$WORK/$run")
	[ -n "$db" ] || fail "run $run: no snapshot"
	got=$(q "$db" "SELECT sum(live_count) || ' ' || sum(live_bytes) FROM v_sites WHERE function='keep_blocks'")
	[ "$got" = "$kept $((kept * 200))" ] || fail "run $run: keep_blocks live '$got', expected '$kept $((kept * 200))'"
	got=$(q "$db" "SELECT sum(live_count) || ' ' || sum(alloc_count) FROM v_sites WHERE function='churn'")
	[ "$got" = "0 $((threads * ops))" ] || fail "run $run: churn live, allocs '$got', expected '0 $((threads * ops))'"
	[ "$(meta live_count)" = "$(meta sampled_live_count)" ] ||
		fail "run $run: meta live_count $(meta live_count), sampled_live_count $(meta sampled_live_count)"
	[ "$(meta samples_dropped)" = 0 ] || fail "run $run: samples_dropped $(meta samples_dropped)"
	queued=$(meta lock_queued)
	echo "run $run: lock_queued $queued, lock_waits $(meta lock_waits)"
	[ "${queued:-0}" -gt 0 ] && break
done
[ "${queued:-0}" -gt 0 ] || fail "no insert or free was ever queued in 3 runs (meta lock_queued $queued)"
echo "ok: busy stripes queue, nothing lost"
