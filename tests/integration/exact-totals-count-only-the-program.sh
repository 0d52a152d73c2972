#!/bin/sh
# Exact totals count the program's allocations alone: with sample=1, a
# program whose only kept block is one malloc shows meta.live_count 1 and
# live_bytes its usable size; threads that each keep one block add exactly
# one block each (the tracker's own memory, such as libunwind's per-thread
# TLS block, is never counted, also when glibc frees it on another thread
# as it reuses a thread stack). In exact mode every live block is in the
# allocs table too.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }
meta() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }

for unwinder in libunwind fp; do
	mkdir "$WORK/main-$unwinder"
	out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:unwinder=$unwinder:out=$WORK/main-$unwinder" \
		"$PROG/exact_one") || fail "exact_one: status $?"
	usable=$(echo "$out" | sed -n 's/^usable \([0-9]*\) count 1$/\1/p')
	[ -n "$usable" ] || fail "exact_one printed '$out'"
	db=$(last_snapshot "$WORK/main-$unwinder")
	[ -n "$db" ] || fail "no snapshot"
	got="$(meta live_count) $(meta live_bytes)"
	[ "$got" = "1 $usable" ] || fail "unwinder=$unwinder, one kept malloc: meta live_count, live_bytes '$got', expected '1 $usable'"
	[ "$(meta sampled_live_count)" = 1 ] || fail "sampled_live_count '$(meta sampled_live_count)', expected 1"
done

# live_count and live_bytes: idle threads against threads keeping one block each.
totals() {
	mkdir "$WORK/$1"
	timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/$1" \
		"$PROG/exact_one" "$1" 8 > "$WORK/$1.out" || fail "exact_one $1: status $?"
	db=$(last_snapshot "$WORK/$1")
	[ -n "$db" ] || fail "exact_one $1: no snapshot"
	[ "$(meta live_count)" = "$(meta sampled_live_count)" ] ||
		fail "exact_one $1: meta.live_count $(meta live_count), but $(meta sampled_live_count) live blocks recorded"
	echo "$(meta live_count) $(meta live_bytes)"
}
set -- $(totals idle) $(totals threads)
usable=$(sed -n 's/^usable \([0-9]*\) count 8$/\1/p' "$WORK/threads.out")
[ -n "$usable" ] || fail "exact_one threads printed '$(cat "$WORK/threads.out")'"
[ $(($3 - $1)) -eq 8 ] || fail "8 threads keeping one block each added $(($3 - $1)) to meta.live_count"
[ $(($4 - $2)) -eq $((8 * usable)) ] ||
	fail "8 threads keeping one $usable B block each added $(($4 - $2)) B to meta.live_bytes"
echo "ok: exact totals count the program's blocks alone"
