#!/bin/sh
# The tracker takes nothing from the program's heap for a new thread. A
# counting shim (prog/libcount_malloc.so), preloaded after libheapsnap.so,
# is the allocator the tracker forwards to: it sees the program's calls,
# glibc's own, and any the tracker made through it. prog/thread_each_allocates
# starts N threads, each sampled (exact mode: its first walk reads its stack
# bounds). The count with the tracker, less the count without it, must not
# grow with N: 20 and 60 threads give the same difference. (Before, every
# thread's start called pthread_getattr_np, which mallocs a cpuset.)
. "$(dirname "$0")/lib.sh"
shim="$top_builddir/tests/prog/.libs/libcount_malloc.so"
[ -f "$shim" ] || { echo "harness: $shim not built"; exit 99; }
mkdir -p "$WORK/out"
count() { # N PRELOAD
	# env last: only the program itself writes the count at its exit
	timeout 60 env COUNT_MALLOC_OUT="$WORK/count" LD_PRELOAD="$2" HEAPSNAP_OPTIONS="sample=1:at_exit=0:out=$WORK/out" \
		"$PROG/thread_each_allocates" "$1" >"$WORK/prog.out" || fail "$1 threads, preload '$2': exit status $?"
	[ "$(cat "$WORK/prog.out")" = "threads $1" ] || fail "the program printed '$(cat "$WORK/prog.out")'"
	cat "$WORK/count"
}
d20=$(( $(count 20 "$LIB:$shim") - $(count 20 "$shim") ))
d60=$(( $(count 60 "$LIB:$shim") - $(count 60 "$shim") ))
[ "$d20" = "$d60" ] ||
	fail "the tracker's calls into the program's allocator grow with the threads: $d20 with 20 threads, $d60 with 60"
echo "ok: the tracker's own calls into the program's allocator: $d20, for 20 threads as for 60"
