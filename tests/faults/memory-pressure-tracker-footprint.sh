#!/bin/sh
# ulimit -v 40 MB down to 20 MB: the tracker would reserve about 23 MB of
# address space at the default rate and 47 MB at sample=1 (VmSize of a
# traced /bin/true), and a 1 MiB malloc of the program that succeeds
# untraced failed. Under a limit that leaves less than the tracker needs it
# now stays off with one line, so the program keeps all of its limit
# (tests/faults/memory-pressure.sh).
LIMITS="40000 30000 25000 20000"
. "$(dirname "$0")/memory-pressure.sh"
