#!/bin/sh
# Signal handlers that free, malloc or fork while their thread is inside the
# tracker (timer signals at a high rate, sample=1): the program finishes
# (each run bounded by timeout: 124 is a deadlock), and in exact mode the
# totals balance once everything is freed (no free skipped, no phantom
# live entry), also with the fp unwinder.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }
meta() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }
for unwinder in libunwind fp; do
	dir="$WORK/free-$unwinder"
	mkdir "$dir"
	out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$unwinder:out=$dir" \
		"$PROG/sigstorm" free 3000 2>"$dir.err") || fail "free, $unwinder: status $? (124 = deadlock), stderr: $(cat "$dir.err")"
	[ "$out" = "sigstorm: done 3000" ] || fail "free, $unwinder: printed '$out'"
	[ ! -s "$dir.err" ] || fail "free, $unwinder: stderr: $(cat "$dir.err")"
	db=$(last_snapshot "$dir")
	[ -n "$db" ] || fail "free, $unwinder: no snapshot"
	got="$(meta live_count) $(meta live_bytes) $(meta sampled_live_count)"
	[ "$got" = "0 0 0" ] || fail "free, $unwinder: everything freed, but live_count, live_bytes, sampled_live_count are '$got'"
done
dir="$WORK/fork"
mkdir "$dir"
out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$dir" \
	"$PROG/sigstorm" fork 300 2>"$dir.err") || fail "fork: status $? (124 = deadlock)"
[ "$out" = "sigstorm: done 300" ] || fail "fork: printed '$out'"
# the parent never says anything; a child forked inside the tracker may say once that it runs untracked
others=$(grep -v '^heapsnap: fork() in a signal handler that interrupted heapsnap' "$dir.err" | head -3)
[ -z "$others" ] || fail "fork: stderr: $others"
db=$(ls "$dir"/heapsnap.sigstorm.*.db | head -1)
[ -n "$db" ] || fail "fork: no snapshot of the parent"
echo "ok: signal handlers freeing and forking inside the tracker: no deadlock, totals balance"
