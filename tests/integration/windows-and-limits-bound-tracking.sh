#!/bin/sh
# The automatic triggers and their limits, each seen in meta: duration=
# stops tracking (a last file, trigger duration, then none); growth= fires
# on the exact live heap, cooldown= holds it back (cooldown_holds, and no two
# automatic files closer than the cooldown by their own uptimes); after
# max_snapshots= files none more, the last says so; max_tracker_bytes= is
# said once and recorded, samples are dropped, the exact totals go on.
# No timed assertion: ends are read from meta, absences after waits longer
# than any interval.
. "$(dirname "$0")/lib.sh"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
meta() { q "$1" "SELECT value FROM meta WHERE key='$2'"; }

# duration=1 with interval=0.3
d=$WORK/d; mkdir "$d"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$d:duration=1:interval=0.3:at_exit=0" "$PROG/grow_forever" 2>"$WORK/d.err" &
pid=$!
i=0
until [ -n "$(last_snapshot "$d")" ] && [ "$(meta "$(last_snapshot "$d")" trigger)" = duration ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "no duration snapshot: $(ls "$d")"; sleep 0.1
done
last=$(last_snapshot "$d")
n=$(ls "$d"/*.db | wc -l)
[ "$(meta "$last" window_ended_by)" = duration ] || fail "window_ended_by"
[ "$(meta "$last" tracking)" = dormant ] || fail "still tracking after duration"
awk "BEGIN{exit !($(meta "$last" duration_reached) == 1)}" || fail "duration_reached $(meta "$last" duration_reached)"
sleep 1.2 # four intervals
[ "$(ls "$d"/*.db | wc -l)" = "$n" ] || fail "files after duration= ended tracking"
kill -0 "$pid" || fail "the program died"
kill "$pid"; wait "$pid" 2>/dev/null

# growth=1M, cooldown=0.5 (the leak is ~12 MiB/s: growth is held back)
g=$WORK/g; mkdir "$g"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$g:growth=1M:cooldown=0.5:max_snapshots=5:at_exit=0" "$PROG/grow_forever" 2>"$WORK/g.err" &
pid=$!
i=0
until [ "$(ls "$g"/*.db 2>/dev/null | wc -l)" -ge 5 ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "growth: $(ls "$g")"; sleep 0.1
done
sleep 1.2
[ "$(ls "$g"/*.db | wc -l)" = 5 ] || fail "more than max_snapshots=5 files: $(ls "$g")"
last=$(last_snapshot "$g")
[ "$(meta "$last" max_snapshots_reached)" = 1 ] || fail "max_snapshots_reached missing"
[ "$(meta "$last" cooldown_holds)" -ge 1 ] 2>/dev/null || fail "cooldown never held growth back"
prev=
for f in "$g"/*.db; do
	[ "$(meta "$f" trigger)" = growth ] || fail "$f: trigger $(meta "$f" trigger)"
	up=$(meta "$f" uptime)
	[ -z "$prev" ] || awk "BEGIN{exit !($up - $prev >= 0.5)}" || fail "two growth files $prev, $up: closer than cooldown"
	prev=$up
done
grep -q "max_snapshots=5 reached" "$WORK/g.err" || fail "max_snapshots not said: $(cat "$WORK/g.err")"
kill "$pid"; wait "$pid" 2>/dev/null

# max_tracker_bytes: 256K is below what the tracker holds once started (the
# stack table's bucket array alone is 512 KiB; the live table's starts at
# 32 KiB and grows), so the first sample hits it; the exact totals match a
# run without the cap
m=$WORK/m; mkdir "$m" "$m/free"
run_preloaded "out=$m:sample=1:max_tracker_bytes=256K" "$PROG/leak_exact" >"$WORK/m.out" 2>"$WORK/m.err"
st=$?
run_preloaded "out=$m/free:sample=1" "$PROG/leak_exact" >"$WORK/m.plain" 2>/dev/null; plain=$?
[ "$st" = "$plain" ] || fail "exit status $st under the cap, $plain without"
cmp -s "$WORK/m.out" "$WORK/m.plain" || fail "output changed under the cap"
[ "$(grep -c "max_tracker_bytes=" "$WORK/m.err")" = 1 ] || fail "cap said $(grep -c max_tracker_bytes= "$WORK/m.err") times: $(cat "$WORK/m.err")"
last=$(last_snapshot "$m")
[ -n "$last" ] || fail "no snapshot under the cap"
[ -n "$(meta "$last" max_tracker_bytes_reached)" ] || fail "max_tracker_bytes_reached missing"
[ "$(meta "$last" samples_dropped)" -gt 0 ] || fail "no sample dropped"
free=$(last_snapshot "$m/free")
[ "$(meta "$last" live_bytes)" = "$(meta "$free" live_bytes)" ] ||
	fail "exact live bytes $(meta "$last" live_bytes) under the cap, $(meta "$free" live_bytes) without"
[ "$(meta "$last" alloc_count)" = "$(meta "$free" alloc_count)" ] || fail "alloc_count differs under the cap"
[ "$(meta "$last" sampled_live_count)" -lt "$(meta "$free" sampled_live_count)" ] || fail "cap recorded as many samples"
echo "ok: duration, growth+cooldown, max_snapshots, max_tracker_bytes"
