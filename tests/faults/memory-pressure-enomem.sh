#!/bin/sh
# ulimit -v 100 MB and 60 MB: the program's huge requests and its fill
# fail with ENOMEM exactly as untraced, it frees and allocates again, and
# the tracker stays silent or stops with one line
# (tests/faults/memory-pressure.sh).
LIMITS="100000 60000"
. "$(dirname "$0")/memory-pressure.sh"
