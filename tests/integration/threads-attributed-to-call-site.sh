#!/bin/sh
# Threads: with sample=1 the exit snapshot attributes each thread's leak to
# the function that made it, including threads started after the tracker
# and joined repeatedly; the exact totals cover every live block; exit()
# called from a non-main thread writes exactly one exit snapshot.
. "$(dirname "$0")/lib.sh"

# site FUNCTION: "live_bytes live_count alloc_count free_count" summed over its stacks.
site() {
	q "$db" "SELECT coalesce(sum(live_bytes),0) || ' ' || coalesce(sum(live_count),0) || ' ' ||
	         coalesce(sum(alloc_count),0) || ' ' || coalesce(sum(free_count),0)
	         FROM v_sites WHERE function='$1'"
}
meta() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }

mkdir "$WORK/all" "$WORK/exit"
run_preloaded "sample=1:out=$WORK/all" "$PROG/threads" || fail "threads: exit status $?"
n=$(ls "$WORK/all"/*.db 2>/dev/null | wc -l)
[ "$n" -eq 1 ] || fail "threads: expected 1 snapshot, found $n"
db=$(last_snapshot "$WORK/all")
[ "$(meta trigger)" = exit ] || fail "trigger is '$(meta trigger)', not exit"
for want in "leak_t0 10000 10 10 0" "leak_t1 10000 20 20 0" "leak_t2 15000 5 5 0" \
	    "leak_t3 2560 40 40 0" "leak_short 3200 200 400 200"; do
	fn=${want%% *}
	got="$fn $(site "$fn")"
	[ "$got" = "$want" ] || fail "per-function bytes: expected '$want', got '$got'"
done
# Call sites are the program's functions, never the tracker or the allocator.
bad=$(q "$db" "SELECT count(*) FROM v_sites WHERE function IN ('malloc','free','calloc','realloc') OR function IS NULL AND live_bytes > 0")
[ "$bad" = 0 ] || fail "$bad sites attributed to an allocator entry point or unresolved"
# Only the main thread is still registered: 204 threads came and went.
[ "$(meta threads)" = 1 ] || fail "meta.threads is '$(meta threads)' after all threads were joined, expected 1"
# Exact totals count at least what the sites show live and what the program did.
live_count=$(meta live_count); live_bytes=$(meta live_bytes)
alloc_count=$(meta alloc_count); free_count=$(meta free_count)
sampled_live=$(q "$db" "SELECT sum(live_count) FROM v_sites")
[ "$live_count" -ge "$sampled_live" ] ||
	fail "meta.live_count $live_count is below the $sampled_live blocks v_sites shows live (sample=1)"
[ "$live_count" -ge 275 ] || fail "meta.live_count $live_count < 275 leaked blocks"
[ "$live_bytes" -ge 40760 ] || fail "meta.live_bytes $live_bytes < 40760 leaked bytes"
[ "$alloc_count" -ge 475 ] || fail "meta.alloc_count $alloc_count < 475 mallocs made"
[ "$free_count" -ge 200 ] || fail "meta.free_count $free_count < 200 frees made"
[ $((alloc_count - free_count)) -eq "$live_count" ] || fail "live_count != alloc_count - free_count"
[ "$live_count" -le 300 ] || fail "meta.live_count $live_count: far more than the 275 leaked blocks"
echo "ok: per-thread leaks by function, totals consistent (live_count $live_count)"

# exit(0) from a worker while main waits in pthread_join.
run_preloaded "sample=1:out=$WORK/exit" "$PROG/threads" exit || fail "threads exit: exit status $?"
n=$(ls "$WORK/exit" | wc -l)
[ "$n" -eq 1 ] || fail "exit() from a thread: expected exactly 1 file, found $n: $(ls "$WORK/exit")"
db=$(last_snapshot "$WORK/exit")
[ -n "$db" ] || fail "exit() from a thread: no snapshot"
[ "$(meta trigger)" = exit ] || fail "exit() from a thread: trigger '$(meta trigger)'"
[ "$(meta seq)" = 1 ] || fail "exit() from a thread: seq '$(meta seq)'"
got=$(site leak_before_exit)
[ "$got" = "777 7 7 0" ] || fail "leak_before_exit: expected '777 7 7 0', got '$got'"
echo "ok: exit() from a thread writes one exit snapshot"
