#!/bin/sh
# Allocation and free in pthread key destructors (two rounds), C++
# thread_local destructors, atexit handlers and a SIGUSR1 handler, over 600
# short-lived threads and 3000 handled signals, under snapshot signals and
# interval snapshots. Exit-time work (the main thread's thread_local
# destructor, atexit handlers registered by the program) runs before the
# tracker's exit snapshot: it must show exactly keep_main's and
# keep_in_atexit's blocks.
. "$(dirname "$0")/lib.sh"
P="$PROG/torture_dtors"
reference "$P" 600
traced exact-fp "sample=1:unwinder=fp:interval=0.1" 3 400 30 "$P" 600
traced exact "sample=1:interval=0.1" 3 400 30 "$P" 600
traced sampled "sample=4096:interval=0.1" 3 400 30 "$P" 600
echo "torture: $(tail -n 1 "$WORK/ref.out" | sed 's/^torture: //') in each of 3 traced runs"
