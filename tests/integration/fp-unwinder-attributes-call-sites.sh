#!/bin/sh
# unwinder=fp walks frame pointers: on a program built with
# -fno-omit-frame-pointer it must attribute exactly like libunwind.
. "$(dirname "$0")/lib.sh"
for unwinder in fp libunwind; do
	mkdir -p "$WORK/$unwinder"
	run_preloaded "sample=1:unwinder=$unwinder:out=$WORK/$unwinder" "$PROG/leak_exact" ||
		fail "$unwinder: program exit status $?"
	db=$(last_snapshot "$WORK/$unwinder")
	[ -n "$db" ] || fail "$unwinder: no snapshot written"
	[ "$(q "$db" "SELECT value FROM meta WHERE key='unwinder'")" = "$unwinder" ] || fail "$unwinder: meta.unwinder"
	small=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) FROM v_sites WHERE function='leak_small'")
	[ "$small" = "2400 100" ] || fail "$unwinder: leak_small: expected '2400 100', got '$small'"
	caller=$(q "$db" "SELECT f.function FROM v_sites s JOIN v_stack_frames f ON f.stack_id = s.stack_id
		WHERE s.function='leak_big' AND f.depth = 1 LIMIT 1")
	[ "$caller" = main ] || fail "$unwinder: caller of leak_big is '$caller', expected main"
done
echo "ok: fp and libunwind attribute alike"
