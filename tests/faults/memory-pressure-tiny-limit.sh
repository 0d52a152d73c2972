#!/bin/sh
# ulimit -v 15 MB and 12 MB: enough for the program untraced; traced, the
# tracker's private jemalloc cannot map its first chunk and arena_init()
# (src/arena.c:55, the first hsje_mallocx) dies of SIGSEGV before main,
# where it should say so once and leave the program untracked
# (tests/faults/memory-pressure.sh).
LIMITS="15000 12000"
. "$(dirname "$0")/memory-pressure.sh"
