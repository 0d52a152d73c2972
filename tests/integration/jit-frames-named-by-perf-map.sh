#!/bin/sh
# An address in anonymous executable memory is JIT code: it is named from
# the process's perf map (/tmp/perf-PID.map) and never after a module's
# symbol. prog/jit_stub calls malloc from a stub it copied into memory it
# mapped right after the executable's image; sample=1 records every call.
# With a perf map line for the stub, the stub's frame is 'jit_stub_alloc';
# without one it has no name (before the fix: no perf map was read, and an
# address past a module was named by its neighbour, '_fini' under node).
# No frame of either run is named _fini.
. "$(dirname "$0")/lib.sh"
prog="$PROG/jit_stub"
[ -x "$prog" ] || { echo "harness: $prog not built"; exit 99; }
maps=
cleanup() { for m in $maps; do rm -f "$m"; done; rm -rf "$WORK"; }
trap cleanup EXIT

for mode in map nomap; do
	mkdir "$WORK/$mode"
	# follow_exec: timeout (which bounds the run) execs the program
	range=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:follow_exec=1:out=$WORK/$mode" \
		"$prog" $mode) || fail "$mode: jit_stub exit status $?"
	db=$(ls "$WORK/$mode"/heapsnap.jit_stub.*.db 2>/dev/null | sort | tail -n 1)
	[ -n "$db" ] || fail "$mode: no snapshot"
	pid=$(q "$db" "SELECT value FROM meta WHERE key='pid'")
	maps="$maps /tmp/perf-$pid.map"
	lo=$((0x${range% *}))
	hi=$((0x${range#* }))
	where="address >= $lo AND address < $hi"
	n=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE $where")
	[ "$n" -ge 1 ] || fail "$mode: no frame in the stub [$range] (frames: $(q "$db" "SELECT group_concat(printf('%x', address)) FROM v_stack_frames"))"
	names=$(q "$db" "SELECT group_concat(DISTINCT coalesce(function, '<null>')) FROM v_stack_frames WHERE $where")
	live=$(q "$db" "SELECT sum(live_bytes) FROM v_sites WHERE stack_id IN (SELECT stack_id FROM v_stack_frames WHERE $where)")
	[ "$live" -ge 32768 ] || fail "$mode: stacks through the stub hold $live live bytes, expected 8 x 4096"
	if [ $mode = map ]; then
		[ "$names" = jit_stub_alloc ] || fail "map: the stub's frame is named '$names', expected 'jit_stub_alloc' (the perf map's name)"
	else
		[ "$names" = "<null>" ] || [ -z "$names" ] || fail "nomap: the stub's frame is named '$names', expected no name"
		# the tools show an unnamed JIT frame as '[jit] 0x...', never a bare
		# address that reads like a lost symbol
		stub=$(printf '%x' "$(q "$db" "SELECT min(address) FROM v_stack_frames WHERE $where")")
		"$HEAPSNAP" info "$db" >"$WORK/info" 2>&1 || fail "nomap: heapsnap info failed: $(cat "$WORK/info")"
		grep -q "\[jit\] 0x$stub" "$WORK/info" || fail "nomap: heapsnap info does not show '[jit] 0x$stub': $(cat "$WORK/info")"
		"$HEAPSNAP" export --folded "$WORK/f.folded" "$db" 2>"$WORK/err" || fail "nomap: export --folded: $(cat "$WORK/err")"
		grep -q "\[jit\] 0x$stub" "$WORK/f.folded" || fail "nomap: the folded stacks lack '[jit] 0x$stub': $(head -c 600 "$WORK/f.folded")"
	fi
	fini=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE function = '_fini'")
	[ "$fini" = 0 ] || fail "$mode: $fini frames named _fini"
	rm -f "/tmp/perf-$pid.map"
done
echo "ok: the stub is 'jit_stub_alloc' with a perf map, unnamed without; never _fini"
