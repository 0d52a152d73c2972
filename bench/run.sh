#!/bin/bash
# bench/run.sh: overhead benchmarks for libheapsnap.so (not tests: never fails
# on a slow result; see bench/README.md for how to read the tables).
#
#   bench/run.sh            microbenchmark (loop, short-lived threads) and a
#                           real compile, each uninstrumented, under the
#                           preload at the default sample, at sample=1, and
#                           under heaptrack when it is installed
#   bench/run.sh --sweep    sample-rate sweep (4K..2M) of the loop and compile
#
# Knobs (environment): RUNS (5), RUNS_SLOW (1: sample=1 and heaptrack on the
# compile), THREADS (2), ITERS (1000000), SHORT_THREADS (2000),
# SHORT_ALLOCS (300), SWEEP_RATES ("4K 32K 128K 512K 2M"), SWEEP_RUNS (3),
# HEAPSNAP_LIB (src/.libs/libheapsnap.so), CXX_BENCH (clang++, else g++),
# KEEP=1 keeps the temp dir (snapshots, hyperfine JSON, logs).
# Needs: gcc, sqlite3. Uses if present: hyperfine, heaptrack, /usr/bin/time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
RUNS=${RUNS:-5}
RUNS_SLOW=${RUNS_SLOW:-1}
THREADS=${THREADS:-2}
ITERS=${ITERS:-1000000}
SHORT_THREADS=${SHORT_THREADS:-2000}
SHORT_ALLOCS=${SHORT_ALLOCS:-300}
SWEEP_RATES=${SWEEP_RATES:-"4K 32K 128K 512K 2M"}
SWEEP_RUNS=${SWEEP_RUNS:-3}
mode=main
case "${1:-}" in
--sweep) mode=sweep ;;
"") ;;
*) echo "usage: bench/run.sh [--sweep]" >&2; exit 2 ;;
esac

die() { echo "bench/run.sh: $*" >&2; exit 1; }
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
command -v gcc >/dev/null || die "gcc not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install -y sqlite3)"
if [ ! -x /usr/bin/time ]; then
	echo "note: /usr/bin/time missing; installing the Debian package 'time' for peak RSS" >&2
	apt-get install -y time >/dev/null 2>&1 || true
fi
have_time=0; [ -x /usr/bin/time ] && have_time=1
have_hf=0; command -v hyperfine >/dev/null && have_hf=1
have_ht=0; command -v heaptrack >/dev/null && have_ht=1
cxx=${CXX_BENCH:-}
[ -n "$cxx" ] || { command -v clang++ >/dev/null && cxx=clang++; } || cxx=g++

tmp=$(mktemp -d /tmp/heapsnap-bench.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "temp dir kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

# ---- build ----
bin=$tmp/malloc_bench
build_cmd="gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $bin $here/malloc_bench.c"
echo "+ $build_cmd"
$build_cmd

ncpu=$(nproc)
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "library: $lib"
echo "timing: $([ $have_hf = 1 ] && hyperfine --version || echo 'shell loop with date +%s.%N'); runs=$RUNS (slow configs: $RUNS_SLOW)"
echo

# ---- measuring ----
# measure ID RUNS ENV CMD: times CMD RUNS times (plus one warm-up run when
# RUNS > 1) with env ENV ("-" for none). Each run is wrapped in /usr/bin/time
# for peak RSS. Leaves $tmp/ID.{times,rss} (one value a line) and
# $tmp/ID.out/ (snapshots, as ENV points out= there).
measure() {
	local id=$1 runs=$2 envs=$3; shift 3
	local wrap="" cmd
	mkdir -p "$tmp/$id.out"
	: >"$tmp/$id.rss"; : >"$tmp/$id.times"
	[ $have_time = 1 ] && wrap="/usr/bin/time -a -o $tmp/$id.rss -f %M"
	if [ "$envs" = - ]; then cmd="$wrap $*"; else cmd="$wrap env $envs $*"; fi
	cmd=$(echo "$cmd" | sed 's/^ *//')
	echo "+ [$id x$runs] $cmd" >>"$tmp/commands"
	local warm=1; [ "$runs" -gt 1 ] || warm=0
	if [ $have_hf = 1 ]; then
		hyperfine -N --style none --warmup $warm --runs "$runs" --export-json "$tmp/$id.json" \
			-- "$cmd" >"$tmp/$id.hf.log" 2>&1 || { cat "$tmp/$id.hf.log" >&2; die "$id failed"; }
		jq -r '.results[0].times[]' "$tmp/$id.json" >"$tmp/$id.times"
	else
		local i t0 t1
		for ((i = 0; i < warm; i++)); do $cmd >/dev/null 2>&1 || die "$id failed"; done
		for ((i = 0; i < runs; i++)); do
			t0=$(date +%s.%N)
			$cmd >/dev/null 2>&1 || die "$id failed: $cmd"
			t1=$(date +%s.%N)
			echo "$t1 - $t0" | bc -l >>"$tmp/$id.times"
		done
	fi
	if [ $warm = 1 ]; then # the warm-up run also wrote a line: drop it
		local f
		for f in "$tmp/$id.rss" "$tmp/$id.log"; do [ ! -s "$f" ] || sed -i 1d "$f"; done
	fi
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# median of key=value field KEY in the malloc_bench log of ID
logmed() { grep -o "$2=[0-9.]*" "$tmp/$1.log" 2>/dev/null | cut -d= -f2 >"$tmp/$1.$2" || true; median "$tmp/$1.$2"; }
# snapshot meta value KEY from the snapshot with the most allocations in ID's dir
meta() {
	local best="" n=-1 f c
	for f in "$tmp/$1.out"/*.db; do
		[ -e "$f" ] || continue
		c=$(sqlite3 "$f" "select value from meta where key='alloc_count'" 2>/dev/null || echo 0)
		[ "${c:-0}" -gt "$n" ] && { n=$c; best=$f; }
	done
	[ -n "$best" ] || { echo "-"; return; }
	case $2 in
	db_kib) echo $(($(stat -c %s "$best") / 1024)) ;;
	*) sqlite3 "$best" "select value from meta where key='$2'" ;;
	esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'; }
mib() { awk -v k="$1" 'BEGIN {if (k == "nan" || k == "") print "-"; else printf "%.0f", k / 1024}'; }

# run_config WORKLOAD ID RUNS ENV CMD: measure, then print a table row.
# The first ID of a workload (no ENV) is its baseline.
declare -A base_time base_ns base_us
row() {
	local wl=$1 id=$2 label=$3
	local t rss ns us extra tb st sm
	t=$(median "$tmp/$id.times")
	rss=$(mib "$(median "$tmp/$id.rss")")
	[ -n "${base_time[$wl]:-}" ] || base_time[$wl]=$t
	extra="-"
	case $wl in
	loop)
		ns=$(logmed "$id" cpu_ns_per_call)
		[ -n "${base_ns[$wl]:-}" ] || base_ns[$wl]=$ns
		extra=$(awk -v a="$ns" -v b="${base_ns[$wl]}" 'BEGIN {printf "%.1f (%+.1f)", a, a - b}') ;;
	threads)
		us=$(logmed "$id" wall_us_per_thread)
		[ -n "${base_us[$wl]:-}" ] || base_us[$wl]=$us
		extra=$(awk -v a="$us" -v b="${base_us[$wl]}" 'BEGIN {printf "%.1f us/thr (%+.1f)", a, a - b}') ;;
	esac
	tb=$(meta "$id" tracker_bytes); st=$(meta "$id" stacks); sm=$(meta "$id" sampled_live_count)
	[ "$tb" = - ] || tb=$(awk -v b="$tb" 'BEGIN {printf "%.1f", b / 1048576}')
	printf "%-8s %-22s %5s %9.3f %7s %8s  %-22s %8s %7s %7s\n" "$wl" "$label" \
		"$(wc -l <"$tmp/$id.times")" "$t" "$(ratio "$t" "${base_time[$wl]}")" "$rss" "$extra" "$tb" "$st" "$sm"
}
header() {
	printf "%-8s %-22s %5s %9s %7s %8s  %-22s %8s %7s %7s\n" workload config runs "median_s" ratio "rss_MiB" \
		"cpu ns/call (+vs base)" "trk_MiB" stacks samples
	printf '%s\n' "-------------------------------------------------------------------------------------------------------------------"
}

pre="LD_PRELOAD=$lib"
loop_cmd="$bin loop $THREADS $ITERS"
thr_cmd="$bin threads $SHORT_THREADS $SHORT_ALLOCS"
cxx_cmd="$cxx -std=c++17 -O1 -c $here/workload/templates.cc -o $tmp/templates.o"
calls=$((2 * THREADS * ITERS))

bench_env() { # ID EXTRA_OPTIONS -> env string for the preload
	local o="out=$tmp/$1.out"; [ -n "$2" ] && o="$o:$2"
	echo "HEAPSNAP_OPTIONS=$o $pre"
}

if [ $mode = main ]; then
	echo "workloads:"
	echo "  loop:    $loop_cmd   ($calls malloc+free calls)"
	echo "  threads: $thr_cmd   (threads created 4 at a time)"
	echo "  compile: $cxx_cmd"
	echo
	header
	for wl in loop threads; do
		c=$loop_cmd; [ $wl = threads ] && c=$thr_cmd
		lg="MALLOC_BENCH_LOG=$tmp/$wl-base.log"
		measure "$wl-base" "$RUNS" "$lg" "$c"; row $wl "$wl-base" "uninstrumented"
		lg="MALLOC_BENCH_LOG=$tmp/$wl-def.log"
		measure "$wl-def" "$RUNS" "$lg $(bench_env $wl-def "")" "$c"; row $wl "$wl-def" "heapsnap default"
		lg="MALLOC_BENCH_LOG=$tmp/$wl-s1.log"
		measure "$wl-s1" "$RUNS" "$lg $(bench_env $wl-s1 sample=1)" "$c"; row $wl "$wl-s1" "heapsnap sample=1"
		if [ $have_ht = 1 ]; then
			lg="MALLOC_BENCH_LOG=$tmp/$wl-ht.log"
			measure "$wl-ht" "$RUNS" "$lg" "heaptrack -o $tmp/$wl-ht.out/ht $c"; row $wl "$wl-ht" "heaptrack"
		fi
	done
	measure cc-base "$RUNS" - "$cxx_cmd"; row compile cc-base "uninstrumented"
	measure cc-def "$RUNS" "$(bench_env cc-def "")" "$cxx_cmd"; row compile cc-def "heapsnap default"
	measure cc-noexit "$RUNS" "$(bench_env cc-noexit at_exit=0)" "$cxx_cmd"; row compile cc-noexit "default, at_exit=0"
	measure cc-s1 "$RUNS_SLOW" "$(bench_env cc-s1 sample=1)" "$cxx_cmd"; row compile cc-s1 "heapsnap sample=1"
	if [ $have_ht = 1 ]; then
		measure cc-ht "$RUNS_SLOW" - "heaptrack -o $tmp/cc-ht.out/ht $cxx_cmd"; row compile cc-ht "heaptrack"
	else
		echo "note: heaptrack not installed (apt-get install -y heaptrack); its rows are skipped"
	fi
	echo
	echo "targets at the default sample: loop <= 1.25x, compile <= 1.05x (see bench/README.md)"
else
	echo "sample-rate sweep: runs=$SWEEP_RUNS per rate"
	echo "  loop:    $loop_cmd"
	echo "  compile: $cxx_cmd"
	echo
	header
	lg="MALLOC_BENCH_LOG=$tmp/loop-base.log"
	measure loop-base "$SWEEP_RUNS" "$lg" "$loop_cmd"; row loop loop-base "uninstrumented"
	for r in $SWEEP_RATES; do
		lg="MALLOC_BENCH_LOG=$tmp/loop-$r.log"
		measure "loop-$r" "$SWEEP_RUNS" "$lg $(bench_env loop-$r sample=$r)" "$loop_cmd"
		row loop "loop-$r" "sample=$r"
	done
	measure cc-base "$SWEEP_RUNS" - "$cxx_cmd"; row compile cc-base "uninstrumented"
	for r in $SWEEP_RATES; do
		measure "cc-$r" "$SWEEP_RUNS" "$(bench_env cc-$r sample=$r)" "$cxx_cmd"
		row compile "cc-$r" "sample=$r"
	done
	for r in $SWEEP_RATES; do
		measure "ccx-$r" "$SWEEP_RUNS" "$(bench_env ccx-$r sample=$r:at_exit=0)" "$cxx_cmd"
		row compile "ccx-$r" "sample=$r at_exit=0"
	done
fi
echo
echo "columns: median_s = median wall time of the whole process; ratio = vs uninstrumented;"
echo "  rss_MiB = median peak RSS (/usr/bin/time %M); cpu ns/call = in-loop process CPU time / calls"
echo "  (loop); us/thr = in-process wall time per short-lived thread (threads); trk_MiB, stacks,"
echo "  samples = meta tracker_bytes, stacks, sampled_live_count of the exit snapshot"
echo
echo "commands:"
echo "+ $build_cmd"
cat "$tmp/commands"
