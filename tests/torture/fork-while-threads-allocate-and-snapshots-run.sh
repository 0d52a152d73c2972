#!/bin/sh
# fork() 40 times while 3 threads churn malloc/realloc/free and the writer
# snapshots every 10 ms (and on a storm of snapshot signals): each child
# allocates, starts a thread, frees, and exits (exit() or _exit()); the
# parent checks every child's status. No deadlock (fork waits for the
# snapshot in progress), every file whole, the parent's exit totals balance.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_fork"
reference "$P" 40
traced exact-fp "sample=1:unwinder=fp:interval=0.01" 0 0 30 "$P" 40
traced exact "sample=1:interval=0.01" 0 0 30 "$P" 40
traced sampled "sample=4096:interval=0.01" 0 0 30 "$P" 40
pids=$(ls "$WORK"/exact-fp "$WORK"/exact "$WORK"/sampled | sed -n 's/^heapsnap\.torture_fork\.\([0-9]*\)\..*/\1/p' | sort -u | wc -l)
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs; snapshots from $pids processes"
