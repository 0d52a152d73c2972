#!/bin/sh
# Symbolizing a module without local debug info must never reach libdw's
# debuginfod client: a C++ program (libstdc++ has a build-id and, without
# libstdc++6-12-dbg, no local debug file) runs under the preload with interval
# snapshots and an exit snapshot, DEBUGINFOD_URLS pointing at a closed local
# port and HOME a fresh directory. Under strace (when it can trace here) it
# opens no inet socket and connects nowhere; while it runs, its maps hold no
# libdebuginfod, libcurl, libssl/libcrypto, libgnutls or libssh2; HOME stays
# empty (no .cache/debuginfod_client); and the exact totals stay sane: the
# exit snapshot's live_count is the program's (sample=1), and live_count and
# live_bytes are those of the interval snapshots (the program neither
# allocates nor frees in between). Before the fix, OpenSSL's blocks, allocated
# under the writer's guard and freed by its atexit handler, took live_count
# to about -285 and the program connected to 127.0.0.1:9.
. "$(dirname "$0")/lib.sh"
prog="$PROG/cxx_live"
[ -x "$prog" ] || { echo "harness: $prog not built"; exit 99; }

# The precondition: some library of the program has a build-id and no debug
# file under /usr/lib/debug/.build-id (else there is nothing to look up).
nodebug=
for lib in $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
	id=$(readelf -n "$lib" 2>/dev/null | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	[ -n "$id" ] || continue
	rest=${id#??}
	[ -e "/usr/lib/debug/.build-id/${id%"$rest"}/$rest.debug" ] || nodebug="$nodebug $lib"
done
[ -n "$nodebug" ] || { echo "skip: every library of cxx_live has local debug info"; exit 77; }
echo "libraries without local debug info:$nodebug"

mkdir "$WORK/home" "$WORK/out"
opts="sample=1:interval=0.2:out=$WORK/out"
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	tracer="strace -f -qq -e trace=connect,socket -o $WORK/strace -E LD_PRELOAD=$LIB -E HEAPSNAP_OPTIONS=$opts"
	# LD_PRELOAD only for the program, not for strace itself
	env -u XDG_CACHE_HOME -u DEBUGINFOD_CACHE_PATH HOME="$WORK/home" DEBUGINFOD_URLS=http://127.0.0.1:9/ \
		timeout 120 $tracer "$prog" "$WORK/stop" >"$WORK/stdout" 2>"$WORK/stderr" &
else
	echo "note: strace missing or cannot trace here (apt-get install strace): sockets not checked"
	env -u XDG_CACHE_HOME -u DEBUGINFOD_CACHE_PATH HOME="$WORK/home" DEBUGINFOD_URLS=http://127.0.0.1:9/ \
		LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts" \
		timeout 120 "$prog" "$WORK/stop" >"$WORK/stdout" 2>"$WORK/stderr" &
fi
runner=$!
stop() { touch "$WORK/stop"; wait "$runner"; }
count() { ls "$WORK/out"/heapsnap.cxx_live.*.db 2>/dev/null | wc -l; }
# ready, then two interval snapshots begun after it (bounded: 60 s). Files
# are complete when they appear and a snapshot begins after the previous one
# is renamed: with n0 files seen after ready, seq n0 + 2 on begun after it.
i=0
until [ "$(cat "$WORK/stdout")" = ready ]; do
	i=$((i + 1))
	[ $i -le 600 ] || { stop; fail "cxx_live never printed ready (stderr: $(cat "$WORK/stderr"))"; }
	sleep 0.1
done
n0=$(count)
until [ "$(count)" -ge $((n0 + 3)) ]; do
	i=$((i + 1))
	[ $i -le 1200 ] || { stop; fail "no two interval snapshots after ready ($(count) files, $n0 at ready)"; }
	sleep 0.1
done
db=$(last_snapshot "$WORK/out")
pid=$(q "$db" "SELECT value FROM meta WHERE key='pid'")
[ -r "/proc/$pid/maps" ] || { stop; fail "pid $pid of $(basename "$db") is not running"; }
libs=$(awk '{ print $6 }' "/proc/$pid/maps" | sed 's,.*/,,' | sort -u |
	grep -E '^lib(debuginfod|curl|ssl|crypto|gnutls|ssh2)[-.]')
stop || fail "cxx_live: exit status $? (stderr: $(cat "$WORK/stderr"))"
[ -z "$libs" ] || fail "loaded into the program while it ran: $(echo $libs)"

if [ -f "$WORK/strace" ]; then
	net=$(grep -E 'connect\(|socket\(AF_INET6?,' "$WORK/strace")
	[ -z "$net" ] || fail "the program opened sockets or connected: $(printf '%s\n' "$net" | head -n 3)"
fi
left=$(find "$WORK/home" -mindepth 1 | head -n 3)
[ -z "$left" ] || fail "files written under HOME: $left"

last=$(last_snapshot "$WORK/out")
[ "$(q "$last" "SELECT value FROM meta WHERE key='trigger'")" = exit ] || fail "last snapshot is not the exit snapshot"
m() { q "$1" "SELECT value FROM meta WHERE key='$2'"; }
# The program's own blocks: 1000 x 48, a vector (24 + 4000), 100 strings
# (32 + 101 each), all through libstdc++'s operator new.
own=$(q "$last" "SELECT sum(live_count) || ' ' || sum(live_bytes) FROM sites WHERE stack_id IN
	(SELECT stack_id FROM v_stack_frames WHERE function IN ('keep_objects()', 'keep_vector()', 'keep_strings()'))")
[ "$own" = "1202 65324" ] || fail "exit snapshot: blocks of keep_* are '$own', expected '1202 65324' (count, bytes)"
live=$(m "$last" live_count)
bytes=$(m "$last" live_bytes)
table=$(m "$last" sampled_live_count)
[ "$live" -ge 0 ] || fail "exit snapshot: meta.live_count is $live"
# The program's live blocks, exactly: its 1202 and stdout's buffer (printf);
# libunwind's TLS block is the tracker's and counted nowhere.
[ "$table" = 1203 ] || fail "exit snapshot: $table live blocks recorded (sample=1), expected 1203 (1202 + stdout's buffer)"
[ "$live" = 1203 ] || fail "exit snapshot: meta.live_count is $live, expected 1203, the blocks recorded"
compared=0
for db in $(ls "$WORK/out"/heapsnap.cxx_live.*.db | sort); do
	[ "$db" = "$last" ] || [ "$(m "$db" seq)" -lt $((n0 + 2)) ] && continue
	compared=$((compared + 1))
	[ "$(m "$db" live_count) $(m "$db" live_bytes)" = "$live $bytes" ] ||
		fail "$(basename "$db"): live_count, live_bytes '$(m "$db" live_count) $(m "$db" live_bytes)', exit snapshot '$live $bytes'"
done
[ "$compared" -ge 2 ] || fail "$compared interval snapshots after ready to compare with the exit snapshot"
echo "ok: no debuginfod, no sockets, nothing under HOME; live_count $live ($table recorded) in every snapshot"
