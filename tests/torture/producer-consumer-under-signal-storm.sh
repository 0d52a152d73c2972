#!/bin/sh
# 8 producers malloc messages that 8 consumers free (1.6 million blocks
# allocated on one thread, freed on another), while another process sends
# SIGUSR1 (whose handler allocates and frees) and SIGUSR2 (the snapshot
# signal) in a tight loop and the writer snapshots every 100 ms. The exit
# snapshot holds exactly keep_messages's 16 blocks.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_queues"
reference "$P" 200000
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 16 2048 40 "$P" 200000
traced exact "sample=1:interval=0.1" 16 2048 40 "$P" 200000
traced sampled "sample=4096:interval=0.1" 16 2048 40 "$P" 200000
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
