#!/bin/sh
# leak-gate.sh: run a test suite under heapsnap (every allocation recorded,
# --sample 1) and fail when it leaks: the CI use of heapdiff's gate.
#
# Usage: leak-gate.sh [--growth BYTES] [--] CMD [ARGS...]
#   CMD is the test suite. Its snapshots (the suite may take one per test
#   round with heapsnap_snapshot(), see test-suite.c; heapsnap run adds one
#   at exit) go to a fresh directory, then
#     heapdiff --fail-on-leak --fail-on-growth BYTES DIR
#   prints the trend report and exits 5 when a site's verdict is leak or the
#   exact live heap grew more than BYTES (default 64K) from the first
#   snapshot to the last.
# Exit status: the suite's own when it failed, heapdiff's otherwise (0 pass,
# 5 the gate failed). HEAPSNAP and HEAPDIFF name the tools (default: from
# PATH). In CI:  sh examples/leak-gate.sh -- ./run-tests
set -u
growth=64K
while [ $# -gt 0 ]; do
	case $1 in
	--growth) growth=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: leak-gate.sh [--growth BYTES] [--] CMD [ARGS...]" >&2; exit 1; }
: "${HEAPSNAP:=heapsnap}" "${HEAPDIFF:=heapdiff}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/leak-gate.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
"$HEAPSNAP" run -o "$dir" --sample 1 -- "$@" || exit $?
"$HEAPDIFF" --fail-on-leak --fail-on-growth "$growth" "$dir"
