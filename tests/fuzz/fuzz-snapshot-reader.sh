#!/bin/sh
# fuzz-snapshot-reader.sh: bounded mutation fuzzing of the snapshot reader
# (fuzz-snapshots.py) over the tool fixtures, schema versions 1, 2 and 3, and
# a real snapshot of prog/export_leak when the preload is built. No run may
# die of a signal or hang; a crasher is saved under $FUZZ_OUT (default: the
# test's own temporary directory, printed) to be added to
# tests/fuzz/corpus/, where fuzz-replay-corpus.sh replays it for ever.
# FUZZ_SECONDS bounds the time (default 20 s; the whole test stays < 60 s).
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 missing"
SCHEMA_NOW=$SCHEMA
SCHEMA=$srcdir/tools/schema-v1.sql
fixture demo1 && mv "$tmp/demo1.db" "$tmp/v1-demo1.db"
SCHEMA=$srcdir/tools/schema-v2.sql
fixture demo3 && mv "$tmp/demo3.db" "$tmp/v2-demo3.db"
SCHEMA=$SCHEMA_NOW
fixture demo1; fixture demo3; fixture other
seeds="$tmp/v1-demo1.db $tmp/v2-demo3.db $tmp/demo1.db $tmp/demo3.db $tmp/other.db"
lib=$top_builddir/src/.libs/libheapsnap.so prog=$top_builddir/tests/prog/export_leak
if [ -f "$lib" ] && [ -x "$prog" ]; then
	mkdir "$tmp/real"
	LD_PRELOAD=$lib HEAPSNAP_OPTIONS="sample=1:symbolize=full:out=$tmp/real" "$prog" 20 ||
		harness_error "export_leak under the preload exited $?"
	seeds="$seeds $(ls "$tmp"/real/*.db)"
fi
out=${FUZZ_OUT:-$tmp/crashers}
HEAPDIFF=$HEAPDIFF HEAPSNAP=$HEAPSNAP FUZZ_SECONDS=${FUZZ_SECONDS:-20} \
	python3 "$srcdir/fuzz/fuzz-snapshots.py" "$out" $seeds || {
	ls "$out" >&2
	[ -n "${FUZZ_OUT:-}" ] || cp -r "$out" "${TMPDIR:-/tmp}/heapsnap-fuzz-crashers.$$" &&
		echo "crashers copied to ${TMPDIR:-/tmp}/heapsnap-fuzz-crashers.$$" >&2
	fail "the fuzzer found crashes"
}
exit 0
