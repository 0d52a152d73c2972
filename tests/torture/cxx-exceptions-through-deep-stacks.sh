#!/bin/sh
# C++ exceptions thrown from 60 frames down, 1000 per thread on 3 threads,
# with allocations in the destructors that run during unwinding and a
# rethrow half-way, under snapshot signals and interval snapshots; exact
# mode with both unwinders, and sampled at 4 KiB.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_exceptions"
reference "$P" 1000
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 5 320 30 "$P" 1000
traced exact "sample=1:interval=0.1" 5 320 30 "$P" 1000
traced sampled "sample=4096:interval=0.1" 5 320 30 "$P" 1000
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
