#!/usr/bin/env bash
# test.sh: the README's second command. Installs what is missing, builds
# with -Werror and runs the whole test suite (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --werror
status=0
make -j"$(nproc)" check || status=$?
if [ "$status" != 0 ]; then
	# show the logs of what failed: CI keeps only this output
	for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' tests/*/*.trs tests/*.trs 2>/dev/null); do
		echo "---- ${log%.trs}.log"
		cat "${log%.trs}.log"
	done
fi
grep -h -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' tests/test-suite.log 2>/dev/null | tr '\n' ' '; echo
exit "$status"
