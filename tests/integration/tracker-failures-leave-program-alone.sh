#!/bin/sh
# Torture: make the tracker's Nth own allocation fail, for many N (tables
# at start-up, stack and live entries on the sampled path, SQLite and the
# symbolizer in the exit snapshot). Every time the program must print the
# same output and exit with the same status, and heapsnap may say at most
# one line on stderr. A snapshot file, when one is written, must be whole.
. "$(dirname "$0")/lib.sh"
expected=$("$PROG/leak_exact"; echo "status $?")
n=1
failures_seen=0
while [ "$n" -le 3000 ]; do
	dir="$WORK/$n"
	mkdir -p "$dir"
	got=$(HEAPSNAP_TEST_FAIL_ALLOC=$n run_preloaded "sample=1:out=$dir" "$PROG/leak_exact" 2>"$dir/stderr"; echo "status $?")
	[ "$got" = "$expected" ] || fail "N=$n: program output/status '$got', expected '$expected'"
	lines=$(grep -c '^heapsnap:' "$dir/stderr")
	[ "$lines" -le 1 ] || fail "N=$n: $lines heapsnap lines on stderr: $(cat "$dir/stderr")"
	others=$(grep -vc '^heapsnap:' "$dir/stderr")
	[ "$others" -eq 0 ] || fail "N=$n: unexpected stderr: $(cat "$dir/stderr")"
	[ "$lines" -eq 1 ] && failures_seen=$((failures_seen + 1))
	for db in "$dir"/*.db; do
		[ -e "$db" ] || continue
		[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "N=$n: $db is damaged"
	done
	rm -rf "$dir"
	# every allocation early on, then a stride through the long tail
	if [ "$n" -lt 40 ]; then n=$((n + 1)); else n=$((n + 97)); fi
done
[ "$failures_seen" -ge 10 ] || fail "only $failures_seen runs reported a failure: is the injection working?"
echo "ok: $failures_seen injected failures, program unchanged every time"
