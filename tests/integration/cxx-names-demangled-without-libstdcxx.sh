#!/bin/sh
# A C++ executable built with g++ -O2 -g that needs no libstdc++ (so no
# __cxa_demangle is in the process): its leak site is 'build_list(int)',
# never the mangled '_Z10build_listi' (before the fix the demangler was
# looked up in libstdc++ at run time, and without it names stayed mangled).
# The default symbolize=names mode; the raw symbol is kept too.
. "$(dirname "$0")/lib.sh"
prog="$PROG/build_list"
[ -x "$prog" ] || { echo "harness: $prog not built"; exit 99; }
# follow_exec: timeout (which bounds the run) execs the program
timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:follow_exec=1:out=$WORK" "$prog" 1000 ||
	fail "build_list: exit status $?"
db=$(ls "$WORK"/heapsnap.build_list.*.db 2>/dev/null | sort | tail -n 1)
[ -n "$db" ] || fail "no snapshot"
top=$(q "$db" "SELECT function || '|' || live_bytes FROM v_sites ORDER BY live_bytes DESC LIMIT 1")
[ "$top" = "build_list(int)|64000" ] || fail "top site is '$top', expected 'build_list(int)|64000'"
mangled=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE function LIKE '\_Z%' ESCAPE '\\'")
[ "$mangled" = 0 ] || fail "$mangled frames keep a mangled name: $(q "$db" "SELECT group_concat(DISTINCT function) FROM v_stack_frames WHERE function LIKE '\_Z%' ESCAPE '\\'")"
echo "ok: the leak site is build_list(int)"
