#!/usr/bin/env bash
# test-sanitizers.sh: builds the unit tests with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ (a copy of the tree) and runs them.
# Only the unit tests: the preload cannot be loaded into sanitized programs
# (ASan must be first in the process and owns malloc itself), and programs
# under the preload cannot load a sanitized preload.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/sanitizer-tree.sh
sanitizer_tree build-asan "-fsanitize=address,undefined -fno-sanitize-recover=all"
# test_nomalloc defines malloc itself to count calls, and test_tstate
# pthread_setspecific to make it fail: not with ASan, which owns malloc and
# keeps its own per-thread state through pthread_setspecific.
units=$(cd tests && ls unit/test_*.c | sed 's/\.c$//' | grep -v -e '^unit/test_nomalloc$' -e '^unit/test_tstate$' | tr '\n' ' ')
# ASAN_OPTIONS: Check forks a child per test; leaks are checked in each.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
# test_dwarfres reads a fixture program of its own, built alongside.
make -C tests -j"$(nproc)" check check_PROGRAMS="$units unit/dwarfres_fixture" TESTS="$units"
