#!/bin/sh
# Each thread's cfi walk memo (about 8 KiB, from the tracker's arena on the
# thread's first walk) goes back when the thread exits: a program that
# starts threads one after another, each sampled once (exact mode), ends
# with the same tracker_bytes for 20 threads as for 400. Kept, the memos
# of 380 more threads would add about 3 MiB.
. "$(dirname "$0")/lib.sh"
tracker_bytes() { # N
	mkdir -p "$WORK/$1"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/$1" \
		"$PROG/thread_each_allocates" "$1") || fail "$1 threads: exit status $?"
	[ "$out" = "threads $1" ] || fail "$1 threads: the program printed '$out'"
	q "$(last_snapshot "$WORK/$1")" "SELECT value FROM meta WHERE key = 'tracker_bytes'"
}
t20=$(tracker_bytes 20)
t400=$(tracker_bytes 400)
[ -n "$t20" ] && [ -n "$t400" ] || fail "no tracker_bytes in meta ('$t20', '$t400')"
# a margin of 256 KiB for the arena's own rounding, far below 380 memos
[ "$t400" -le $((t20 + 262144)) ] ||
	fail "tracker_bytes grows with the threads that exited: $t20 after 20, $t400 after 400"
echo "ok: tracker_bytes $t20 after 20 threads, $t400 after 400"
