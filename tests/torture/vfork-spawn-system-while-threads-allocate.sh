#!/bin/sh
# vfork()+execv(), posix_spawn() and system(), 30 rounds each, while 3
# threads churn malloc/realloc/free, under snapshot signals and interval
# snapshots: every child's status as untraced, no deadlock, totals balance.
# (Whether exec'd programs are tracked too is not checked here.)
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_spawn"
reference "$P" 30
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 0 0 30 "$P" 30
traced exact "sample=1:interval=0.1" 0 0 30 "$P" 30
traced sampled "sample=4096:interval=0.1" 0 0 30 "$P" 30
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
