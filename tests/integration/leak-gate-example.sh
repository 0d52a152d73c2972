#!/bin/sh
# leak-gate-example.sh: examples/leak-gate.sh, the CI leak gate, runs the
# example test suite under heapsnap run --sample 1 and heapdiff's gate:
# with the suite's --leak bug (32 KiB a round never freed by parse_token)
# the gate fails with exit 5 and names test_parser's call site as a leak;
# without it the gate passes (exit 0). timeout bounds each run.
. "$(dirname "$0")/lib.sh"
SUITE="$top_builddir/examples/test-suite"
GATE="$top_srcdir/examples/leak-gate.sh"
[ -x "$SUITE" ] || { echo "harness: $SUITE not built"; exit 99; }
export HEAPSNAP HEAPDIFF
HEAPSNAP_LIB="$LIB"; export HEAPSNAP_LIB

timeout 120 sh "$GATE" -- "$SUITE" --leak >"$WORK/leak.out" 2>"$WORK/leak.err"
rc=$?
cat "$WORK/leak.out" "$WORK/leak.err"
[ $rc = 5 ] || fail "leaking suite: gate exited $rc, expected 5"
grep -q "gate failed: site 'parse_token" "$WORK/leak.err" || fail "the gate does not name parse_token"
grep -q '^leak .*parse_token' "$WORK/leak.out" || fail "parse_token is not a leak in the report"

timeout 120 sh "$GATE" -- "$SUITE" >"$WORK/clean.out" 2>"$WORK/clean.err"
rc=$?
cat "$WORK/clean.out" "$WORK/clean.err"
[ $rc = 0 ] || fail "clean suite: gate exited $rc, expected 0"
grep -q '^sites: 0 leak' "$WORK/clean.out" || fail "clean suite: the report shows a leak"
exit 0
