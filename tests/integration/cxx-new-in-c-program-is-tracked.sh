#!/bin/sh
# A C program using a C++ shared library, once linked and once dlopen'ed:
# the library's operator new is tracked and attributed to the library
# function that calls it (not to operator new), and the preload keeps
# libunwind out of the global scope: under LD_DEBUG=bindings,
# _Unwind_RaiseException binds to libgcc_s and _Znwm to libstdc++.
. "$(dirname "$0")/lib.sh"
CXXLIB="$top_builddir/tests/prog/.libs/libcxxlib.so"
[ -f "$CXXLIB" ] || { echo "harness: $CXXLIB not built"; exit 99; }

check_mode() { # MODE CMD...
	mode=$1; shift
	mkdir "$WORK/$mode"
	out=$(run_preloaded "sample=1:out=$WORK/$mode" "$@") || fail "$mode: exit status $?"
	[ "$out" = "caught 1000" ] || fail "$mode: program printed '$out', expected 'caught 1000'"
	db=$(last_snapshot "$WORK/$mode")
	[ -n "$db" ] || fail "$mode: no snapshot written"
	got=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(live_count) || ' ' || sum(alloc_count) FROM v_sites WHERE function='cxxlib_new_objects'")
	[ "$got" = "4800 100 100" ] || fail "$mode: cxxlib_new_objects expected '4800 100 100' (live bytes, live, allocs), got '$got'"
	got=$(q "$db" "SELECT sum(live_bytes) || ' ' || sum(alloc_count) || ' ' || sum(free_count) FROM v_sites WHERE function='cxxlib_new_delete'")
	[ "$got" = "0 500 500" ] || fail "$mode: cxxlib_new_delete expected '0 500 500' (live bytes, allocs, frees), got '$got'"
	mod=$(q "$db" "SELECT DISTINCT module FROM v_sites WHERE function='cxxlib_new_objects'")
	case "$mod" in */libcxxlib.so) ;; *) fail "$mode: call site module is '$mod', not libcxxlib.so" ;; esac
	inner=$(q "$db" "SELECT DISTINCT function FROM v_stack_frames WHERE depth = -1 AND stack_id IN
		(SELECT stack_id FROM v_sites WHERE function='cxxlib_new_objects')")
	case "$inner" in "operator new"*) ;; *) fail "$mode: frame below the call site is '$inner', expected operator new" ;; esac
	# The vector's 4000-byte buffer is live in a stack through cxxlib_vector,
	# attributed to a frame that is not an allocator entry point.
	got=$(q "$db" "SELECT group_concat(s.function, '|') FROM v_sites s WHERE s.live_bytes = 4000 AND s.stack_id IN
		(SELECT stack_id FROM v_stack_frames WHERE function='cxxlib_vector')")
	case "$got" in ''|*"operator new"*|*'|'*) fail "$mode: vector buffer site is '$got'" ;; esac
	bad=$(q "$db" "SELECT count(*) FROM v_sites WHERE live_bytes > 0 AND (function LIKE 'operator new%' OR function IN ('malloc', '_Znwm'))")
	[ "$bad" = 0 ] || fail "$mode: $bad sites attributed to operator new or malloc"
	# Exceptions: the 1000 blocks __cxa_allocate_exception took for
	# cxxlib_throw_catch are all freed again; libstdc++ is a wrapper, so the
	# call site is the user's function that throws (thrower, under
	# cxxlib_throw_catch).
	got=$(q "$db" "SELECT coalesce(sum(alloc_count),0) || ' ' || coalesce(sum(live_count),0) FROM v_sites WHERE stack_id IN
		(SELECT stack_id FROM v_stack_frames WHERE function='__cxa_allocate_exception' AND depth < 0) AND
		function='thrower(int)'")
	[ "$got" = "1000 0" ] || fail "$mode: exception objects expected '1000 0' (allocs, live), got '$got'"
	# Bindings: exceptions unwind through libgcc_s, new comes from libstdc++.
	LD_DEBUG=bindings LD_DEBUG_OUTPUT="$WORK/$mode.bind" LD_PRELOAD="$LIB" \
		HEAPSNAP_OPTIONS="out=$WORK/$mode" "$@" >/dev/null || fail "$mode: exit status $? under LD_DEBUG"
	bind=$(cat "$WORK/$mode".bind.*)
	raise=$(printf '%s\n' "$bind" | grep "normal symbol \`_Unwind_RaiseException'")
	[ -n "$raise" ] || fail "$mode: no binding of _Unwind_RaiseException seen"
	printf '%s\n' "$raise" | grep -v ' to [^ ]*libgcc_s\.so' | grep . &&
		fail "$mode: _Unwind_RaiseException binds elsewhere than libgcc_s (above)"
	znwm=$(printf '%s\n' "$bind" | grep "binding file [^ ]*libcxxlib\.so .*normal symbol \`_Znwm'")
	[ -n "$znwm" ] || fail "$mode: no binding of libcxxlib's _Znwm seen"
	printf '%s\n' "$znwm" | grep -v ' to [^ ]*libstdc++\.so' | grep . &&
		fail "$mode: libcxxlib's _Znwm binds elsewhere than libstdc++ (above)"
	echo "ok: $mode: new tracked to cxxlib_new_objects, bindings to libgcc_s and libstdc++"
}
check_mode linked "$PROG/cxx_linked"
check_mode dlopen "$PROG/cxx_dlopen" "$CXXLIB"
