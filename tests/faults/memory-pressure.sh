# memory-pressure.sh: the body of tests/faults/memory-pressure-*.sh, which
# set LIMITS (KB) and source it. Memory pressure: under each `ulimit -v`, a program
# whose huge requests fail and which fills memory until malloc returns NULL
# with ENOMEM (tests/faults/bigalloc.c) prints the same and exits the same
# traced (exact and default rate) as untraced; the tracker, short of memory
# itself, may stop with one line on stderr, never crash or say more.
. "$(dirname "$0")/../integration/lib.sh"
P="$top_builddir/tests/faults/bigalloc"
mkdir "$WORK/out"
runs=0 degraded=0 limits=0
for kb in $LIMITS; do
	ref=$( (ulimit -v "$kb" && timeout 60 "$P") 2>&1; echo "status $?")
	case "$ref" in
	*"filled until: ENOMEM"*"status 0") ;;
	*) echo "limit $kb KB: the untraced program does not get through ($ref); limit not used"; continue ;;
	esac
	limits=$((limits + 1))
	for opts in sample=1 sample=524288; do
		got=$( (ulimit -v "$kb" && timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts:out=$WORK/out" "$P") \
			2>"$WORK/err"; echo "status $?")
		runs=$((runs + 1))
		[ "$got" = "$ref" ] || fail "ulimit -v $kb, $opts: got '$got', untraced '$ref'; stderr: $(cat "$WORK/err")"
		lines=$(wc -l <"$WORK/err")
		[ "$lines" -le 1 ] || fail "ulimit -v $kb, $opts: $lines lines on stderr: $(cat "$WORK/err")"
		if [ "$lines" -eq 1 ]; then
			grep -q '^heapsnap: ' "$WORK/err" || fail "ulimit -v $kb, $opts: stderr not heapsnap's: $(cat "$WORK/err")"
			degraded=$((degraded + 1))
			echo "ulimit -v $kb, $opts: same output; $(cat "$WORK/err")"
		else
			echo "ulimit -v $kb, $opts: same output, tracker silent"
		fi
	done
done
for db in "$WORK/out"/*.db; do
	[ -e "$db" ] || continue
	[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "$(basename "$db") damaged"
done
[ "$limits" -ge 1 ] || { echo "harness: only $limits limits let the untraced program run"; exit 99; }
echo "summary: $runs traced runs under $limits memory limits, program unchanged every time; the tracker stopped with one line in $degraded, $(ls "$WORK/out" | grep -c '\.db$') snapshots whole"
