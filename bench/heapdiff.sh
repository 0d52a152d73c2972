#!/bin/bash
# bench/heapdiff.sh: how fast heapdiff reads big snapshots, and how its
# memory grows with the length of a series (issue 13's speed targets: two
# snapshots of 100k live sampled allocations and 20k stacks in under 1 s; a
# series of 100 such snapshots in under 5 s, memory bounded by the sites,
# not by the snapshot count). Not a test: it prints figures, never fails on
# a slow one.
#
#   bench/heapdiff.sh          make the snapshots, then time every case
#
# The snapshots come from a real program under the real preload:
# bench/snapgen.c keeps BLOCKS live blocks on STACKS distinct stacks (15
# levels of two call sites each) and calls heapsnap_snapshot() SNAPS times
# in one run, with churn and a small leak between two, under
# HEAPSNAP_OPTIONS=sample=1 (every block is a sampled live allocation).
# Then heapdiff runs on the first and last file, and on the first 10, 50
# and 100 files of the series, with text and --json output, ROUNDS times
# each; then --by stack on the pair and the series, `heapdiff --folded` on
# the pair and `heapsnap export --pprof` and `--heapprofile` of the last
# file (the exports' and --by stack's own read of every stack); it prints
# the median wall time, CPU time (user + system: the steadier figure on a
# shared machine) and peak RSS (/usr/bin/time -f '%e %M %U %S') and every
# command line it ran.
#
# Knobs (environment): BLOCKS (100000), STACKS (20000), SNAPS (100), ROUNDS
# (3), HEAPSNAP_LIB (src/.libs/libheapsnap.so), HEAPDIFF (tools/heapdiff),
# HEAPSNAP (tools/heapsnap),
# KEEP=1 keeps the temp dir (the snapshots), SNAPDIR=DIR reuses snapshots
# made before (KEEP=1 prints where they are).
# Needs: gcc, /usr/bin/time (Debian 'time'), sqlite3 (the file figures).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=${HEAPSNAP_LIB:-$top/src/.libs/libheapsnap.so}
heapdiff=${HEAPDIFF:-$top/tools/heapdiff}
heapsnap=${HEAPSNAP:-$top/tools/heapsnap}
BLOCKS=${BLOCKS:-100000}
STACKS=${STACKS:-20000}
SNAPS=${SNAPS:-100}
ROUNDS=${ROUNDS:-3}

die() { echo "bench/heapdiff.sh: $*" >&2; exit 1; }
[ $# = 0 ] || { echo "usage: bench/heapdiff.sh (knobs are environment variables)" >&2; exit 2; }
[ -e "$lib" ] || die "no preload library at '$lib': build it first (make), or set HEAPSNAP_LIB"
[ -x "$heapdiff" ] || die "no heapdiff at '$heapdiff': build it first (make), or set HEAPDIFF"
[ -x "$heapsnap" ] || die "no heapsnap at '$heapsnap': build it first (make), or set HEAPSNAP"
command -v gcc >/dev/null || die "gcc not found"
command -v sqlite3 >/dev/null || die "sqlite3 not found (apt-get install -y sqlite3)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install -y time): it gives peak RSS"
[ "$SNAPS" -ge 2 ] || die "SNAPS must be at least 2"

tmp=$(mktemp -d /tmp/heapdiff-bench.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then
	echo "# kept: $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi

run() { echo "+ $*"; "$@"; }

if [ -n "${SNAPDIR:-}" ]; then
	snaps=$SNAPDIR
else
	snaps=$tmp/snaps
	mkdir "$snaps"
	run gcc -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
		-I"$top/include" -o "$tmp/snapgen" "$here/snapgen.c"
	echo "# making $SNAPS snapshots of $BLOCKS live blocks on $STACKS stacks (one run)"
	run /usr/bin/time -f '# snapgen: %e s, %M KiB peak RSS' \
		env LD_PRELOAD="$lib" HEAPSNAP_OPTIONS="out=$snaps:sample=1:at_exit=0" \
		"$tmp/snapgen" "$BLOCKS" "$STACKS" "$SNAPS"
fi
mapfile -t files < <(ls "$snaps"/*.db | sort)
[ "${#files[@]}" -ge 2 ] || die "no snapshots in $snaps"
last=${files[${#files[@]}-1]}
echo "# last file: $(du -k "$last" | cut -f1) KiB," \
	"$(sqlite3 "$last" 'SELECT count(*) FROM allocations') live sampled allocations," \
	"$(sqlite3 "$last" 'SELECT count(*) FROM stacks') stacks," \
	"$(sqlite3 "$last" 'SELECT count(*) FROM sites') sites rows"

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure LABEL OUTPUT-FLAG FILE...: ROUNDS runs of heapdiff (of $tool
# when set: the command and its flags); prints one table row
measure() {
	local label=$1 flag=$2
	shift 2
	local r t m u y times=() cpus=() rss=() cmd=${tool:-$heapdiff}
	echo "+ /usr/bin/time -f '%e %M %U %S' $cmd $flag $1 ... ($# files) > /dev/null" >&2
	for r in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086
		/usr/bin/time -o "$tmp/t" -f '%e %M %U %S' $cmd $flag "$@" > "$tmp/out" 2> "$tmp/err" ||
			die "$cmd failed ($label $flag): $(cat "$tmp/err")"
		read -r t m u y < "$tmp/t"
		times+=("$t")
		rss+=("$m")
		cpus+=("$(echo "$u $y" | awk '{ printf "%.2f", $1 + $2 }')")
	done
	printf '%-12s %-12s %6d %9s %9s %12s\n' "$label" "$(f=${flag%% /*}; echo "${f:-text}")" "$#" \
		"$(printf '%s\n' "${times[@]}" | median)" \
		"$(printf '%s\n' "${cpus[@]}" | median)" \
		"$(printf '%s\n' "${rss[@]}" | median)"
}

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo
printf '%-12s %-12s %6s %9s %9s %12s\n' CASE OUTPUT FILES "WALL (s)" "CPU (s)" "PEAK RSS KiB"
tool=
for flag in "" --json "--by stack"; do
	measure pair "$flag" "${files[0]}" "$last"
	for n in 10 50 100; do
		[ "${#files[@]}" -ge "$n" ] || continue
		measure "series-$n" "$flag" "${files[@]:0:$n}"
	done
done
measure pair --folded "${files[0]}" "$last"
tool="$heapsnap export"
measure export "--pprof $tmp/p.pb.gz" "$last"
measure export "--heapprofile $tmp/h.heapprofile" "$last"
tool=
echo "# medians of $ROUNDS rounds (CPU = user + system); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# targets (issue 13): pair < 1 s, series-100 < 5 s, peak RSS flat in FILES"
