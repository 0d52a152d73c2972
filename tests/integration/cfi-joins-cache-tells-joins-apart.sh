#!/bin/sh
# A walk that joins the last one at the same frame, from the same entry,
# after as many frames of its own as a join before, takes that join's
# stack from the thread's cache of joins (core.c) only when its own frames
# are that join's too. prog/join_fanout makes 2048 stacks that each join
# the walk before them in main's frame after three frames of their own,
# far more joins of one shape than the cache has slots, so slots are
# shared; then it makes them in rows that join in route's frame after the
# same two frames of their own, and differ only in the stack joined. Exact
# mode must give every block the stack its size encodes (one size per
# stack, one stack per size, 2048 of them), and the same frames as
# unwinder=libunwind.
. "$(dirname "$0")/lib.sh"
# sites UNWINDER: checks that run, and writes per size its count and the
# module offsets of its four inner frames to $WORK/UNWINDER.txt
sites() {
	mkdir -p "$WORK/$1"
	out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$1:out=$WORK/$1" \
		"$PROG/join_fanout") || fail "$1: exit status $?"
	[ "$out" = "kept 16384" ] || fail "$1: program printed '$out'"
	db=$(last_snapshot "$WORK/$1")
	mixed=$(q "$db" "SELECT count(*) FROM (SELECT stack_id FROM allocations WHERE size % 8 = 1
		GROUP BY stack_id HAVING count(DISTINCT size) > 1)")
	[ "$mixed" = 0 ] || fail "unwinder=$1: $mixed stacks hold blocks of more than one size"
	split=$(q "$db" "SELECT count(*) FROM (SELECT size FROM allocations WHERE size % 8 = 1
		GROUP BY size HAVING count(DISTINCT stack_id) > 1)")
	[ "$split" = 0 ] || fail "unwinder=$1: $split sizes are on more than one stack"
	q "$db" "SELECT a.size, count(*), (SELECT group_concat(o, ' ') FROM (SELECT l.offset AS o
		  FROM v_stack_frames f JOIN locations l ON l.address = f.address
		  WHERE f.stack_id = a.stack_id AND f.depth BETWEEN 0 AND 3 AND f.inline_depth = 0
		  ORDER BY f.depth))
		FROM allocations a WHERE a.size % 8 = 1 GROUP BY a.size ORDER BY a.size" >"$WORK/$1.txt"
	fb=$(q "$db" "SELECT value FROM meta WHERE key = 'unwind_fallbacks'")
	[ "$1" != cfi ] || [ "$fb" = 0 ] || fail "unwinder=cfi fell back $fb times on plain C"
}
sites cfi
n=$(wc -l <"$WORK/cfi.txt")
[ "$n" = 2048 ] || fail "unwinder=cfi: $n sizes, want 2048"
counts=$(awk -F'|' '$1 == 17 { if ($2 != 6149) print "size 17: " $2 " blocks, want 6149"; next }
	$2 != 5 { print "size " $1 ": " $2 " blocks, want 5" }' "$WORK/cfi.txt" | head -5)
[ -z "$counts" ] || fail "unwinder=cfi: wrong counts:
$counts"
stacks=$(cut -d'|' -f3 "$WORK/cfi.txt" | sort -u | wc -l)
[ "$stacks" = 2048 ] || fail "unwinder=cfi: $stacks distinct frame lists, want 2048"
sites libunwind
cmp -s "$WORK/cfi.txt" "$WORK/libunwind.txt" || fail "unwinder=libunwind gives other stacks:
$(diff "$WORK/cfi.txt" "$WORK/libunwind.txt" | head -10)"
echo "ok: 2048 joins of one shape, each its own stack, as libunwind gives them"
