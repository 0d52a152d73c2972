#!/bin/bash
# bench/stall.sh: how long application threads wait in malloc/free while a
# snapshot is written (issue 14's target: during a snapshot of 100k live
# samples and 20k stacks, no application thread waits more than 1 ms in a
# hook). Not a test: it prints figures, never fails on a slow one.
#
#   bench/stall.sh             traced run, then the same calls uninstrumented
#   PERF=1 bench/stall.sh      and a traced run under perf's scheduler events
#
# bench/stall_bench.c keeps BLOCKS live blocks on STACKS distinct stacks
# under HEAPSNAP_OPTIONS=sample=1 (every block, and every timed call, is a
# sample: the timing threads take a stripe lock of the live table on every
# call, the worst case against the writer's copy), then 2 threads loop
# { free; malloc } timing every call with clock_gettime(CLOCK_MONOTONIC)
# into a log2 histogram while a third thread takes SNAPSHOTS snapshots with
# heapsnap_snapshot(), GAP_MS apart. It prints the histogram of the calls
# made during snapshots and outside them, the max, the count >= 1 ms, and
# of those how many fell in a batch of 64 calls in which the thread slept
# (a voluntary context switch: a lock wait; the loop never sleeps by
# itself) rather than only being preempted.
# The uninstrumented run does the same calls with, in place of each
# snapshot, a window as long as the traced run's mean snapshot: the
# machine's own scheduling noise (on 2 shared cores, with the writer as a
# third runnable thread, a preempted call takes a time slice: 3..12 ms).
# With PERF=1 a third run is recorded with `perf record -e
# sched:sched_switch -e sched:sched_wakeup` and every time a timing thread
# went to sleep is listed by the thread that woke it: woken by
# heapsnap-writer means the hook waited for the writer (a lock it held);
# woken by stall_bench, for the other timing thread (it held a stripe lock
# and was preempted).
#
# Knobs (environment): BLOCKS (100000), STACKS (20000), SNAPSHOTS (10),
# GAP_MS (100), PERF (0), HEAPSNAP_LIB (src/.libs/libheapsnap.so), KEEP=1
# keeps the temp dir.
# Needs: gcc, sqlite3 (the CLI, for the lock-wait line); with PERF=1, perf
# (Debian linux-perf) and python3.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
BLOCKS=${BLOCKS:-100000}
STACKS=${STACKS:-20000}
SNAPSHOTS=${SNAPSHOTS:-10}
GAP_MS=${GAP_MS:-100}
PERF=${PERF:-0}

die() { echo "bench/stall.sh: $*" >&2; exit 1; }
[ $# = 0 ] || { echo "usage: bench/stall.sh (knobs are environment variables, see its header)" >&2; exit 2; }
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
command -v gcc >/dev/null || die "gcc not found"
if [ "$PERF" = 1 ]; then
	command -v perf >/dev/null || die "perf not found (apt-get install -y linux-perf), or run without PERF=1"
	command -v python3 >/dev/null || die "python3 not found (apt-get install -y python3): it reads perf's events"
fi

tmp=$(mktemp -d /tmp/heapsnap-stall.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "temp dir kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

bin=$tmp/stall_bench
build_cmd="gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -I$top/include -o $bin $here/stall_bench.c"
echo "+ $build_cmd"
$build_cmd

echo "machine: $(nproc) CPUs, Linux $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); heapsnap $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); library: $lib"
echo

# every run is bounded: a hang is reported, never waited for
run() { # LOG CMD...
	local log=$1
	shift
	echo "+ $*"
	if ! timeout 600 "$@" >"$log" 2>"$log.err"; then
		cat "$log" "$log.err" >&2
		die "failed or timed out: $*"
	fi
	cat "$log"
	echo
}
kv() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }

mkdir -p "$tmp/out"
run "$tmp/traced" env HEAPSNAP_OPTIONS="out=$tmp/out:sample=1:at_exit=0" LD_PRELOAD="$lib" \
	"$bin" "$BLOCKS" "$STACKS" "$SNAPSHOTS" "$GAP_MS"
written=$(find "$tmp/out" -name '*.db' | wc -l)
echo "snapshot files written: $written"
# the tracker's own count of waits for a live-table stripe lock, any
# thread, and the longest (meta lock_waits, lock_wait_max_seconds): what
# a hook spent behind the writer or another thread, apart from preemption
last=$(find "$tmp/out" -name '*.db' | sort | tail -n 1)
locks="?"
if [ -n "$last" ] && command -v sqlite3 >/dev/null; then
	locks="$(sqlite3 "$last" "SELECT value FROM meta WHERE key = 'lock_waits'") waits, the longest"
	locks="$locks $(sqlite3 "$last" "SELECT printf('%.3f', value * 1000) FROM meta WHERE key = 'lock_wait_max_seconds'") ms"
fi
echo "stripe-lock waits (the last snapshot's meta): $locks"
echo
fake=$(kv "$tmp/traced" snapshot_ms_mean | awk '{printf "%d", $1 + 0.5}')
[ "$fake" -ge 1 ] || fake=1
run "$tmp/plain" "$bin" "$BLOCKS" "$STACKS" "$SNAPSHOTS" "$GAP_MS" "$fake"

if [ "$PERF" = 1 ]; then
	rm -rf "$tmp/out" && mkdir -p "$tmp/out"
	run "$tmp/perf.log" perf record -q -o "$tmp/perf.data" -e sched:sched_switch -e sched:sched_wakeup -- \
		env HEAPSNAP_OPTIONS="out=$tmp/out:sample=1:at_exit=0" LD_PRELOAD="$lib" \
		"$bin" "$BLOCKS" "$STACKS" "$SNAPSHOTS" "$GAP_MS"
	perf script -i "$tmp/perf.data" -F comm,tid,time,event,trace >"$tmp/perf.txt" 2>/dev/null
	echo "sleeps of the timing threads in the perf run, by the thread that woke them"
	echo "(sleep: from going to sleep to the wake-up; a '?' waker: perf lost the wake-up event):"
	python3 - "$tmp/perf.txt" <<'EOF'
import collections, re, sys
main = None
asleep = {}   # tid -> [t_sleep, waker, t_wake]
sleeps = []   # (sleep_s, tid, waker)
for line in open(sys.argv[1]):
    m = re.match(r'\s*(\S+)\s+(\d+)\s+([\d.]+): (\S+): (.*)', line)
    if not m:
        continue
    comm, tid, t, ev, tr = m.groups()
    t = float(t)
    if ev == 'sched:sched_switch':
        a = re.search(r'prev_comm=(\S+) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=\S+ next_pid=(\d+)', tr)
        if not a:
            continue
        pc, pp, ps, np = a.groups()
        if pc == 'stall_bench' and ps[0] in 'SD':
            asleep[pp] = [t, '?', None]
        if np in asleep:
            t0, w, tw = asleep.pop(np)
            sleeps.append(((tw if tw else t) - t0, np, w))
    elif ev == 'sched:sched_wakeup':
        a = re.search(r'comm=(\S+) pid=(\d+)', tr)
        if a and a.group(2) in asleep and asleep[a.group(2)][1] == '?':
            asleep[a.group(2)][1] = comm
            asleep[a.group(2)][2] = t
# the main thread sleeps between snapshots and in heapsnap_snapshot(): it is
# the stall_bench thread with the longest sleeps; the timing threads never
# sleep on their own
by_tid = collections.defaultdict(float)
for s, tid, w in sleeps:
    by_tid[tid] += s
if by_tid:
    main = max(by_tid, key=by_tid.get)
rows = collections.defaultdict(list)
for s, tid, w in sleeps:
    if tid != main:
        rows[w].append(s)
print('  %-18s %8s %12s %10s %10s' % ('woken by', 'sleeps', 'max_ms', '>=0.1ms', '>=1ms'))
for w, v in sorted(rows.items(), key=lambda kv: -max(kv[1])):
    print('  %-18s %8d %12.3f %10d %10d' % (w, len(v), max(v) * 1e3,
          sum(1 for s in v if s >= 1e-4), sum(1 for s in v if s >= 1e-3)))
EOF
	echo
fi

echo "summary: traced: $(kv "$tmp/traced" snapshots) snapshots (mean $(kv "$tmp/traced" snapshot_ms_mean) ms),"\
     "max call during snapshots $(kv "$tmp/traced" max_during_ms) ms, $(kv "$tmp/traced" slow_during) calls >= 1 ms"\
     "($(kv "$tmp/traced" slow_during_blocked) in a batch where the thread slept), outside: max $(kv "$tmp/traced" max_outside_ms) ms,"\
     "$(kv "$tmp/traced" slow_outside) >= 1 ms"
echo "         stripe-lock waits in the traced run: $locks"
echo "         uninstrumented: max call during the windows $(kv "$tmp/plain" max_during_ms) ms,"\
     "$(kv "$tmp/plain" slow_during) calls >= 1 ms ($(kv "$tmp/plain" slow_during_blocked) slept); outside: max"\
     "$(kv "$tmp/plain" max_outside_ms) ms, $(kv "$tmp/plain" slow_outside) >= 1 ms"
