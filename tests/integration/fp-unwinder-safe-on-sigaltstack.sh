#!/bin/sh
# unwinder=fp inside a signal handler running on a sigaltstack with guard
# pages, interrupting code that left garbage in rbp (guard pages, unmapped
# memory between the stacks): no crash, and the handler's allocations are
# attributed to the function in the handler that made them.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }
for unwinder in fp libunwind; do
	mkdir "$WORK/$unwinder"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$unwinder:out=$WORK/$unwinder" \
		"$PROG/altstack") || fail "$unwinder: exit status $? (139 = crash), output '$out'"
	[ "$out" = "altstack: 40 signals handled" ] || fail "$unwinder: output '$out'"
	db=$(last_snapshot "$WORK/$unwinder")
	[ -n "$db" ] || fail "$unwinder: no snapshot"
	got=$(q "$db" "SELECT coalesce(sum(live_count),0) FROM v_sites WHERE function='keep_in_handler'")
	[ "$got" = 40 ] || fail "$unwinder: keep_in_handler shows $got live blocks, expected 40"
done
echo "ok: the fp walker survived garbage frame pointers on a sigaltstack"
