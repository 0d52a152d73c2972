#!/bin/sh
# The default symbolize=names names frames from ELF symbol tables alone:
# after snapshots of a running C++ program (interval snapshots), its maps
# hold no libdw and no libelf, and the frames are named (keep_objects() ...),
# with no file or line. With symbolize=full the same program's snapshot has
# file:line for keep_objects() (libdw, loaded then).
. "$(dirname "$0")/lib.sh"
prog="$PROG/cxx_live"
[ -x "$prog" ] || { echo "harness: $prog not built"; exit 99; }
run() { # run MODE: cxx_live with interval snapshots; checks maps while it runs
	mode=$1
	mkdir "$WORK/$mode"
	rm -f "$WORK/stop"
	# follow_exec: timeout (which bounds the run) execs the program
	timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.2:follow_exec=1:symbolize=$mode:out=$WORK/$mode" \
		"$prog" "$WORK/stop" >"$WORK/stdout" 2>"$WORK/stderr" &
	runner=$!
	i=0
	until [ "$(cat "$WORK/stdout")" = ready ] && [ "$(ls "$WORK/$mode" | grep -c '^heapsnap\.cxx_live\..*\.db$')" -ge 2 ]; do
		i=$((i + 1))
		[ $i -le 600 ] || { touch "$WORK/stop"; wait $runner; fail "$mode: no ready and two snapshots (stderr: $(cat "$WORK/stderr"))"; }
		sleep 0.1
	done
	db=$(ls "$WORK/$mode"/heapsnap.cxx_live.*.db | sort | tail -n 1)
	pid=$(q "$db" "SELECT value FROM meta WHERE key='pid'")
	libs=$(awk '{ print $6 }' "/proc/$pid/maps" | sed 's,.*/,,' | sort -u | grep -E '^lib(dw|elf)[-.]')
	touch "$WORK/stop"
	wait $runner || fail "$mode: cxx_live exit status $?"
}
run names
[ -z "$libs" ] || fail "names: loaded into the program after a snapshot: $(echo $libs)"
db=$(ls "$WORK/names"/heapsnap.cxx_live.*.db | sort | tail -n 1)
got=$(q "$db" "SELECT count(*) || ' ' || count(file) FROM v_stack_frames WHERE function = 'keep_objects()'")
[ "${got% *}" -ge 1 ] || fail "names: no frame named keep_objects()"
[ "${got#* }" = 0 ] || fail "names: keep_objects() has a file: $got"
run full
[ -n "$libs" ] || fail "full: libdw is not loaded (precondition of this test's check)"
db=$(ls "$WORK/full"/heapsnap.cxx_live.*.db | sort | tail -n 1)
file=$(q "$db" "SELECT file FROM v_stack_frames WHERE function = 'keep_objects()' AND line > 0 LIMIT 1")
case "$file" in */cxx_live.cc) ;; *) fail "full: keep_objects() has file '$file', expected .../cxx_live.cc" ;; esac
echo "ok: names mode loads no libdw/libelf; full mode gives file:line"
