#!/bin/sh
# The cfi walk reads the bounds of a thread's stack from /proc/self/maps,
# and again when sp is below them, a few times per thread; a main stack
# that grows down is the same stack, and its reads are not counted.
# prog/deepening_stack recurses two pages a frame, one frame deeper in each
# of 60 rounds (to 488 KiB, far past the 132 KiB the kernel maps at first),
# and allocates at the bottom: exact mode must walk every sample
# itself (no fallback to libunwind: with the growths counted, those past
# the eighth fell back) and give each round's blocks their full stack.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/out"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out:depth=64" \
	"$PROG/deepening_stack") || fail "exit status $?"
[ "$out" = "kept 3000" ] || fail "the program printed '$out'"
db=$(last_snapshot "$WORK/out")
fb=$(q "$db" "SELECT value FROM meta WHERE key = 'unwind_fallbacks'")
[ "$fb" = 0 ] || fail "unwinder=cfi fell back $fb times on a main stack that grew"
# 60 stacks of 24-byte blocks, 50 each, with 2..61 descend frames
got=$(q "$db" "SELECT count(*) || ' ' || min(n) || ' ' || max(n) || ' ' || min(c) || ' ' || max(c) FROM (
	SELECT (SELECT count(*) FROM v_stack_frames f WHERE f.stack_id = v.stack_id
	        AND f.function = 'descend') AS n, v.live_count AS c
	FROM v_sites v WHERE v.function = 'descend' AND v.live_bytes = 24 * v.live_count)")
[ "$got" = "60 2 61 50 50" ] || fail "stacks (count, descend frames min max, blocks min max): $got, want 60 2 61 50 50"
echo "ok: 60 rounds deeper of the main stack, no fallback, every stack whole"
