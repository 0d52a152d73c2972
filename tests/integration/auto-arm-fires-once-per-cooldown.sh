#!/bin/sh
# "Auto-arm fires once per cooldown, never more often": a saw-tooth
# process climbs past arm_rss= again and again (32 MiB, freed, climbing
# again, for as long as it runs) with windows of 0.3 s and cooldown=1s.
# The windows are counted from the files' meta (baselines with trigger
# arm_rss): at least one, at most elapsed/cooldown + 1 for the time the
# process was observed to run, and any two baselines' window_start (the
# tracker's clock) at least the cooldown apart. The threshold is crossed
# while the cooldown holds, which the files record (arm_cooldown_holds).
# Bounded: the process runs until 4 windows are seen or 12 s have gone.
. "$(dirname "$0")/lib.sh"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
cooldown=1
t0=$(date +%s.%N)
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK:start=off:arm_rss=16M:duration=0.3s:cooldown=${cooldown}s:at_exit=0" \
	"$PROG/climb" 32 20 &
pid=$!
arms() { for f in "$WORK"/heapsnap.*.db; do [ -f "$f" ] && q "$f" "SELECT 1 FROM meta WHERE key='trigger' AND value='arm_rss'"; done | wc -l; }
i=0
while [ "$(arms)" -lt 4 ] && [ $i -lt 120 ]; do
	i=$((i + 1)); sleep 0.1
done
kill "$pid"; wait "$pid" 2>/dev/null; pid=
t1=$(date +%s.%N)
n=$(arms)
elapsed=$(echo "$t1 - $t0" | bc)
bound=$(echo "$elapsed / $cooldown + 1" | bc) # integer part
[ "$n" -ge 1 ] || fail "no window in ${elapsed}s although the RSS crossed arm_rss"
[ "$n" -le "$bound" ] || fail "$n windows in ${elapsed}s with cooldown=${cooldown}s (at most $bound)"
prev=
for f in $(ls "$WORK"/heapsnap.*.db | sort); do
	[ "$(q "$f" "SELECT value FROM meta WHERE key='trigger'")" = arm_rss ] || continue
	ws=$(q "$f" "SELECT value FROM meta WHERE key='window_start'")
	if [ -n "$prev" ]; then
		[ "$(echo "$ws - $prev >= $cooldown" | bc)" = 1 ] ||
			fail "windows at $prev and $ws are less than cooldown=${cooldown}s apart"
	fi
	prev=$ws
done
holds=$(q "$(last_snapshot "$WORK")" "SELECT value FROM meta WHERE key='arm_cooldown_holds'")
[ "$n" -lt 2 ] || [ "$holds" -ge 1 ] || fail "the cooldown never held a crossing back: $holds"
echo "ok: $n windows in ${elapsed}s (at most $bound), each at least ${cooldown}s after the last; $holds held back"
