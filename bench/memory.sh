#!/bin/bash
# bench/memory.sh: the tracker's own memory against the application's peak
# heap (issue 14's target: at the default rate <= 2% of the peak heap +
# 8 MiB; in exact mode <= 30%). Not a test: it prints figures, never fails
# on a number.
#
#   bench/memory.sh
#
# Workloads (as bench/run.sh): micro, `malloc_bench heap 2 MICRO_ITERS
# 50000` (50 k live blocks of 16 B..256 KiB); python, /usr/bin/python3
# building a PY_N-entry dict with PYTHONMALLOC=malloc. Each runs at the
# default rate and in exact mode (sample=1), with peak=0.02 (a snapshot at
# every new high of the exact live heap 2% above the last one, looked at
# every 0.1 s by the writer) and the exit snapshot.
# Per row:
#   peak_heap  the highest exact live heap (meta live_bytes: allocated minus
#              freed usable bytes) of any snapshot of the workload's two
#              runs: a lower bound of the true peak (the writer looks every
#              0.1 s), so the ratio is, if anything, pessimistic;
#   tracker    meta tracker_bytes of the exit snapshot (the bytes the
#              tracker's private arena holds: tables, stacks, frame names),
#              and the highest tracker_bytes of any snapshot (taken while a
#              snapshot is being written, so with its copy of the tables
#              and SQLite's memory);
#   resident   meta tracker_resident_bytes of the exit snapshot (the private
#              jemalloc's stats.resident: with its caches and metadata);
#   +rss       peak RSS over the uninstrumented run's (/usr/bin/time),
#              which also counts libunwind's and libdw's memory, taken from
#              the application's heap;
#   target     2% of peak_heap + 8 MiB (default), 30% of it (exact), and
#              whether the exit snapshot's tracker_bytes is within it.
# Knobs (environment): MICRO_ITERS (1500000), PY_N (300000), HEAPSNAP_LIB
# (src/.libs/libheapsnap.so), KEEP=1 keeps the temp dir.
# Needs: gcc, sqlite3 (the CLI), /usr/bin/time (Debian 'time'), python3.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
MICRO_ITERS=${MICRO_ITERS:-1500000}
PY_N=${PY_N:-300000}

die() { echo "bench/memory.sh: $*" >&2; exit 1; }
[ $# = 0 ] || { echo "usage: bench/memory.sh (knobs are environment variables, see its header)" >&2; exit 2; }
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
command -v gcc >/dev/null || die "gcc not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install -y sqlite3): it reads the snapshots' meta"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install -y time): it gives peak RSS"
py=/usr/bin/python3
[ -x $py ] || die "$py not found (apt-get install -y python3)"

tmp=$(mktemp -d /tmp/heapsnap-memory.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "temp dir kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

bin=$tmp/malloc_bench
build_cmd="gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $bin $here/malloc_bench.c"
echo "+ $build_cmd"
$build_cmd
printf 'd = {}\nfor i in range(%s):\n    d["k%%d" %% i] = [i, str(i)]\n' "$PY_N" >"$tmp/dict.py"

echo "machine: $(nproc) CPUs, Linux $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); heapsnap $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); library: $lib"
echo

meta() { sqlite3 "$1" "SELECT value FROM meta WHERE key = '$2'"; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

# run_rss LOG ENV... -- CMD...: peak RSS KiB of one bounded run, on stdout
run_rss() {
	local log=$1
	shift
	if ! timeout 600 /usr/bin/time -o "$log.time" -f %M env "$@" >"$log" 2>&1; then
		cat "$log" >&2
		die "failed or timed out: env $*"
	fi
	tail -1 "$log.time"
}

printf "%-8s %-8s %11s %12s %12s %12s %9s %8s %14s %s\n" workload mode peak_heap tracker_exit tracker_max \
	resident +rss ratio target holds
printf '%s\n' "----------------------------------------------------------------------------------------------------------------"
for w in micro python; do
	case $w in
	micro) envs=(); cmd=("$bin" heap 2 "$MICRO_ITERS" 50000) ;;
	python) envs=(PYTHONMALLOC=malloc); cmd=("$py" "$tmp/dict.py") ;;
	esac
	base=$(run_rss "$tmp/$w.base.log" "${envs[@]}" "${cmd[@]}")
	declare -A peak tmax texit res rss nsnap
	for mode in default exact; do
		o=$tmp/$w.$mode.out
		rm -rf "$o" && mkdir -p "$o"
		opts="out=$o:peak=0.02"
		[ $mode = exact ] && opts="$opts:sample=1"
		echo "+ /usr/bin/time -f %M env ${envs[*]} HEAPSNAP_OPTIONS=$opts LD_PRELOAD=$lib ${cmd[*]}" >>"$tmp/commands"
		rss[$mode]=$(run_rss "$tmp/$w.$mode.log" "${envs[@]}" HEAPSNAP_OPTIONS="$opts" LD_PRELOAD="$lib" "${cmd[@]}")
		peak[$mode]=0 tmax[$mode]=0 texit[$mode]="" nsnap[$mode]=0
		for f in "$o"/*.db; do
			[ -e "$f" ] || die "$w/$mode wrote no snapshot"
			nsnap[$mode]=$((nsnap[$mode] + 1))
			l=$(meta "$f" live_bytes); t=$(meta "$f" tracker_bytes)
			[ "$l" -gt "${peak[$mode]}" ] && peak[$mode]=$l
			[ "$t" -gt "${tmax[$mode]}" ] && tmax[$mode]=$t
			if [ "$(meta "$f" trigger)" = exit ]; then texit[$mode]=$t; res[$mode]=$(meta "$f" tracker_resident_bytes); fi
		done
		[ -n "${texit[$mode]}" ] || die "$w/$mode: no exit snapshot among its ${nsnap[$mode]} files"
	done
	# the program is the same in both modes: its peak heap is the higher of
	# the two runs' (the slower exact run's writer sees fewer highs)
	p=${peak[default]}
	[ "${peak[exact]}" -gt "$p" ] && p=${peak[exact]}
	for mode in default exact; do
		if [ $mode = default ]; then
			lim=$(awk -v p="$p" 'BEGIN {printf "%.0f", 0.02 * p + 8 * 1048576}'); tdesc="2%+8MiB"
		else
			lim=$(awk -v p="$p" 'BEGIN {printf "%.0f", 0.30 * p}'); tdesc="30%"
		fi
		printf "%-8s %-8s %7s MiB %8s MiB %8s MiB %8s MiB %5s MiB %7.1f%% %6s MiB %-7s %s\n" "$w" "$mode" \
			"$(mib "$p")" "$(mib "${texit[$mode]}")" "$(mib "${tmax[$mode]}")" "$(mib "${res[$mode]}")" \
			"$(awk -v a="${rss[$mode]}" -v b="$base" 'BEGIN {printf "%+.0f", (a - b) / 1024}')" \
			"$(awk -v t="${texit[$mode]}" -v p="$p" 'BEGIN {printf "%.1f", (p > 0 ? 100 * t / p : 0)}')" \
			"$(mib "$lim")" "$tdesc" "$([ "${texit[$mode]}" -le "$lim" ] && echo yes || echo NO) (${nsnap[$mode]} snapshots)"
	done
done
echo
echo "ratio: tracker_exit / peak_heap; holds: tracker_exit <= target"
echo "uninstrumented peak RSS and commands:"
for w in micro python; do echo "  $w: $(mib "$(($(tail -1 "$tmp/$w.base.log.time") * 1024))") MiB"; done
cat "$tmp/commands"
