#!/bin/bash
# bench/snapshot.sh: what a snapshot costs the traced process (issue 12's
# targets). Not a test: it never fails on a slow number.
#
#   bench/snapshot.sh              the three rows below
#   ROWS="clang" bench/snapshot.sh one of them (clang, python, steady)
#
# Rows:
#   clang   clang++ -std=c++17 -O1 -c workload/templates.cc in exact mode:
#           untraced, HEAPSNAP_OPTIONS=sample=1:at_exit=0 and sample=1 (with
#           the exit snapshot). The exit snapshot's cost is the difference of
#           the medians; the file's size, the snapshot's own time
#           (snapshot_seconds, snapshot_cpu_seconds in its meta) and the
#           peak RSS over at_exit=0 are printed too. Target: <= 0.5 s, <= 35 MB.
#   python  /usr/bin/python3 building a PY_N-entry dict, PYTHONMALLOC=malloc,
#           the default sample rate, the same three configurations. Target:
#           the exit snapshot adds <= 3% wall and <= 4 MiB peak RSS.
#   steady  a program with a constant live set (LIVE blocks from 8 call
#           sites) that churns allocations for STEADY_SECONDS, snapshots
#           every STEADY_INTERVAL seconds: per-snapshot write time and
#           tracker_bytes of the first and the last snapshots, from their
#           meta. Target: the last cost what the first did.
# Rounds are interleaved (round r runs every configuration once before
# round r+1) and medians taken, so a burst of load on a shared machine hits
# every configuration alike. On a loaded machine the snapshot_cpu_seconds
# column is the steadier figure.
#
# Knobs (environment): RUNS (5), PY_N (300000), STEADY_SECONDS (180),
# STEADY_INTERVAL (1), LIVE (50000), HEAPSNAP_LIB (src/.libs/libheapsnap.so),
# CXX_BENCH (clang++, else g++), KEEP=1 keeps the temp dir.
# Needs: gcc, sqlite3 (the CLI), /usr/bin/time (Debian 'time'), python3,
# clang++ for the clang row.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
RUNS=${RUNS:-5}
PY_N=${PY_N:-300000}
STEADY_SECONDS=${STEADY_SECONDS:-180}
STEADY_INTERVAL=${STEADY_INTERVAL:-1}
LIVE=${LIVE:-50000}
ROWS=${ROWS:-"clang python steady"}

die() { echo "bench/snapshot.sh: $*" >&2; exit 1; }
[ $# = 0 ] || die "usage: [ROWS=\"clang python steady\"] bench/snapshot.sh (knobs: see its header)"
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install -y time): it gives peak RSS"
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install -y sqlite3): it reads the snapshots' meta"
command -v gcc >/dev/null || die "gcc not found"
py=/usr/bin/python3
cxx=${CXX_BENCH:-}
[ -n "$cxx" ] || { command -v clang++ >/dev/null && cxx=clang++; } || cxx=g++

tmp=$(mktemp -d /tmp/heapsnap-snapbench.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "temp dir kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

echo "machine: $(nproc) CPUs, Linux $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); heapsnap $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); library: $lib"
echo "rounds: $RUNS, interleaved"
echo

spread() { sort -g "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR == 0) print "nan"; else printf "%.3f-%.3f\n", lo, hi}'; }
median() { sort -g "$1" | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {print $*}"; }
meta() { sqlite3 "$1" "SELECT value FROM meta WHERE key = '$2'"; }

# run_once ID OUTDIR ENV... -- CMD...: one timed run; appends wall seconds to
# $tmp/ID.wall, peak RSS KiB to $tmp/ID.rss; with a snapshot in OUTDIR, its
# size to ID.size and its snapshot_seconds/snapshot_cpu_seconds to ID.snap/.snapcpu
run_once() {
	local id=$1 o=$2 t0 t1 f
	shift 2
	rm -rf "$o"
	mkdir -p "$o"
	[ -e "$tmp/$id.cmd" ] || echo "/usr/bin/time -f %M env $*" >"$tmp/$id.cmd"
	t0=$(date +%s%N)
	if ! /usr/bin/time -o "$tmp/$id.time1" -f %M env "$@" >"$tmp/$id.log" 2>&1; then
		cat "$tmp/$id.log" >&2
		die "$id failed: env $*"
	fi
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", (b - a) / 1e9}' >>"$tmp/$id.wall"
	tail -1 "$tmp/$id.time1" >>"$tmp/$id.rss"
	f=$(find "$o" -name '*.db' | sort | tail -1)
	if [ -n "$f" ]; then
		stat -c %s "$f" >>"$tmp/$id.size"
		meta "$f" snapshot_seconds >>"$tmp/$id.snap"
		meta "$f" snapshot_cpu_seconds >>"$tmp/$id.snapcpu"
	fi
}

# three_configs ROW TRACED_OPTIONS ENV... -- CMD: RUNS interleaved rounds of
# base, OPTIONS:at_exit=0 and OPTIONS; prints the row's table
three_configs() {
	local row=$1 opts=$2 envs=() r
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	for ((r = 0; r < RUNS; r++)); do
		run_once "$row.base" "$tmp/$row.base.out" "${envs[@]}" "$@"
		run_once "$row.noexit" "$tmp/$row.noexit.out" "${envs[@]}" \
			HEAPSNAP_OPTIONS="out=$tmp/$row.noexit.out${opts:+:$opts}:at_exit=0" LD_PRELOAD="$lib" "$@"
		run_once "$row.exit" "$tmp/$row.exit.out" "${envs[@]}" \
			HEAPSNAP_OPTIONS="out=$tmp/$row.exit.out${opts:+:$opts}" LD_PRELOAD="$lib" "$@"
	done
	local b n e rb rn re name=${opts:-default}
	b=$(median "$tmp/$row.base.wall"); n=$(median "$tmp/$row.noexit.wall"); e=$(median "$tmp/$row.exit.wall")
	rb=$(median "$tmp/$row.base.rss"); rn=$(median "$tmp/$row.noexit.rss"); re=$(median "$tmp/$row.exit.rss")
	printf "%-8s %-28s %9s %9s %9s\n" "$row" "" "wall_s" "x_base" "rss_MiB"
	printf "%-8s %-28s %9.3f %9s %9.1f\n" "" "untraced" "$b" "1.00" "$(calc "$rb / 1024")"
	printf "%-8s %-28s %9.3f %9.2f %9.1f\n" "" "$name:at_exit=0" "$n" "$(calc "$n / $b")" "$(calc "$rn / 1024")"
	printf "%-8s %-28s %9.3f %9.2f %9.1f\n" "" "$name (exit snapshot)" "$e" "$(calc "$e / $b")" "$(calc "$re / 1024")"
	printf "%-8s exit snapshot: +%.3f s wall (%+.1f%% of at_exit=0), +%.1f MiB peak RSS; in its meta: snapshot_seconds %.3f, snapshot_cpu_seconds %.3f (%s over the rounds); file %.1f MB\n" \
		"" "$(calc "$e - $n")" "$(calc "100 * ($e - $n) / $n")" "$(calc "($re - $rn) / 1024")" \
		"$(median "$tmp/$row.exit.snap")" "$(median "$tmp/$row.exit.snapcpu")" "$(spread "$tmp/$row.exit.snapcpu")" "$(calc "$(median "$tmp/$row.exit.size") / 1000000")"
	echo "         commands: $(cat "$tmp/$row.exit.cmd")"
	echo
}

for row in $ROWS; do
	case $row in
	clang)
		command -v "$cxx" >/dev/null || die "$cxx not found (apt-get install -y clang)"
		echo "running clang: $cxx -std=c++17 -O1 -c workload/templates.cc, exact mode" >&2
		three_configs clang sample=1 -- \
			"$cxx" -std=c++17 -O1 -c "$here/workload/templates.cc" -o "$tmp/templates.o"
		;;
	python)
		[ -x $py ] || die "$py not found (apt-get install -y python3)"
		printf 'd = {}\nfor i in range(%s):\n    d["k%%d" %% i] = [i, str(i)]\n' "$PY_N" >"$tmp/dict.py"
		echo "running python: $py dict.py ($PY_N entries), default rate" >&2
		three_configs python "" PYTHONMALLOC=malloc -- $py "$tmp/dict.py"
		;;
	steady)
		cat >"$tmp/steady.c" <<'EOF'
/* steady.c SECONDS LIVE: a constant live set of LIVE blocks from 8 call
 * sites, churned (the oldest freed, a new one allocated) until SECONDS pass. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define SITE(n) static __attribute__((noinline)) void *site##n(size_t s) { return malloc(s); }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7)
static void *(*const sites[8])(size_t) = {site0, site1, site2, site3, site4, site5, site6, site7};
int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 60;
	size_t live = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	void **ring = calloc(live, sizeof(*ring));
	unsigned long long x = 88172645463325252ull, n = 0;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (int k = 0; k < 100000; k++, n++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			free(ring[n % live]);
			ring[n % live] = sites[x & 7](16 + (x >> 8) % 4096);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) * 1e-9 >= secs)
			break;
	}
	printf("%llu allocations\n", n);
	return 0;
}
EOF
		gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -o "$tmp/steady" "$tmp/steady.c"
		echo "running steady: $STEADY_SECONDS s, a snapshot every $STEADY_INTERVAL s, $LIVE live blocks" >&2
		run_once steady "$tmp/steady.out" HEAPSNAP_OPTIONS="out=$tmp/steady.out:interval=$STEADY_INTERVAL:at_exit=0" \
			LD_PRELOAD="$lib" "$tmp/steady" "$STEADY_SECONDS" "$LIVE"
		mapfile -t files < <(find "$tmp/steady.out" -name '*.db' | sort)
		[ ${#files[@]} -ge 4 ] || die "steady: only ${#files[@]} snapshots written"
		echo "steady   ${#files[@]} snapshots over $STEADY_SECONDS s ($(cat "$tmp/steady.cmd"))"
		printf "%-8s %-10s %9s %14s %14s %12s %10s\n" "" "snapshot" "uptime_s" "snapshot_s" "snapshot_cpu_s" "tracker_MiB" "file_KB"
		last=$((${#files[@]} - 1))
		for i in 0 1 2 $((last - 2)) $((last - 1)) $last; do
			f=${files[$i]}
			printf "%-8s %-10s %9.1f %14.4f %14.4f %12.2f %10.0f\n" "" "$(meta "$f" seq)" "$(meta "$f" uptime)" \
				"$(meta "$f" snapshot_seconds)" "$(meta "$f" snapshot_cpu_seconds)" \
				"$(calc "$(meta "$f" tracker_bytes) / 1048576")" "$(calc "$(stat -c %s "$f") / 1000")"
		done
		echo
		;;
	*) die "unknown row '$row' (clang, python, steady)" ;;
	esac
done
