#!/bin/sh
# The allocator's semantics (errno on success, overflow, bad alignment, zero
# sizes, NULL arguments, usable sizes, alignment) are the same under the
# preload, at sample=1 and at the default rate.
. "$(dirname "$0")/lib.sh"
"$PROG/semantics" >"$WORK/ref" 2>&1 || fail "semantics without the preload: exit status $?"
grep -q ' no$' "$WORK/ref" && { echo "harness: the C library itself fails a check:"; grep ' no$' "$WORK/ref"; exit 99; }
for opts in "sample=1" "" "sample=4096:unwinder=fp"; do
	mkdir "$WORK/o$$"
	run_preloaded "${opts:+$opts:}out=$WORK/o$$" "$PROG/semantics" >"$WORK/got" 2>&1 ||
		fail "semantics under the preload ($opts): exit status $?"
	diff "$WORK/ref" "$WORK/got" >"$WORK/diff" || fail "output differs under the preload ($opts): $(cat "$WORK/diff")"
	[ -n "$(last_snapshot "$WORK/o$$")" ] || fail "($opts): no snapshot: the preload did not run"
	rm -rf "$WORK/o$$"
done
echo "ok: $(wc -l <"$WORK/ref") semantic checks identical with and without the preload"
