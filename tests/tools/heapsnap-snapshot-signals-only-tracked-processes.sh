#!/bin/sh
# heapsnap-snapshot-signals-only-tracked-processes.sh: heapsnap snapshot
# refuses (exit 3) a process without libheapsnap mapped and leaves it
# alive, refuses one whose HEAPSNAP_OPTIONS disable or break the signal,
# sends the configured signal (signal= in the process's environment) to a
# tracked one, and treats a bad pid as a usage error (exit 1).
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

expect_rc 1 "$HEAPSNAP" snapshot
expect_rc 1 "$HEAPSNAP" snapshot 12x
expect_err "heapsnap: snapshot: invalid process id '12x'"
expect_rc 3 "$HEAPSNAP" snapshot 2147483647
expect_err "heapsnap: no process with pid 2147483647"

sleep 30 &
untracked=$!
expect_rc 3 "$HEAPSNAP" snapshot $untracked
expect_err "heapsnap: process $untracked does not have libheapsnap loaded"
kill -0 $untracked 2>/dev/null || fail "the untracked process was signalled"
kill $untracked

# A tracked process: any shared object named libheapsnap*.so in its maps.
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler to build a stand-in libheapsnap.so"
echo 'int heapsnap_test_standin;' >"$tmp/standin.c"
"$cc" -shared -fPIC -o "$tmp/libheapsnap.so" "$tmp/standin.c" || harness_error "cc failed"

start() {  # start OPTIONS: a shell that records USR1 in $tmp/got
	rm -f "$tmp/got"
	LD_PRELOAD=$tmp/libheapsnap.so HEAPSNAP_OPTIONS=$1 sh -c '
		trap "echo USR1 >\"$0/got\"; exit 0" USR1
		i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done' "$tmp" &
	tracked=$!
	# Wait until the shell has its trap set (its maps show the library early).
	sleep 0.5
}

start "signal=USR1:out=$tmp"
expect_rc 0 "$HEAPSNAP" snapshot $tracked
grep -q "^sent SIGUSR1 to process $tracked; its snapshot goes to '$tmp'$" "$tmp/out" ||
	fail "unexpected stdout: $(cat "$tmp/out")"
wait $tracked
[ -f "$tmp/got" ] || fail "the process did not get SIGUSR1"

start "signal=0"
expect_rc 3 "$HEAPSNAP" snapshot $tracked
expect_err "heapsnap: process $tracked has no snapshot signal (signal=0 in its HEAPSNAP_OPTIONS)"
start_bad=$tracked
start "signal=bogus"
expect_rc 3 "$HEAPSNAP" snapshot $tracked
expect_err "heapsnap: process $tracked has invalid HEAPSNAP_OPTIONS, so its tracker is off: bad option 'signal=bogus'"
kill $start_bad $tracked 2>/dev/null
[ -f "$tmp/got" ] && fail "a process without a usable signal was signalled"
exit 0
