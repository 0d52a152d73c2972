#!/bin/sh
# ulimit -v 40 MB down to 20 MB: the tracker cannot allocate its live table
# and stops with one line, but keeps the address space it reserved (about
# 23 MB at the default rate, 47 MB at sample=1: VmSize of a traced
# /bin/true), so after the program frees its fill a 1 MiB malloc fails
# that succeeds untraced (tests/faults/memory-pressure.sh).
LIMITS="40000 30000 25000 20000"
. "$(dirname "$0")/memory-pressure.sh"
