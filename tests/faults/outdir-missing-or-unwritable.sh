#!/bin/sh
# The output directory does not exist, or is not writable by the (not
# root) user: the program's
# output and exit status are unchanged and heapsnap says so in exactly one
# line naming the directory and the cause.
. "$(dirname "$0")/lib.sh"

got=$(run_preloaded "sample=1:out=$WORK/missing" "$HOLD" "$WORK/go" 2>"$WORK/err"; echo "status $?")
same_output missing "$got"
one_line missing "$WORK/err" "$WORK/missing" "No such file or directory"

command -v setpriv >/dev/null || { echo "SKIP: setpriv missing (util-linux): unwritable cases not run"; exit 77; }
chmod 755 "$WORK"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody test -x "$HOLD" -a -r "$LIB" ||
	{ echo "SKIP: user 65534 cannot run $HOLD or read $LIB (build tree not world-readable)"; exit 77; }
# The reference as that user too (it is what the traced runs must match).
REF=$(nobody "$HOLD" "$WORK/go" 2>&1; echo "status $?")

mkdir "$WORK/rootonly"
got=$(nobody env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/rootonly" "$HOLD" "$WORK/go" 2>"$WORK/err"; echo "status $?")
same_output unwritable "$got"
one_line unwritable "$WORK/err" "$WORK/rootonly" "Permission denied"
[ -z "$(ls "$WORK/rootonly")" ] || fail "unwritable: files appeared in the directory: $(ls "$WORK/rootonly")"

echo "summary: $FAULTS output-directory faults injected (missing, unwritable by the user), program unchanged, one line each"
