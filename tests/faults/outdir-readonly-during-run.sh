#!/bin/sh
# The output directory is writable when the program starts and read-only
# (chmod 555, the program runs as an unprivileged user) before its
# snapshots: the program's output and exit status are unchanged and
# heapsnap says once that it cannot write, naming the directory and the
# true cause, "Permission denied". First with the exit snapshot only, then
# with interval snapshots failing every 0.05 s.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing (util-linux)"; exit 77; }
chmod 755 "$WORK"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody test -x "$HOLD" -a -r "$LIB" ||
	{ echo "SKIP: user 65534 cannot run $HOLD or read $LIB (build tree not world-readable)"; exit 77; }
REF=$(nobody "$HOLD" "$WORK/go" 2>&1; echo "status $?")

# run NAME OPTIONS: start, wait until the program is past its first batch
# (and, with an interval, a snapshot is written), chmod, let it finish.
run() {
	local dir="$WORK/$1" i=0
	mkdir "$dir" && chown 65534:65534 "$dir"
	rm -f "$WORK/go"
	nobody timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$2:out=$dir" \
		"$HOLD" "$WORK/go" >"$WORK/out" 2>"$WORK/err" &
	pid=$!
	until grep -q held "$WORK/out"; do
		i=$((i + 1))
		[ "$i" -le 400 ] || fail "$1: the program did not start in 20 s"
		sleep 0.05
	done
	case "$2" in *interval*) wait_for_snapshot "$dir" ;; esac
	chmod 555 "$dir"
	touch "$WORK/go"
	wait "$pid"
	got=$(cat "$WORK/out"; echo "status $?")
	same_output "$1" "$got"
	# A snapshot in progress when the directory turned read-only leaves its
	# NAME.db.tmp: nothing can remove a file from a read-only directory.
	local tmps=0
	for f in "$dir"/*; do
		case "$f" in
		"$dir/*") ;;
		*.db) [ "$(q "$f" 'PRAGMA integrity_check')" = ok ] || fail "$1: $f damaged" ;;
		*.db.tmp) tmps=$((tmps + 1)) ;;
		*) fail "$1: '$(basename "$f")' left behind" ;;
		esac
	done
	[ "$tmps" -le 1 ] || fail "$1: $tmps temporary files left behind (at most the one in progress)"
	one_line "$1" "$WORK/err" "$dir" "Permission denied"
}
run exit-snapshot "sample=1"
run interval-snapshots "sample=1:interval=0.05"
echo "summary: $FAULTS read-only-directory faults injected, program unchanged, one line each"
