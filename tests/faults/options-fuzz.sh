#!/bin/sh
# HEAPSNAP_OPTIONS fuzzed (tests/faults/fuzzopts.c: random bytes, huge,
# negative, empty, repeated keys, stray separators): for 600 strings, both
# /bin/true and tests/prog/print_and_exit (prints, exits 3) keep their
# stdout and exit status, and stderr is empty or exactly one line starting
# with "heapsnap: ". Runs in a scratch directory (out= is always relative).
. "$(dirname "$0")/../integration/lib.sh"
LC_ALL=C # read splits lines on bytes, whatever precedes the newline
export LC_ALL
N=${N:-600}
SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
P="$PROG/print_and_exit"
mkdir "$WORK/cwd"
cd "$WORK/cwd" || exit 99
ref=$("$P" arg 2>&1; echo "status $?")
"$top_builddir/tests/faults/fuzzopts" "$N" "$SEED" >"$WORK/options" || exit 99
runs=0 rejected=0 accepted=0
while IFS= read -r opts; do
	for prog in /bin/true "$P"; do
		if [ "$prog" = /bin/true ]; then
			timeout 20 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts" /bin/true >"$WORK/out" 2>"$WORK/err"
			rc=$?
			[ "$rc" -eq 0 ] && [ ! -s "$WORK/out" ] || fail "seed $SEED, options '$opts': /bin/true exited $rc"
		else
			got=$(timeout 20 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts" "$P" arg 2>"$WORK/err"; echo "status $?")
			[ "$got" = "$ref" ] || fail "seed $SEED, options '$opts': print_and_exit gave '$got', untraced '$ref'"
		fi
		runs=$((runs + 1))
		lines=$(wc -l <"$WORK/err")
		if [ -s "$WORK/err" ]; then
			[ "$lines" -eq 1 ] && grep -q '^heapsnap: ' "$WORK/err" ||
				fail "seed $SEED, options '$opts': stderr is not one heapsnap line: $(head -c 600 "$WORK/err")"
			rejected=$((rejected + 1))
		else
			accepted=$((accepted + 1))
		fi
	done
done <"$WORK/options"
[ "$runs" -eq $((2 * N)) ] || { echo "harness: $runs runs for $N options"; exit 99; }
for db in $(find "$WORK" -name '*.db'); do
	[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "$db damaged"
done
echo "summary: $runs fuzz runs (seed $SEED, $N option strings x 2 programs): exit status and stdout unchanged every time; $rejected with one heapsnap line, $accepted silent"
