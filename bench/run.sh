#!/bin/bash
# bench/run.sh: overhead of libheapsnap.so against its peers, every workload
# of issue 14, side by side in one invocation (not a test: it never fails on
# a slow result; bench/README.md says how to read the tables).
#
#   bench/run.sh            every workload x every configuration, RUNS rounds
#   bench/run.sh --quick    smaller workloads, fewer rounds: under 3 minutes
#
# Workloads: micro (malloc_bench heap 2 x MICRO_ITERS, 50 k live, 16 B..256
# KiB), micro-long (the same x10), compile (clang++ -O1 -c templates.cc),
# python (a 300k-entry dict, PYTHONMALLOC=malloc), scale-1/2/4/8 (malloc_bench
# loop: SCALE_ITERS iterations split over 1, 2, 4, 8 threads).
# Configurations: base (uninstrumented), hs-def (heapsnap default), hs-noexit
# (default, at_exit=0), hs-off (start=off: loaded dormant, the hooks only
# forward), hs-exact (sample=1), hs-exact-noexit (sample=1,
# at_exit=0), heaptrack, je (plain jemalloc), je-prof (jemalloc's profiler,
# prof:true,lg_prof_sample:19: the same 512 KiB mean), tc (plain tcmalloc),
# tc-heap (gperftools HEAPPROFILE=). Peers are skipped when not installed.
# Rounds are interleaved: round r runs every configuration of a workload
# once, in order, before round r+1, so a burst of load on the shared machine
# hits every configuration alike.
#
# Knobs (environment): RUNS (5; --quick 3), RUNS_SLOW (3; --quick 1: the
# exact, heaptrack and HEAPPROFILE rows), MICRO_ITERS (1500000 per thread;
# --quick 200000), SCALE_ITERS (3000000; --quick 600000), PY_N (300000),
# WORKLOADS (space-separated subset), CONFIGS (subset), HEAPSNAP_LIB
# (src/.libs/libheapsnap.so), CXX_BENCH (clang++, else g++), KEEP=1 keeps
# the temp dir (snapshots, logs).
# Needs: gcc, /usr/bin/time (Debian 'time'). Peers: heaptrack, libjemalloc2,
# libgoogle-perftools4 (apt-get install -y heaptrack libjemalloc2
# libgoogle-perftools4).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac
if [ $quick = 1 ]; then
	RUNS=${RUNS:-3}; RUNS_SLOW=${RUNS_SLOW:-1}
	MICRO_ITERS=${MICRO_ITERS:-200000}; SCALE_ITERS=${SCALE_ITERS:-600000}
	WORKLOADS=${WORKLOADS:-"micro micro-long compile python scale-1 scale-2 scale-4 scale-8"}
else
	RUNS=${RUNS:-5}; RUNS_SLOW=${RUNS_SLOW:-3}
	MICRO_ITERS=${MICRO_ITERS:-1500000}; SCALE_ITERS=${SCALE_ITERS:-3000000}
	WORKLOADS=${WORKLOADS:-"micro micro-long compile python scale-1 scale-2 scale-4 scale-8"}
fi
PY_N=${PY_N:-300000}
ALL_CONFIGS="base hs-def hs-noexit hs-off hs-exact hs-exact-noexit heaptrack je je-prof tc tc-heap"
CONFIGS=${CONFIGS:-$ALL_CONFIGS}

die() { echo "bench/run.sh: $*" >&2; exit 1; }
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
command -v gcc >/dev/null || die "gcc not found"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install -y time): it gives peak RSS"
py=/usr/bin/python3
[ -x $py ] || die "$py not found (apt-get install -y python3): a pyenv shim would time its own start-up"
cxx=${CXX_BENCH:-}
[ -n "$cxx" ] || { command -v clang++ >/dev/null && cxx=clang++; } || cxx=g++
libdir=/usr/lib/x86_64-linux-gnu
je=$libdir/libjemalloc.so.2
tc=$libdir/libtcmalloc.so.4
have() { # CONFIG -> 0 when its tool is installed
	case $1 in
	heaptrack) command -v heaptrack >/dev/null ;;
	je | je-prof) [ -e $je ] ;;
	tc | tc-heap) [ -e $tc ] ;;
	*) return 0 ;;
	esac
}

tmp=$(mktemp -d /tmp/heapsnap-bench.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "temp dir kept: $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi

bin=$tmp/malloc_bench
build_cmd="gcc -std=gnu11 -O2 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -o $bin $here/malloc_bench.c"
echo "+ $build_cmd"
$build_cmd
cat >"$tmp/dict.py" <<EOF
d = {}
for i in range($PY_N):
    d["k%d" % i] = [i, str(i)]
EOF

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r),"\
     "$(. /etc/os-release && echo "$PRETTY_NAME"); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); heapsnap $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); library: $lib"
echo "compiler workload: $($cxx --version | head -1); python: $($py --version)"
echo "rounds: $RUNS (exact, heaptrack, HEAPPROFILE: $RUNS_SLOW), interleaved; $([ $quick = 1 ] && echo quick || echo full) mode"
echo

# ---- the workloads ----
wl_cmd() {
	case $1 in
	micro) echo "$bin heap 2 $MICRO_ITERS 50000" ;;
	micro-long) echo "$bin heap 2 $((MICRO_ITERS * 10)) 50000" ;;
	compile) echo "$cxx -std=c++17 -O1 -c $here/workload/templates.cc -o $tmp/templates.o" ;;
	python) echo "$py $tmp/dict.py" ;;
	scale-*) local t=${1#scale-}; echo "$bin loop $t $((SCALE_ITERS / t))" ;;
	esac
}
wl_env() { [ "$1" = python ] && echo "PYTHONMALLOC=malloc" || true; }
wl_label() {
	case $1 in
	micro) echo "micro 2x$((MICRO_ITERS * 2 / 1000000)).$((MICRO_ITERS * 2 / 100000 % 10))M calls" ;;
	micro-long) echo "micro 2x$((MICRO_ITERS * 20 / 1000000))M calls" ;;
	scale-*) echo "threads ${1#scale-} (loop)" ;;
	*) echo "$1" ;;
	esac
}
slow() { case $1 in hs-exact | hs-exact-noexit | heaptrack | tc-heap) return 0 ;; esac; return 1; }
# configurations not worth their time on a workload (the reason is printed)
skip_reason() { # WORKLOAD CONFIG
	case $2 in tc-heap) case $1 in micro-long | compile | scale-*) echo "HEAPPROFILE is ~100x on the microbenchmark"; return ;; esac ;; esac
	if [ $quick = 1 ]; then
		case $1/$2 in
		micro-long/hs-exact* | micro-long/heaptrack | compile/hs-exact-noexit | python/hs-exact-noexit | scale-*/hs-exact* | scale-*/heaptrack | scale-*/tc-heap)
			echo "--quick"; return ;;
		esac
	fi
	case $1/$2 in scale-*/hs-def | scale-*/hs-exact) echo "the scaling rows run without the exit snapshot"; return ;; esac
}

# cfg_prefix ID OUTDIR -> words between /usr/bin/time and the command
cfg_prefix() {
	local o=$2
	case $1 in
	base) echo "" ;;
	hs-def) echo "env HEAPSNAP_OPTIONS=out=$o LD_PRELOAD=$lib" ;;
	hs-noexit) echo "env HEAPSNAP_OPTIONS=out=$o:at_exit=0 LD_PRELOAD=$lib" ;;
	hs-off) echo "env HEAPSNAP_OPTIONS=out=$o:start=off LD_PRELOAD=$lib" ;;
	hs-exact) echo "env HEAPSNAP_OPTIONS=out=$o:sample=1 LD_PRELOAD=$lib" ;;
	hs-exact-noexit) echo "env HEAPSNAP_OPTIONS=out=$o:sample=1:at_exit=0 LD_PRELOAD=$lib" ;;
	heaptrack) echo "heaptrack -o $o/ht" ;;
	je) echo "env LD_PRELOAD=$je" ;;
	je-prof) echo "env LD_PRELOAD=$je MALLOC_CONF=prof:true,lg_prof_sample:19,prof_prefix:$o/jeprof" ;;
	tc) echo "env LD_PRELOAD=$tc" ;;
	tc-heap) echo "env LD_PRELOAD=$tc HEAPPROFILE=$o/hprof" ;;
	esac
}
# the denominator of a configuration's ratio
ref_of() { case $1 in je-prof) echo je ;; tc-heap) echo tc ;; *) echo base ;; esac; }

# run_once WORKLOAD CONFIG: one timed run; appends wall seconds to
# $tmp/W.C.times and peak RSS KiB to $tmp/W.C.rss
run_once() {
	local w=$1 c=$2 id="$1.$2" o="$tmp/$1.$2.out" t0 t1 cmd
	mkdir -p "$o"
	rm -rf "${o:?}"/*
	cmd="/usr/bin/time -o $tmp/$id.time1 -f %M,%U,%S env $(wl_env "$w") $(cfg_prefix "$c" "$o") $(wl_cmd "$w")"
	[ -e "$tmp/$id.cmd" ] || echo "$cmd" >"$tmp/$id.cmd"
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	if ! $cmd >"$tmp/$id.log" 2>&1; then
		cat "$tmp/$id.log" >&2
		die "$w/$c failed: $cmd"
	fi
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))" | awk '{printf "%.4f\n", $1 / 1e6}' >>"$tmp/$id.times"
	tail -1 "$tmp/$id.time1" | cut -d, -f1 >>"$tmp/$id.rss"
	tail -1 "$tmp/$id.time1" | awk -F, '{printf "%.2f\n", $2 + $3}' >>"$tmp/$id.cpu"
}

median() { sort -g "$1" | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { sort -g "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%.3f-%.3f", lo, hi; else print "-"}'; }

# ---- run, interleaved ----
declare -A cfgs_of
for w in $WORKLOADS; do
	list=""
	for c in $CONFIGS; do
		have "$c" || continue
		r=$(skip_reason "$w" "$c")
		if [ -n "$r" ]; then echo "skip $w/$c: $r" >>"$tmp/skipped"; continue; fi
		list="$list $c"
	done
	cfgs_of[$w]=$list
done
for c in $CONFIGS; do have "$c" || echo "skip $c: not installed" >>"$tmp/skipped"; done
started=$(date +%s)
for w in $WORKLOADS; do
	echo "running $w: $(wl_env "$w") $(wl_cmd "$w")" >&2
	for ((r = 0; r < RUNS; r++)); do
		for c in ${cfgs_of[$w]}; do
			if slow "$c" && [ $r -ge "$RUNS_SLOW" ]; then continue; fi
			run_once "$w" "$c"
		done
	done
done
elapsed=$(($(date +%s) - started))

# ---- report ----
declare -A med cpu
printf "%-24s %-16s %4s %9s %15s %7s %8s %7s %8s %8s\n" workload config runs median_s spread_s ratio cpu_s cpu_x rss_MiB "+rss"
printf '%s\n' "-----------------------------------------------------------------------------------------------"
for w in $WORKLOADS; do
	for c in ${cfgs_of[$w]}; do med[$w.$c]=$(median "$tmp/$w.$c.times"); cpu[$w.$c]=$(median "$tmp/$w.$c.cpu"); done
	for c in ${cfgs_of[$w]}; do
		ref=$(ref_of "$c")
		rss=$(median "$tmp/$w.$c.rss")
		rref=$(median "$tmp/$w.$ref.rss" 2>/dev/null || echo nan)
		printf "%-24s %-16s %4s %9.3f %15s %7s %8.2f %7s %8.0f %+8.0f\n" "$(wl_label "$w")" "$c" "$(wc -l <"$tmp/$w.$c.times")" \
			"${med[$w.$c]}" "$(spread "$tmp/$w.$c.times")" \
			"$(awk -v a="${med[$w.$c]}" -v b="${med[$w.$ref]:-0}" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}')" \
			"${cpu[$w.$c]}" "$(awk -v a="${cpu[$w.$c]}" -v b="${cpu[$w.$ref]:-0}" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}')" \
			"$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$(awk -v k="$rss" -v b="$rref" 'BEGIN {print (k - b) / 1024}')"
	done
done
echo
echo "ratios: median wall time / the reference's median wall time, same invocation (in brackets the"
echo "same for CPU time, user + system, and peak RSS over the reference's); je-prof is against plain"
echo "jemalloc, tc-heap against plain tcmalloc, all others against uninstrumented"
printf "| %-24s |" workload
for c in $CONFIGS; do case $c in base | je | tc) ;; *) printf " %s |" "$c" ;; esac; done
echo
printf "|%s|" "--------------------------"
for c in $CONFIGS; do case $c in base | je | tc) ;; *) printf "%s|" "---" ;; esac; done
echo
for w in $WORKLOADS; do
	printf "| %-24s |" "$(wl_label "$w")"
	for c in $CONFIGS; do
		case $c in base | je | tc) continue ;; esac
		ref=$(ref_of "$c")
		if [ -z "${med[$w.$c]:-}" ] || [ -z "${med[$w.$ref]:-}" ]; then printf " — |"; continue; fi
		rss=$(median "$tmp/$w.$c.rss"); rref=$(median "$tmp/$w.$ref.rss")
		awk -v a="${med[$w.$c]}" -v b="${med[$w.$ref]}" -v ca="${cpu[$w.$c]}" -v cb="${cpu[$w.$ref]}" -v r="$rss" -v rr="$rref" \
			'BEGIN {printf " %.2f (cpu %.2f, %+.0f MiB) |", a / b, (cb > 0 ? ca / cb : 0), (r - rr) / 1024}'
	done
	echo
done
echo
echo "wall time of the runs: ${elapsed} s"
[ ! -e "$tmp/skipped" ] || sort -u "$tmp/skipped"
echo
echo "commands (one line per workload/configuration, as run):"
echo "+ $build_cmd"
for w in $WORKLOADS; do for c in ${cfgs_of[$w]}; do echo "+ $(cat "$tmp/$w.$c.cmd")"; done; done
