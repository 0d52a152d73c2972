#!/bin/sh
# A thread started by another preloaded library's constructor, before the
# tracker's constructor ran, is tracked from its first call after start-up.
. "$(dirname "$0")/lib.sh"
EARLY="$PROG/.libs/libearly_thread.so"
[ -f "$EARLY" ] || { echo "harness: $EARLY not built"; exit 99; }
order=$(LD_PRELOAD="$LIB $EARLY" HEAPSNAP_OPTIONS="sample=1:out=$WORK" LD_DEBUG=libs "$PROG/early_main" 2>&1 |
	sed -n 's/.*calling init: .*\/\(lib[a-z_]*\)\.so.*/\1/p' | grep -E 'libheapsnap|libearly_thread' | tr '\n' ' ')
[ "$order" = "libearly_thread libheapsnap " ] || { echo "skip: init order here is '$order'"; exit 77; }
rm -f "$WORK"/*.db
LD_PRELOAD="$LIB $EARLY" HEAPSNAP_OPTIONS="sample=1:out=$WORK" "$PROG/early_main" || fail "exit status $?"
db=$(last_snapshot "$WORK")
[ -n "$db" ] || fail "no snapshot"
got=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) FROM v_sites WHERE function='early_leak'")
[ "$got" = "10000 10" ] || fail "early_leak: expected '10000 10', got '$got'"
echo "ok: a thread born before the tracker is tracked"
