#!/bin/sh
# start=off loads the tracker dormant: no file until 'heapsnap start PID
# --for 2s' opens a window; the window's files are a baseline (trigger
# start), interval snapshots, and a last one (duration) written after
# tracking paused; after it no file appears. start/stop/status/ps refuse a
# missing, untraced or another user's process with a clear message (exit 3),
# and the control channel refuses another uid itself. No timed assertion:
# the window's end is read from meta, and "no file after it" is checked
# after a wait that is longer than any interval.
. "$(dirname "$0")/lib.sh"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
expect() {
	want=$1; shift
	"$@" >"$WORK/out" 2>"$WORK/err"; got=$?
	[ "$got" = "$want" ] || fail "'$*': exit $got, expected $want; stderr: $(cat "$WORK/err")"
}

expect 3 "$HEAPSNAP" start 2147483647
grep -q "no process with pid 2147483647" "$WORK/err" || fail "missing pid: $(cat "$WORK/err")"
sleep 30 &
untraced=$!
expect 3 "$HEAPSNAP" status "$untraced"
grep -q "process $untraced is not traced by heapsnap" "$WORK/err" || fail "untraced: $(cat "$WORK/err")"
kill "$untraced"
expect 1 "$HEAPSNAP" start --for 0 1
expect 1 "$HEAPSNAP" start --for 3d 1
expect 1 "$HEAPSNAP" start --sample 12X 1

LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK:start=off" "$PROG/grow_forever" &
pid=$!
# the channel exists once status answers; dormant until started
i=0
until "$HEAPSNAP" status "$pid" >"$WORK/st" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no control channel: $(cat "$WORK/st")"; sleep 0.1
done
grep -q "^state: dormant$" "$WORK/st" || fail "not dormant: $(cat "$WORK/st")"
[ -z "$(ls "$WORK"/heapsnap.*.db 2>/dev/null)" ] || fail "a dormant process wrote files"
expect 0 "$HEAPSNAP" ps
grep -q "^$pid  *dormant  *0 " "$WORK/out" || fail "ps: $(cat "$WORK/out")"
expect 3 "$HEAPSNAP" stop "$pid"
grep -q "no window is open" "$WORK/err" || fail "stop while dormant: $(cat "$WORK/err")"

expect 0 "$HEAPSNAP" start --for 2s --interval 0.5 --sample 64K "$pid"
base=$(cat "$WORK/out")
[ -f "$base" ] || fail "start printed '$base'"
[ "$(q "$base" "SELECT value FROM meta WHERE key='trigger'")" = start ] || fail "baseline trigger"
[ "$(q "$base" "SELECT value FROM meta WHERE key='sample'")" = 65536 ] || fail "window's sample"
expect 3 "$HEAPSNAP" start "$pid"
grep -q "a window is already open" "$WORK/err" || fail "second start: $(cat "$WORK/err")"
expect 0 "$HEAPSNAP" status "$pid"
grep -q "^state: running$" "$WORK/out" || fail "status in the window: $(cat "$WORK/out")"

# another uid: refused by the client and by the tracker
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HEAPSNAP" status "$pid" >"$WORK/out" 2>"$WORK/err"
	st=$?
	[ $st = 3 ] || fail "another uid: exit status $st, expected 3"
	grep -q "process $pid belongs to uid 0" "$WORK/err" || fail "another uid: $(cat "$WORK/err")"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HEAPSNAP" stop "$pid" >/dev/null 2>&1 &&
		fail "another uid stopped the window"
fi

# the window ends by itself: the last file says so
i=0
until [ "$("$HEAPSNAP" status "$pid" 2>/dev/null | sed -n 's/^state: //p')" = dormant ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the window never ended"; sleep 0.1
done
last=$(last_snapshot "$WORK")
[ "$(q "$last" "SELECT value FROM meta WHERE key='trigger'")" = duration ] || fail "last trigger: $last"
[ "$(q "$last" "SELECT value FROM meta WHERE key='window_ended_by'")" = duration ] || fail "ended_by"
[ "$(q "$last" "SELECT value FROM meta WHERE key='tracking'")" = dormant ] || fail "tracking in the last"
n=$(ls "$WORK"/heapsnap.*.db | wc -l)
[ "$n" -ge 3 ] || fail "only $n files in a 2 s window at 0.5 s"
for f in "$WORK"/heapsnap.*.db; do
	[ "$(q "$f" 'PRAGMA integrity_check')" = ok ] || fail "$f damaged"
	t=$(q "$f" "SELECT value FROM meta WHERE key='trigger'")
	case "$t" in start|interval|duration) ;; *) fail "$f: trigger $t" ;; esac
done
grow=$(q "$last" "SELECT value FROM meta WHERE key='live_bytes'")
[ "$grow" -gt 0 ] || fail "no growth seen in the window: $grow"
sleep 1.5 # three intervals: nothing more may come
[ "$(ls "$WORK"/heapsnap.*.db | wc -l)" = "$n" ] || fail "files after the window ended"

# a second window, closed by stop
expect 0 "$HEAPSNAP" start --for 1m "$pid"
expect 0 "$HEAPSNAP" stop "$pid"
stopf=$(cat "$WORK/out")
[ "$(q "$stopf" "SELECT value FROM meta WHERE key='trigger'")" = stop ] || fail "stop's file"
kill "$pid"
wait "$pid" 2>/dev/null
echo "ok: dormant, a $n-file window ended on its own, stop, refusals"
