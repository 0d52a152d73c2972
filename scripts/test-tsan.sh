#!/usr/bin/env bash
# test-tsan.sh: builds the concurrency unit tests of the shadow tables (the
# live table and the stack table, hammered by several threads) with clang's
# ThreadSanitizer in build-tsan/ (a copy of the tree) and runs them.
# Only those unit tests: a preload cannot run under TSan (the TSan runtime
# must be first in the process and intercepts malloc and pthread itself),
# and the other unit tests are single-threaded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/sanitizer-tree.sh
sanitizer_tree build-tsan "-fsanitize=thread"
units="unit/test_livetab unit/test_stacktab"
# halt_on_error and exitcode: a race fails the test (Check runs each test in
# a forked child, which TSan watches as well).
# report_mutex_bugs=0: jemalloc spins on pthread_mutex_trylock of mutexes
# TSan believes it already holds ("double lock"), a misreading of its
# uninstrumented lock protocol. Data races are still reported.
# detect_deadlocks=0: the live table grows with every one of its 64 stripe
# locks held (in one order, as fork does), and TSan's deadlock detector
# cannot track more than 64 held locks (CHECK failed in
# sanitizer_deadlock_detector.h). Races are still detected; the stripes
# are always taken in index order (livetab.c grow, livetab_prefork).
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:report_mutex_bugs=0:detect_deadlocks=0:suppressions=$PWD/tests/tsan.supp"
make -C tests -j"$(nproc)" check check_PROGRAMS="$units" TESTS="$units"
