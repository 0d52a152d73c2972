#!/bin/sh
# siglongjmp out of a SIGALRM handler that interrupted malloc-heavy code
# (in the program's code or in libheapsnap.so, never inside glibc's
# allocator), 2000 times, under snapshot signals and interval snapshots.
# XFAIL: a jump out of the sampled path abandons a live-table stripe lock
# (livetab.c) and the writer blocks on it for good: the exit snapshot is
# never written and exit waits its 60 s limit.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_longjmp"
reference "$P" 2000
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 10 10000 4 "$P" 2000
traced exact "sample=1:interval=0.1" 10 10000 4 "$P" 2000
traced sampled "sample=4096:interval=0.1" 10 10000 4 "$P" 2000
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
