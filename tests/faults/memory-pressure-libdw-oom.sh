#!/bin/sh
# ulimit -v 400 MB and 200 MB: the program fills memory until ENOMEM, frees
# it and exits 0; traced, the exit snapshot's symbolizer (libdw, allocating
# from the program's heap) runs out of memory and libdw's own handler exits
# the program with status 1 and "libdw: Cannot allocate memory" on stderr
# (tests/faults/memory-pressure.sh).
LIMITS="400000 200000"
. "$(dirname "$0")/memory-pressure.sh"
