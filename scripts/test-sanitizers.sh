#!/usr/bin/env bash
# test-sanitizers.sh: builds the unit tests with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ (a copy of the tree) and runs them.
# Only the unit tests: the preload cannot be loaded into sanitized programs
# (ASan must be first in the process and owns malloc itself), and programs
# under the preload cannot load a sanitized preload.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in clang libclang-rt-14-dev; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		[ "$(id -u)" = 0 ] || { echo "test-sanitizers.sh: need root to install $p" >&2; exit 1; }
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null || {
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
	fi
done
rm -rf build-asan
mkdir build-asan
# tracked and new (not ignored) files of the tree, without build products
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C build-asan
cd build-asan
autoreconf -fi >/dev/null 2>&1
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
./configure --enable-werror CC=clang CXX=clang++ CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" >/dev/null
make -C src schema_sql.h libjemalloc_private.a libiberty_private.a >/dev/null
# test_nomalloc defines malloc itself to count calls, and test_tstate
# pthread_setspecific to make it fail: not with ASan, which owns malloc and
# keeps its own per-thread state through pthread_setspecific.
units=$(cd tests && ls unit/test_*.c | sed 's/\.c$//' | grep -v -e '^unit/test_nomalloc$' -e '^unit/test_tstate$' | tr '\n' ' ')
# ASAN_OPTIONS: Check forks a child per test; leaks are checked in each.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
# test_dwarfres reads a fixture program of its own, built alongside.
make -C tests -j"$(nproc)" check check_PROGRAMS="$units unit/dwarfres_fixture" TESTS="$units"
