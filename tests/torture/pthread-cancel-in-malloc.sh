#!/bin/sh
# pthread_cancel of threads churning malloc/realloc/free, deferred (at a
# pthread_testcancel between allocator calls) and asynchronous (in compute
# loops between them), 150 cancels, under snapshot signals and interval
# snapshots. Cancellation unwinds through the workers' cleanup handlers,
# which free their blocks: the program's sites hold nothing at exit. A
# cancellation point inside a hook would lose a block or a tracker lock.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_cancel"
reference "$P" 150
# slack: thread control blocks of cached stacks, libgcc_s loaded for unwinding
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 0 0 60 "$P" 150
traced exact "sample=1:interval=0.1" 0 0 60 "$P" 150
# libunwind walks reach cancellation points (its pipe check): they turn
# cancellation off inside the sample (core_cancel_off)
traced exact-libunwind "sample=1:unwinder=libunwind:interval=0.1" 0 0 60 "$P" 150
traced sampled "sample=4096:interval=0.1" 0 0 60 "$P" 150
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 4 traced runs"
