#!/usr/bin/env bash
# test-debug.sh: builds with ./configure --enable-debug (src/debug.h: the
# header comments' contracts -- lock held, guard held, never allocates --
# become assertions that abort) in build-debug/, a copy of the tree, and
# runs the whole test suite there: unit, tools and integration tests, the
# preload included. A copy, not a VPATH build: scripts/setup.sh configures
# the source tree in place, and automake refuses a VPATH build of a
# configured source tree (as for build-asan/ in test-sanitizers.sh).
#   scripts/test-debug.sh [make check arguments, e.g. TESTS=...]
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf build-debug
mkdir build-debug
# tracked and new (not ignored) files of the tree, without build products
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C build-debug
cd build-debug
autoreconf -fi >/dev/null 2>&1
./configure --enable-werror --enable-debug >/dev/null
grep -q '^#define HEAPSNAP_DEBUG 1' config.h || { echo "test-debug.sh: HEAPSNAP_DEBUG not defined" >&2; exit 1; }
make -j2 >/dev/null
make -j2 check "$@"
