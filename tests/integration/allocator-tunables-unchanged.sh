#!/bin/sh
# The tracker must not change how glibc's allocator behaves: a start-up probe
# that malloc'ed and freed 5 MB raised the dynamic mmap threshold, so a
# malloc(1000000) that glibc mmaps natively came from the brk heap under the
# preload, and its memory was not returned when freed. The program prints
# those decisions; with and without the tracker they must be the same.
. "$(dirname "$0")/lib.sh"
plain=$("$PROG/mmap_threshold") || fail "mmap_threshold: exit status $?"
for opts in "out=$WORK" "out=$WORK:sample=1"; do
	traced=$(run_preloaded "$opts" "$PROG/mmap_threshold") || fail "under the preload ($opts): exit status $?"
	[ "$traced" = "$plain" ] || fail "allocator decisions changed under the preload ($opts):
--- without
$plain
--- with
$traced"
done
echo "ok: $(printf '%s' "$plain" | tr '\n' ';')"
