#!/bin/sh
# A thread with a 16 KiB stack asks for a snapshot and then calls exit():
# both snapshots are written (by the writer thread, on its own stack), and
# the program exits with its own status.
. "$(dirname "$0")/lib.sh"
run_preloaded "sample=1:out=$WORK" "$PROG/small_stack_exit" || fail "exit status $?"
n=$(ls "$WORK"/*.db 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 snapshots, found $n"
first=$(ls "$WORK"/*.db | sort | head -n 1)
last=$(ls "$WORK"/*.db | sort | tail -n 1)
[ "$(q "$first" "SELECT value FROM meta WHERE key='label'")" = small-stack ] || fail "api snapshot label"
[ "$(q "$last" "SELECT value FROM meta WHERE key='trigger'")" = exit ] || fail "last snapshot is not the exit one"
[ "$(q "$last" "SELECT sum(live_bytes) FROM v_sites WHERE function='small'")" = 12345 ] || fail "leak of small() not found"
echo "ok: snapshots from a 16 KiB stack"
