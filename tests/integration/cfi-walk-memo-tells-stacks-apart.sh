#!/bin/sh
# The cfi unwinder remembers a thread's last walk and reuses it when the
# walk would start at the same stack and frame pointer and every stack word
# it read is unchanged. prog/alternate calls malloc through paths of the
# same depth from one loop (leaf, called from via_a, via_b and, one frame
# deeper, via_c -> deeper), so the walks start alike and only the return
# addresses differ: exact mode must still give each path its own stack,
# with its exact count and bytes (1000 x 24, 3000 x 40, 500 x 56), and the
# same stacks as unwinder=libunwind.
. "$(dirname "$0")/lib.sh"
sites() {
	mkdir -p "$WORK/$1"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$1:out=$WORK/$1" "$PROG/alternate") ||
		fail "$1: exit status $?"
	[ "$out" = "kept 4500" ] || fail "$1: program printed '$out'"
	db=$(last_snapshot "$WORK/$1")
	q "$db" "SELECT v.live_count || ' ' || v.live_bytes || ' ' ||
		(SELECT group_concat(function, '<') FROM (SELECT function FROM v_stack_frames f
		  WHERE f.stack_id = v.stack_id AND f.depth BETWEEN 1 AND 3 ORDER BY f.depth))
		FROM v_sites v WHERE v.function = 'leaf' ORDER BY v.live_bytes"
}
cfi=$(sites cfi)
want='1000 24000 via_a<main<__libc_start_call_main
500 28000 deeper<via_c<main
3000 120000 via_b<main<__libc_start_call_main'
[ "$cfi" = "$want" ] || fail "unwinder=cfi sites:
$cfi
expected:
$want"
lu=$(sites libunwind)
[ "$lu" = "$cfi" ] || fail "unwinder=libunwind gives other sites:
$lu"
fb=$(q "$(last_snapshot "$WORK/cfi")" "SELECT value FROM meta WHERE key = 'unwind_fallbacks'")
[ "$fb" = 0 ] || fail "unwinder=cfi fell back $fb times on plain C"
echo "ok: three paths, three exact sites, as libunwind gives them"
