#!/bin/sh
# The cfi walk joins the last walk where it reaches a frame of it in the
# same state (sp, pc, rbp), after checking every word the last walk read
# from there on. prog/suffix_walks changes the depth, the leaf and the top
# of its path at different rates, so joins happen with the inner part
# longer, shorter and as long as the last one's, and some would be wrong
# if a word above the join were not checked. Exact mode must give every
# block the path its size encodes, and the same stacks as
# unwinder=libunwind; once with short paths, once with paths of 50..54
# frames (40 frames of wrap outside them: the memo's whole depth).
. "$(dirname "$0")/lib.sh"
sites() {
	mkdir -p "$WORK/$1"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=${1%-*}:out=$WORK/$1" \
		"$PROG/suffix_walks" $wraps) || fail "$1: exit status $?"
	[ "$out" = "kept 6000" ] || fail "$1: program printed '$out'"
	db=$(last_snapshot "$WORK/$1")
	# per stack: the block size, its leaf, how many descend frames, its
	# top, its count (one size per stack when the stacks are right)
	q "$db" "SELECT v.live_bytes / v.live_count, v.live_bytes % v.live_count,
		(SELECT group_concat(function, ' ') FROM (SELECT function FROM v_stack_frames f
		  WHERE f.stack_id = v.stack_id AND f.function IN ('leaf_x', 'leaf_y', 'top_a', 'top_b')
		  ORDER BY f.depth)),
		(SELECT count(*) FROM v_stack_frames f WHERE f.stack_id = v.stack_id AND f.function = 'descend'),
		v.live_count
		FROM v_sites v WHERE v.function IN ('leaf_x', 'leaf_y') ORDER BY 1" | tr '|' ' '
}
check() {
	echo "$2" | awk -v who="$1" '
	{ size = $1; d = int((size - 16) / 8 / 4); y = int((size - 16) / 8 / 2) % 2; b = (size - 16) / 8 % 2
	  want = (y ? "leaf_y" : "leaf_x") " " (b ? "top_b" : "top_a")
	  if ($2 != 0 || $3 " " $4 != want || $5 != d + 1) { print who ": wrong stack: " $0 " (want " want ", " d + 1 " descend)"; bad = 1 }
	  total += $6; n++ }
	END { if (n != 20) { print who ": " n " stacks, want 20"; bad = 1 }
	      if (total != 6000) { print who ": " total " blocks, want 6000"; bad = 1 }
	      exit bad }' || fail "unwinder=$1 gives wrong stacks:
$2"
}
for wraps in 0 40; do
	cfi=$(sites cfi-$wraps)
	check cfi-$wraps "$cfi"
	lu=$(sites libunwind-$wraps)
	check libunwind-$wraps "$lu"
	[ "$lu" = "$cfi" ] || fail "$wraps wraps: unwinder=libunwind gives other stacks than cfi:
$lu
cfi:
$cfi"
	fb=$(q "$(last_snapshot "$WORK/cfi-$wraps")" "SELECT value FROM meta WHERE key = 'unwind_fallbacks'")
	[ "$fb" = 0 ] || fail "$wraps wraps: unwinder=cfi fell back $fb times on plain C"
	if [ $wraps = 40 ]; then
		nw=$(q "$(last_snapshot "$WORK/cfi-$wraps")" "SELECT min(n) FROM (SELECT count(*) n FROM v_stack_frames f
			JOIN v_sites v ON v.stack_id = f.stack_id AND v.function IN ('leaf_x', 'leaf_y')
			WHERE f.function = 'wrap' GROUP BY f.stack_id)")
		[ "$nw" = 41 ] || fail "40 wraps: a stack holds $nw frames of wrap, want 41"
	fi
done
echo "ok: 20 paths joined at their shared part, each with its own stack, short and 50 frames deep"
