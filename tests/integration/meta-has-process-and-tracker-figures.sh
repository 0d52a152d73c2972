#!/bin/sh
# A snapshot of a running process holds the process facts and the tracker's
# own figures (heapsnap-snapshot(5)): hostname (equal to uname -n), the pid
# namespace, the process's start time, the tracker's CPU time, glibc's
# mallinfo2 figures (the program runs on glibc malloc: in use > 0), the
# sampled live bytes and the coverage of the exact live bytes (between 0
# and a few), the full options string and samples_dropped.
. "$(dirname "$0")/lib.sh"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK:sample=4096" "$PROG/leak_steadily" &
pid=$!
i=0
until "$HEAPSNAP" status "$pid" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no control channel"; sleep 0.1
done
sleep 0.5 # some leaked blocks
db=$(timeout 60 "$HEAPSNAP" snapshot --wait "$pid") || fail "snapshot --wait failed"
[ -f "$db" ] || fail "snapshot --wait printed '$db'"
m() { q "$db" "SELECT value FROM meta WHERE key='$1'"; }
[ "$(m hostname)" = "$(uname -n)" ] || fail "hostname '$(m hostname)', uname -n '$(uname -n)'"
[ "$(m pid_namespace)" = "$(readlink /proc/$pid/ns/pid)" ] || fail "pid_namespace '$(m pid_namespace)'"
# sane numbers, checked by SQLite on the typed values
check() {
	[ "$(q "$db" "SELECT ($2) FROM meta WHERE key='$1'")" = 1 ] ||
		fail "$1 = '$(m "$1")' fails $2"
}
check tracker_cpu_seconds "typeof(value)='real' AND value >= 0"
check process_start_time "typeof(value)='real' AND value > 1e9 AND value <= (SELECT value FROM meta WHERE key='time')"
check mallinfo_in_use "typeof(value)='integer' AND value > 0"
check mallinfo_arena "typeof(value)='integer' AND value > 0"
check mallinfo_free "typeof(value)='integer' AND value >= 0"
check mallinfo_mmapped "typeof(value)='integer' AND value >= 0"
check sampled_live_bytes "typeof(value)='integer' AND value = (SELECT sum(weight_bytes) FROM allocations)"
check coverage "typeof(value)='real' AND value > 0 AND value < 4"
check samples_dropped "typeof(value)='integer' AND value = 0"
opts=$(m options)
for k in out= sample=4096 depth= unwinder= max_tracker_bytes=; do
	case "$opts" in *"$k"*) ;; *) fail "options '$opts' lacks $k" ;; esac
done
exit 0
