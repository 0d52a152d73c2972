#!/bin/sh
# 1000 rounds of dlopen/dlclose of a library whose constructor allocates
# and destructor frees, called from two threads each round, while two more
# threads churn; every 10th round keeps a block the library allocated, past
# its dlclose. Under snapshot signals and interval snapshots: the exit
# snapshot holds exactly the 100 kept blocks (stacks through
# keep_lib_block) and none of the library's other blocks.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_dlopen"
L="$PROG/.libs/libtorture_dl.so"
[ -f "$L" ] || { echo "harness: $L not built"; exit 99; }
reference "$P" 1000 "$L"
# slack: thread control blocks, the loader's object-lookup table
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 100 25600 30 "$P" 1000 "$L"
traced exact "sample=1:interval=0.1" 100 25600 30 "$P" 1000 "$L"
traced sampled "sample=4096:interval=0.1" 100 25600 30 "$P" 1000 "$L"
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
