#!/bin/sh
# At sample=64K, a program leaking 200 MB in mixed sizes from two functions:
# the estimated live bytes of each function are within 10% of the truth
# (the standard error here is about 2.5%, so 10% is 4 sigma).
. "$(dirname "$0")/lib.sh"
run_preloaded "sample=64K:out=$WORK" "$PROG/leak_sampled" >"$WORK/truth" || fail "leak_sampled: exit status $?"
db=$(last_snapshot "$WORK")
[ -n "$db" ] || fail "no snapshot written"
[ "$(q "$db" "SELECT value FROM meta WHERE key='sample'")" = 65536 ] || fail "meta.sample is not 65536"
total=0
while read -r fn truth; do
	est=$(q "$db" "SELECT coalesce(sum(live_bytes),0) FROM v_sites WHERE function='$fn'")
	n=$(q "$db" "SELECT count(*) FROM allocations a JOIN v_sites s ON s.stack_id = a.stack_id WHERE s.function='$fn'")
	# |est - truth| <= truth / 10
	diff=$((est - truth)); [ "$diff" -lt 0 ] && diff=$((-diff))
	[ $((diff * 10)) -le "$truth" ] ||
		fail "$fn: estimated $est live bytes from $n samples, truth $truth (off by more than 10%)"
	[ "$n" -lt $((truth / 65536 * 3)) ] || fail "$fn: $n samples for $truth bytes: not sampling at 64K"
	echo "$fn: truth $truth estimate $est ($n samples)"
	total=$((total + truth))
done <"$WORK/truth"
[ "$total" -ge 200000000 ] || { echo "harness: program leaked only $total bytes"; exit 99; }
# The exact totals see every byte (usable sizes: at least the requested).
live=$(q "$db" "SELECT value FROM meta WHERE key='live_bytes'")
[ "$live" -ge "$total" ] || fail "meta.live_bytes $live below the $total bytes leaked"
echo "ok: sampled estimates within 10%"
