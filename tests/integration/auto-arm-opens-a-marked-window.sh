#!/bin/sh
# Auto-arm: a dormant process (start=off) whose RSS climbs past arm_rss=,
# or whose heap in use grows by arm_growth='s SIZE within its SECONDS,
# opens a window by itself: a baseline with meta trigger arm_rss (or
# arm_growth), interval snapshots, a last one at the window's end
# (duration), every file naming the window's cause in meta window_trigger.
# A process that stays below both thresholds writes nothing. No timed
# assertion: each wait is bounded and ends on what the files say.
. "$(dirname "$0")/lib.sh"
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

mkdir "$WORK/rss" "$WORK/growth" "$WORK/calm"
common="start=off:duration=1s:interval=0.25:cooldown=1h:at_exit=0"
# below both thresholds all along: 4 MiB at most
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/calm:$common:arm_rss=1G:arm_growth=512M/10s" "$PROG/climb" 4 100 &
pids="$pids $!"
calm=$!
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/rss:$common:arm_rss=48M" "$PROG/climb" 64 30 &
pids="$pids $!"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/growth:$common:arm_growth=16M/5s" "$PROG/climb" 64 30 &
pids="$pids $!"

# wait_window DIR: until the window's last file (trigger duration) is there
wait_window() {
	i=0
	until [ -n "$(ls "$1" 2>/dev/null | grep '\.db$')" ] &&
		[ "$(q "$(last_snapshot "$1")" "SELECT value FROM meta WHERE key='trigger'")" = duration ]; do
		i=$((i + 1)); [ $i -lt 300 ] || fail "$1: no complete auto-armed window in 30 s: $(ls "$1")"
		sleep 0.1
	done
}

check_window() { # DIR TRIGGER THRESHOLD
	dir=$1 trig=$2 min=$3
	wait_window "$dir"
	first=$(ls "$dir"/heapsnap.*.db | sort | head -n 1)
	[ "$(q "$first" "SELECT value FROM meta WHERE key='trigger'")" = "$trig" ] ||
		fail "$dir: the first file's trigger is not $trig"
	[ "$(q "$first" "SELECT value FROM meta WHERE key='start'")" = off ] || fail "$dir: not started dormant"
	ws=$(q "$first" "SELECT value FROM meta WHERE key='window_start'")
	[ "$(echo "$ws > 0" | bc)" = 1 ] || fail "$dir: window_start $ws: the window did not open after start-up"
	v=$(q "$first" "SELECT value FROM meta WHERE key='arm_value'")
	[ -n "$v" ] && [ "$v" -ge "$min" ] || fail "$dir: arm_value '$v' below the threshold $min"
	n=0
	for f in "$dir"/heapsnap.*.db; do
		[ "$(q "$f" 'PRAGMA integrity_check')" = ok ] || fail "$f damaged"
		[ "$(q "$f" "SELECT value FROM meta WHERE key='window_trigger'")" = "$trig" ] ||
			fail "$f: window_trigger is not $trig"
		t=$(q "$f" "SELECT value FROM meta WHERE key='trigger'")
		case "$t" in "$trig"|interval|duration) ;; *) fail "$f: trigger $t in an auto-armed window" ;; esac
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] || fail "$dir: $n files in the window"
	[ "$(q "$first" "SELECT value FROM meta WHERE key='arm_fired'")" = 1 ] || fail "$dir: arm_fired"
	echo "$n"
}
nr=$(check_window "$WORK/rss" arm_rss $((48 * 1024 * 1024))) || { echo "$nr"; exit 1; }
ng=$(check_window "$WORK/growth" arm_growth $((16 * 1024 * 1024))) || { echo "$ng"; exit 1; }
m=$(q "$(last_snapshot "$WORK/growth")" "SELECT value FROM meta WHERE key='arm_growth_measure'")
[ "$m" = mallinfo_in_use ] || fail "arm_growth measured '$m' on glibc, expected mallinfo_in_use"
kill -0 "$calm" 2>/dev/null || fail "the calm process died"
[ -z "$(ls "$WORK/calm")" ] || fail "a process below both thresholds wrote: $(ls "$WORK/calm")"
st=$("$HEAPSNAP" status "$calm" 2>&1 | sed -n 's/^state: //p')
[ "$st" = dormant ] || fail "the calm process is '$st', expected dormant"
echo "ok: arm_rss opened a $nr-file window, arm_growth a $ng-file one, each marked; below both: nothing"
