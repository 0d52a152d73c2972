#!/bin/sh
# A cfi walk that is its thread's last walk again reuses the stack entry
# interned from it, but a stack is its frames and its request label: the
# entry must not be reused under another label. prog/alternate_labels
# allocates from one call path under two labels in turn (the walk is the
# memo's every time): exact mode must give each label its own site, with
# its exact count and bytes (odd: 1000 x 24, even: 3000 x 40), and the same
# as unwinder=libunwind, which keeps no memo.
. "$(dirname "$0")/lib.sh"
sites() {
	mkdir -p "$WORK/$1"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$1:out=$WORK/$1" \
		"$PROG/alternate_labels") || fail "$1: exit status $?"
	[ "$out" = "kept 4000" ] || fail "$1: program printed '$out'"
	db=$(last_snapshot "$WORK/$1")
	q "$db" "SELECT v.label || ' ' || v.live_count || ' ' || v.live_bytes || ' ' ||
		(SELECT group_concat(function, '<') FROM (SELECT function FROM v_stack_frames f
		  WHERE f.stack_id = v.stack_id AND f.depth BETWEEN 1 AND 2 ORDER BY f.depth))
		FROM v_sites v WHERE v.function = 'leaf' ORDER BY v.live_bytes"
}
cfi=$(sites cfi)
want='odd 1000 24000 site<main
even 3000 120000 site<main'
[ "$cfi" = "$want" ] || fail "unwinder=cfi sites:
$cfi
expected:
$want"
lu=$(sites libunwind)
[ "$lu" = "$cfi" ] || fail "unwinder=libunwind gives other sites:
$lu"
echo "ok: one path under two labels, two exact sites"
