# lib.sh: shared helpers of the integration tests (sourced).
# Exit codes: 0 pass, 77 skip, 99 harness error (automake's test driver).
set -u
: "${top_builddir:?run through make check}"
LIB="$top_builddir/src/.libs/libheapsnap.so"
PROG="$top_builddir/tests/prog"
HEAPDIFF="$top_builddir/tools/heapdiff"
HEAPSNAP="$top_builddir/tools/heapsnap"
[ -f "$LIB" ] || { echo "harness: $LIB not built"; exit 99; }
command -v sqlite3 >/dev/null || { echo "harness: sqlite3 CLI missing (apt-get install sqlite3)"; exit 99; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/heapsnap-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
# q DB SQL: one value from a snapshot.
q() { sqlite3 -batch -noheader "$1" "$2"; }
# run_preloaded OPTIONS CMD...: runs CMD with the preload and HEAPSNAP_OPTIONS.
run_preloaded() {
	local opts=$1; shift
	LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts" "$@"
}
# last_snapshot DIR: newest snapshot file of DIR (names sort by sequence).
last_snapshot() { ls "$1"/heapsnap.*.db 2>/dev/null | sort | tail -n 1; }
