#!/bin/sh
# ulimit -v 15 MB and 12 MB: enough for the program untraced; traced, the
# tracker's private jemalloc could not map its first chunk and died of
# SIGSEGV before main. The tracker now checks the limit first, says once
# that it leaves too little, and stays off (tests/faults/memory-pressure.sh).
LIMITS="15000 12000"
. "$(dirname "$0")/memory-pressure.sh"
