#!/bin/sh
# realloc chains, aligned allocations and libc functions that allocate for
# their caller (strdup, strndup, asprintf): with sample=1 each block is live
# with its exact size and attributed to the program's function, never to
# realloc, strdup or asprintf.
. "$(dirname "$0")/lib.sh"
# symbolize=full: file:line in the snapshot (until the tools resolve lines)
run_preloaded "sample=1:symbolize=full:out=$WORK" "$PROG/realloc_aligned" || fail "realloc_aligned: exit status $?"
db=$(last_snapshot "$WORK")
[ -n "$db" ] || fail "no snapshot written"
# "function live_bytes live_count alloc_count free_count"
for want in \
	"grow_chain 2000 1 20 19" \
	"realloc_to_zero 0 0 1 1" \
	"realloc_from_null 4242 1 1 0" \
	"leak_posix_memalign 1000 1 1 0" \
	"leak_aligned_alloc 1024 1 1 0" \
	"leak_memalign 1000 1 1 0" \
	"leak_valloc 5000 1 1 0" \
	"leak_pvalloc 5000 1 1 0" \
	"leak_strdup 100 1 1 0" \
	"leak_strndup 41 1 1 0"; do
	fn=${want%% *}
	got="$fn $(q "$db" "SELECT coalesce(sum(live_bytes),0) || ' ' || coalesce(sum(live_count),0) || ' ' ||
		coalesce(sum(alloc_count),0) || ' ' || coalesce(sum(free_count),0) FROM v_sites WHERE function='$fn'")"
	[ "$got" = "$want" ] || fail "expected '$want', got '$got'"
done
# asprintf allocates a scratch buffer and then the result: 9 bytes stay live.
got=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) FROM v_sites WHERE function='leak_asprintf'")
[ "$got" = "9 1" ] || fail "leak_asprintf: expected '9 1' live, got '$got'"
# No live bytes are attributed to an allocator entry point.
bad=$(q "$db" "SELECT group_concat(DISTINCT function) FROM v_sites WHERE live_bytes > 0 AND
	(function IN ('malloc','realloc','strdup','__strdup','strndup','__strndup','asprintf','__asprintf',
	  '__vasprintf_internal','posix_memalign','aligned_alloc','memalign','valloc','pvalloc')
	 OR function IS NULL)")
[ -z "$bad" ] || fail "live bytes attributed to allocator entry points: $bad"
# The call sites are in the program itself, with a line inside the function.
mod=$(q "$db" "SELECT DISTINCT module FROM v_sites WHERE function IN ('leak_strdup','grow_chain','leak_valloc')")
case "$mod" in */realloc_aligned) ;; *) fail "call sites are in module '$mod', not the program" ;; esac
line=$(q "$db" "SELECT file || ':' || line FROM v_sites WHERE function='leak_strdup'")
case "$line" in *realloc_aligned.c:[0-9]*) ;; *) fail "leak_strdup file:line is '$line'" ;; esac
# strdup itself is still in the stack, just below the call site.
inner=$(q "$db" "SELECT function FROM v_stack_frames WHERE depth = -1 AND stack_id IN
	(SELECT stack_id FROM v_sites WHERE function='leak_strdup')")
case "$inner" in strdup|__strdup) ;; *) fail "frame below leak_strdup is '$inner', expected strdup" ;; esac
echo "ok: realloc chains, aligned allocations and strdup family attributed to callers"
