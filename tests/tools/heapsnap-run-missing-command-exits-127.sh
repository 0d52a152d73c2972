#!/bin/sh
# heapsnap-run-missing-command-exits-127.sh: like a shell, heapsnap run
# exits 127 with "heapsnap: cannot run 'CMD': No such file or directory"
# when CMD does not exist (by path or on PATH), and 126 when it exists but
# cannot be executed.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

: >"$tmp/libheapsnap.so"   # never loaded: exec fails first
HEAPSNAP_LIB=$tmp/libheapsnap.so
export HEAPSNAP_LIB

expect_rc 127 "$HEAPSNAP" run -o "$tmp/snaps" -- "$tmp/no-such-program" arg
expect_err "heapsnap: cannot run '$tmp/no-such-program': No such file or directory"
[ -s "$tmp/out" ] && fail "stdout not empty"

expect_rc 127 "$HEAPSNAP" run -o "$tmp/snaps" -- heapsnap-no-such-command-$$
expect_err "heapsnap: cannot run 'heapsnap-no-such-command-$$': No such file or directory"

echo 'echo hi' >"$tmp/not-executable"
chmod 644 "$tmp/not-executable"
expect_rc 126 "$HEAPSNAP" run -o "$tmp/snaps" -- "$tmp/not-executable"
expect_err "heapsnap: cannot run '$tmp/not-executable': Permission denied"
exit 0
