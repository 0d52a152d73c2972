#!/bin/sh
# A realloc that fails keeps the old block, and the tracker must keep it
# live too, whatever fails inside the tracker meanwhile: with sample=1 and
# the Nth allocation of the tracker's own memory made to fail, for every N,
# either heapsnap says once that it stopped tracking, or the exit snapshot
# shows all 20 blocks of keep_after_failed_realloc live (and the realloc'ed
# block of grow_ok), and the exact totals agree with the live table.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }
site() {
	q "$db" "SELECT coalesce(sum(live_count),0) || ' ' || coalesce(sum(live_bytes),0) FROM v_sites WHERE function='$1'"
}
meta() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }
checked=0
said=0
n=0
while [ "$n" -le 80 ]; do
	dir="$WORK/$n"
	mkdir "$dir"
	if [ "$n" -eq 0 ]; then inject=; else inject=$n; fi
	timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$dir" ${inject:+HEAPSNAP_TEST_FAIL_ALLOC=$inject} \
		"$PROG/realloc_fail" 2>"$dir/stderr" || fail "N=$n: program status $? ($(cat "$dir/stderr"))"
	db=$(last_snapshot "$dir")
	if ! grep -q '^heapsnap:' "$dir/stderr" && [ -n "$db" ]; then
		got=$(site keep_after_failed_realloc)
		[ "$got" = "20 2000" ] || fail "N=$n: keep_after_failed_realloc live '$got', expected '20 2000'"
		got=$(site grow_ok)
		[ "$got" = "1 1000" ] || fail "N=$n: grow_ok live '$got', expected '1 1000'"
		[ "$(meta live_count)" = "$(meta sampled_live_count)" ] ||
			fail "N=$n: meta.live_count $(meta live_count), $(meta sampled_live_count) live blocks recorded"
		checked=$((checked + 1))
	fi
	grep -q '^heapsnap:' "$dir/stderr" && said=$((said + 1))
	rm -rf "$dir"
	n=$((n + 1))
done
[ "$checked" -ge 1 ] || fail "no run wrote a snapshot"
[ "$said" -ge 40 ] || fail "only $said runs reported a failure: is the injection working?"
echo "ok: failed reallocs keep their blocks live ($checked snapshots checked, $said runs reported a failure)"
