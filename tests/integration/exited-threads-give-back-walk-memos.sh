#!/bin/sh
# Each thread's cfi walk memo (about 8 KiB, from the tracker's arena on the
# thread's first walk) goes back when the thread exits, and so does its
# cache of joins (24 KiB, once the thread has made 256 joins without it): a
# program that starts threads one after another, each sampled once (exact
# mode), ends with the same tracker_bytes for 20 threads as for 400; and so
# does one whose threads each make 600 allocations from two call sites in
# turn (each walk joins the one before). Kept, the memos of 380 more
# threads would add about 3 MiB, their caches of joins 9 MiB more.
. "$(dirname "$0")/lib.sh"
tracker_bytes() { # N [PER_THREAD]
	mkdir -p "$WORK/$1-${2:-1}"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/$1-${2:-1}" \
		"$PROG/thread_each_allocates" "$1" ${2:-1}) || fail "$1 threads: exit status $?"
	[ "$out" = "threads $1" ] || fail "$1 threads: the program printed '$out'"
	q "$(last_snapshot "$WORK/$1-${2:-1}")" "SELECT value FROM meta WHERE key = 'tracker_bytes'"
}
for per in 1 600; do
	t20=$(tracker_bytes 20 $per)
	t400=$(tracker_bytes 400 $per)
	[ -n "$t20" ] && [ -n "$t400" ] || fail "no tracker_bytes in meta ('$t20', '$t400')"
	# a margin of 256 KiB for the arena's own rounding, far below 380 memos
	[ "$t400" -le $((t20 + 262144)) ] ||
		fail "tracker_bytes grows with the threads that exited ($per allocations each): $t20 after 20, $t400 after 400"
	echo "ok: $per allocations a thread: tracker_bytes $t20 after 20 threads, $t400 after 400"
done
