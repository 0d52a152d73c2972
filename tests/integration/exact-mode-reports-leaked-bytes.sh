#!/bin/sh
# sample=1 records every allocation: the exit snapshot must show exactly the
# bytes leak_exact leaks, attributed to the leaking functions.
. "$(dirname "$0")/lib.sh"
# symbolize=full: file:line in the snapshot (until the tools resolve lines)
run_preloaded "sample=1:symbolize=full:out=$WORK" "$PROG/leak_exact" || fail "program exit status $?"
db=$(last_snapshot "$WORK")
[ -n "$db" ] || fail "no snapshot written"
[ "$(q "$db" "SELECT value FROM meta WHERE key='trigger'")" = exit ] || fail "trigger is not exit"
small=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) FROM v_sites WHERE function='leak_small'")
[ "$small" = "2400 100" ] || fail "leak_small: expected '2400 100', got '$small'"
big=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) FROM v_sites WHERE function='leak_big'")
[ "$big" = "300000 3" ] || fail "leak_big: expected '300000 3', got '$big'"
churn=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(alloc_count) FROM v_sites WHERE function='churn'")
[ "$churn" = "0 1000" ] || fail "churn: expected '0 1000', got '$churn'"
file=$(q "$db" "SELECT file || ':' || line FROM v_sites WHERE function='leak_small'")
case "$file" in *leak_exact.c:1[0-9]) ;; *) fail "leak_small file:line is '$file'" ;; esac
# the tracker's own frames never appear, and no call site is an allocator
ours=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE module LIKE '%libheapsnap%'")
[ "$ours" = 0 ] || fail "$ours frames of libheapsnap.so in the stacks"
alloc=$(q "$db" "SELECT count(*) FROM v_sites WHERE function IN ('malloc', 'calloc', 'realloc', 'free')")
[ "$alloc" = 0 ] || fail "$alloc call sites are allocator functions"
top=$(q "$db" "SELECT f.function FROM v_stack_frames f JOIN v_sites s ON s.stack_id = f.stack_id
	WHERE s.function = 'leak_small' AND f.depth = 1")
[ "$top" = main ] || fail "caller of leak_small is '$top', expected main"
for key in tracker_bytes tracker_resident_bytes; do
	v=$(q "$db" "SELECT value FROM meta WHERE key='$key'")
	[ "${v:-0}" -gt 0 ] || fail "meta.$key is '$v'"
done
echo "ok: exact bytes by function"
