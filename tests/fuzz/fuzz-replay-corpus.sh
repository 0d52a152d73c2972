#!/bin/sh
# fuzz-replay-corpus.sh: every file of tests/fuzz/corpus/ (crashers the
# fuzzer found, kept as regression files, and hand-made bad inputs) is
# given to heapdiff, heapsnap info and heapsnap export, each under a
# timeout: none may die of a signal or hang; each either works or exits
# with a documented error status (< 128).
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
fixture demo1
n=0
for f in "$srcdir"/fuzz/corpus/*.db; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	for cmd in "$HEAPDIFF $tmp/demo1.db $f" "$HEAPDIFF --json --all $f $tmp/demo1.db" \
		"$HEAPDIFF --folded --svg $tmp/g.svg $tmp/demo1.db $f" "$HEAPSNAP info --top 0 $f" \
		"$HEAPSNAP export --pprof $tmp/p.pb.gz --heapprofile $tmp/h.json --base $tmp/demo1.db $f"; do
		# shellcheck disable=SC2086
		timeout 20 $cmd >/dev/null 2>"$tmp/err"
		rc=$?
		[ "$rc" -lt 124 ] || { cat "$tmp/err" >&2; fail "'$cmd' exited $rc (crash or hang)"; }
	done
done
echo "replayed $n corpus files"
exit 0
