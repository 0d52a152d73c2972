#!/usr/bin/env bash
# fuzz-libfuzzer.sh: libFuzzer over the snapshot reader (tools/snapread.c,
# what every tool runs on a file it is given), built with clang, ASan and
# UBSan in build-fuzz/, for a bounded time: FUZZ_SECONDS (default 60).
# Seeds: every regression file in tests/fuzz/corpus/, the tool fixtures
# (schema versions 1 and 2), and a real snapshot of tests/prog/export_leak
# when the preload is built (scripts/test.sh builds it first in CI).
# A crash, a leak, a sanitizer report or a hang fails the run; the input
# that did it is left in build-fuzz/crashers/: copy it to tests/fuzz/corpus/
# (git add -f: *.db is ignored), where fuzz-replay-corpus.sh replays it on
# every make check and this script starts from it.
# Writes build-fuzz/test-suite.log with automake's "# PASS:"/"# FAIL:"
# lines, so that .ci/run counts it as one test.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=build-fuzz
missing=
command -v clang >/dev/null 2>&1 || missing="$missing clang"
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
	missing="$missing libclang-rt-14-dev"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
[ -f /usr/include/sqlite3.h ] || missing="$missing libsqlite3-dev"
if [ -n "$missing" ]; then
	echo "fuzz-libfuzzer: installing$missing"
	apt-get install -y -q $missing >/dev/null
fi
rm -rf "$out"
mkdir -p "$out/seeds" "$out/work" "$out/crashers"
clang -std=gnu11 -g -O1 -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Itools tests/fuzz/fuzz_snapread.c tools/snapread.c tools/msgs.c tools/fmt.c \
	-lsqlite3 -o "$out/fuzz_snapread"
cp tests/fuzz/corpus/*.db "$out/seeds/"
for f in demo1 demo3 other; do
	sh tests/tools/mkfixture.sh src/schema.sql "$out/seeds/v2-$f.db" "$f"
done
sh tests/tools/mkfixture.sh tests/tools/schema-v1.sql "$out/seeds/v1-demo1.db" demo1
if [ -f src/.libs/libheapsnap.so ] && [ -x tests/prog/export_leak ]; then
	mkdir "$out/real"
	LD_PRELOAD=$PWD/src/.libs/libheapsnap.so HEAPSNAP_OPTIONS="sample=1:out=$out/real" \
		tests/prog/export_leak 20
	cp "$out"/real/*.db "$out/seeds/"
fi
echo "fuzz-libfuzzer: $(ls "$out/seeds" | wc -l) seeds, $secs s"
rc=0
# -close_fd_mask=2: the reader's own error messages stay out of the log
ASAN_OPTIONS=detect_leaks=1 timeout $((secs + 120)) "$out/fuzz_snapread" \
	-max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -close_fd_mask=2 \
	-artifact_prefix="$out/crashers/" "$out/work" "$out/seeds" >"$out/fuzz.log" 2>&1 || rc=$?
grep -E '^Done [0-9]+ runs' "$out/fuzz.log" || true
if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$out/crashers")" ]; then
	tail -n 40 "$out/fuzz.log"
	echo "fuzz-libfuzzer: FAIL (exit $rc): inputs in $out/crashers/: $(ls "$out/crashers" | tr '\n' ' ')"
	echo "  add each to tests/fuzz/corpus/ (git add -f) once the reader is fixed"
	printf '# TOTAL: 1\n# PASS:  0\n# FAIL:  1\n' >"$out/test-suite.log"
	exit 1
fi
printf '# TOTAL: 1\n# PASS:  1\n# FAIL:  0\n' >"$out/test-suite.log"
echo "fuzz-libfuzzer: PASS: no crash, leak or sanitizer report in $secs s"
