#!/bin/sh
# The cfi walk's memo is reused only when every stack word the last walk
# read still holds its value; the check reads them four a round, so a
# word missed at any position of a round would merge two stacks.
# prog/alternate_lanes alternates pairs of call paths that differ in one
# return address, placed at four consecutive positions of the walk's read
# list: exact mode must give each path its own site with its exact count
# (via_a*: 250, via_b*: 750), as unwinder=libunwind does.
. "$(dirname "$0")/lib.sh"
sites() {
	mkdir -p "$WORK/$1"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$1:out=$WORK/$1" \
		"$PROG/alternate_lanes") || fail "$1: exit status $?"
	[ "$out" = "kept 4000" ] || fail "$1: program printed '$out'"
	db=$(last_snapshot "$WORK/$1")
	q "$db" "SELECT (SELECT f.function FROM v_stack_frames f WHERE f.stack_id = v.stack_id
		  AND f.function LIKE 'via_%' ORDER BY f.depth LIMIT 1) || ' ' || v.live_count
		FROM v_sites v WHERE v.function IN ('leaf', 'leaf_nofp') ORDER BY 1"
}
cfi=$(sites cfi)
want='via_a0 250
via_a1 250
via_a2 250
via_a3 250
via_b0 750
via_b1 750
via_b2 750
via_b3 750'
[ "$cfi" = "$want" ] || fail "unwinder=cfi sites:
$cfi
expected:
$want"
lu=$(sites libunwind)
[ "$lu" = "$cfi" ] || fail "unwinder=libunwind gives other sites:
$lu"
fb=$(q "$(last_snapshot "$WORK/cfi")" "SELECT value FROM meta WHERE key = 'unwind_fallbacks'")
[ "$fb" = 0 ] || fail "unwinder=cfi fell back $fb times on plain C"
echo "ok: four positions of the memo check, eight exact sites"
