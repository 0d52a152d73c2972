#!/bin/sh
# The output directory is on a full filesystem (a 1 MiB tmpfs, empty, so
# that the multi-MB exact-mode snapshots cannot fit, or filled up before
# the program starts), or is removed while the program runs: the program's
# output and exit status are unchanged, heapsnap says so in exactly one
# line naming the cause, and nothing but complete snapshots is left.
. "$(dirname "$0")/lib.sh"

# check_dir NAME DIR: only whole snapshots in DIR, no .tmp.
check_dir() {
	for f in "$2"/*; do
		case "$f" in
		"$2/*") ;;
		*.db) [ "$(q "$f" 'PRAGMA integrity_check')" = ok ] || fail "$1: $f damaged" ;;
		*) case "$(basename "$f")" in fill) ;; *) fail "$1: '$(basename "$f")' left behind" ;; esac ;;
		esac
	done
}

# Removed during the run: interval snapshots are being written, then the
# directory disappears; the later ones and the exit snapshot fail.
mkdir "$WORK/gone"
rm -f "$WORK/go"
timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.05:out=$WORK/gone" \
	"$HOLD" "$WORK/go" >"$WORK/out" 2>"$WORK/err" &
pid=$!
wait_for_snapshot "$WORK/gone"
# the writer may create a .tmp between rm's unlinks and its rmdir
# ("Directory not empty"): try again, a bounded number of times
i=0
until rm -rf "$WORK/gone" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "removed: cannot remove $WORK/gone"; sleep 0.01
done
touch "$WORK/go"
wait "$pid"
same_output removed "$(cat "$WORK/out"; echo "status $?")"
one_line removed "$WORK/err" "$WORK/gone" "No such file or directory"
[ ! -e "$WORK/gone" ] || fail "removed: the tracker re-created the directory"

mkdir "$WORK/small"
if ! mount -t tmpfs -o size=1m heapsnap-test "$WORK/small" 2>"$WORK/mount.err"; then
	echo "SKIP: full-filesystem cases not run: mount -t tmpfs is not permitted here: $(cat "$WORK/mount.err")"
	echo "summary: $FAULTS faults injected (removed during the run), program unchanged, one line each"
	exit 77
fi
trap 'umount "$WORK/small"; rm -rf "$WORK"' EXIT

# Empty but too small: every exact-mode snapshot (a few MB) hits ENOSPC.
got=$(run_preloaded "sample=1:interval=0.05:out=$WORK/small" "$HOLD" "$WORK/go" 2>"$WORK/err"; echo "status $?")
same_output "too small" "$got"
one_line "too small" "$WORK/err" "$WORK/small" "No space left on device"
check_dir "too small" "$WORK/small"
rm -f "$WORK/small"/*

# Full before the start (the directory is writable, so tracking starts):
# even a small sampled snapshot fails.
dd if=/dev/zero of="$WORK/small/fill" bs=4k 2>/dev/null
got=$(run_preloaded "out=$WORK/small" "$HOLD" "$WORK/go" 2>"$WORK/err"; echo "status $?")
same_output full "$got"
one_line full "$WORK/err" "$WORK/small" "No space left on device"
check_dir full "$WORK/small"
echo "summary: $FAULTS output-directory faults injected (removed during the run, too small, full), program unchanged, one line each"
