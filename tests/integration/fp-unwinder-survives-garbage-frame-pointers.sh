#!/bin/sh
# unwinder=fp on code that keeps no frame pointers: garbage in rbp (-8,
# unaligned, outside the stack, near its top) must neither crash nor hang.
. "$(dirname "$0")/lib.sh"
for unwinder in fp libunwind; do
	out=$(run_preloaded "sample=1:unwinder=$unwinder:out=$WORK" "$PROG/bad_frame_pointers") ||
		fail "$unwinder: exit status $?"
	[ "$out" = "bad_frame_pointers: 14 values survived" ] || fail "$unwinder: output '$out'"
done
echo "ok: garbage frame pointers survived"
