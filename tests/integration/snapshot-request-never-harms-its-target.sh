#!/bin/sh
# heapsnap snapshot PID reaches the tracker through its control channel and
# never signals: a process whose tracker is off, an untraced one, and one
# whose program took SIGUSR2 for itself after start-up all survive it (the
# first two are refused with a clear message, exit 3; the last gets its
# snapshot and its own handler never runs). --wait prints a complete file.
# Another user is refused by the tracker itself (SO_PEERCRED), and 10,000
# malformed or oversized requests leave the host's output and exit status
# those of an untraced run.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 needed to speak raw to the channel"; exit 77; }
# expect RC CMD...: runs CMD, stdout to $WORK/out, stderr to $WORK/err.
expect() {
	want=$1; shift
	"$@" >"$WORK/out" 2>"$WORK/err"; got=$?
	[ "$got" = "$want" ] || fail "'$*': exit $got, expected $want; stderr: $(cat "$WORK/err")"
}

expect 1 "$HEAPSNAP" snapshot
expect 1 "$HEAPSNAP" snapshot 12x
grep -q "invalid process id '12x'" "$WORK/err" || fail "bad pid message: $(cat "$WORK/err")"
expect 1 "$HEAPSNAP" snapshot --bogus 1
expect 3 "$HEAPSNAP" snapshot 2147483647
grep -q "no process with pid 2147483647" "$WORK/err" || fail "$(cat "$WORK/err")"

# untraced
sleep 30 &
untraced=$!
expect 3 "$HEAPSNAP" snapshot "$untraced"
grep -q "process $untraced is not traced by heapsnap" "$WORK/err" || fail "untraced: $(cat "$WORK/err")"
kill -0 "$untraced" || fail "the untraced process died"
kill "$untraced"

# library loaded, tracker off (its out= directory does not exist)
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/missing" sleep 30 2>/dev/null &
off=$!
sleep 0.3
expect 3 "$HEAPSNAP" snapshot "$off"
grep -q "process $off has libheapsnap loaded but its tracker is not running" "$WORK/err" ||
	fail "tracker off: $(cat "$WORK/err")"
sleep 0.2
kill -0 "$off" 2>/dev/null || fail "the process whose tracker is off was killed"
kill "$off"

# the program installs its own SIGUSR2 handler after start-up
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK" "$PROG/late_handler" 8 >"$WORK/late.out" &
late=$!
sleep 0.5
expect 0 "$HEAPSNAP" snapshot --wait "$late"
path=$(cat "$WORK/out")
case "$path" in "$WORK"/heapsnap.late_handler."$late".*.db) ;; *) fail "--wait printed '$path'" ;; esac
[ -f "$path" ] || fail "--wait printed '$path', which does not exist"
[ "$(q "$path" "SELECT value FROM meta WHERE key='trigger'")" = request ] || fail "trigger of $path"
[ "$(q "$path" 'PRAGMA integrity_check')" = ok ] || fail "$path is damaged"
expect 0 "$HEAPSNAP" snapshot "$late"
grep -q "^requested a snapshot of process $late; it goes to '$WORK'$" "$WORK/out" || fail "stdout: $(cat "$WORK/out")"

# another user: refused by the client, and by the tracker when asked raw
if command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$HEAPSNAP" snapshot "$late" >"$WORK/out" 2>"$WORK/err"
	[ $? = 3 ] || fail "another uid: exit status $?, expected 3"
	grep -q "process $late belongs to uid 0" "$WORK/err" || fail "another uid: $(cat "$WORK/err")"
	# the system python: a per-user python (pyenv) is not readable by uid 65534
	reply=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c "
import socket
stat = open('/proc/$late/stat').read()
start = stat[stat.rindex(')') + 2:].split()[19]  # field 22, the start time
s = socket.socket(socket.AF_UNIX); s.connect('\0heapsnap.$late.' + start)
try:
    s.sendall(b'snapshot wait\n')
except OSError:
    pass  # the tracker may have refused and closed already
print(s.recv(4096).decode().strip())")
	case "$reply" in "error permission denied"*) ;; *) fail "the tracker served another uid: '$reply'" ;; esac
fi

# 10,000 malformed, oversized, binary, half-sent and silent requests: the
# host (sort, fed through a FIFO that stays open until the flood is over,
# so it is alive all along) gives the stdout, stderr and exit status of an
# untraced run. Bounded: every socket has a 3 s timeout, the flood 300 s.
awk 'BEGIN { x = 7; for (i = 0; i < 50000; i++) { x = (x * 1103515245 + 12345) % 2147483648; print x } }' \
	>"$WORK/data"
sort -n <"$WORK/data" >"$WORK/ref.out" 2>"$WORK/ref.err"
ref_rc=$?
mkdir "$WORK/flood"
mkfifo "$WORK/fifo"
exec 3<>"$WORK/fifo"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/flood:at_exit=0" sort -n <"$WORK/fifo" >"$WORK/got.out" \
	2>"$WORK/got.err" 3>&- &
host=$!
i=0
until "$HEAPSNAP" status "$host" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the host's control channel never answered"; sleep 0.1
done
flood=$(timeout 300 python3 - "$host" <<'PY'
import os, random, socket, sys
pid = sys.argv[1]
stat = open('/proc/%s/stat' % pid).read()
name = '\0heapsnap.%s.%s' % (pid, stat[stat.rindex(')') + 2:].split()[19])
random.seed(7)
n = errors = 0
for i in range(10000):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(name)
    kind = i % 5
    if kind == 0:
        try:
            s.sendall(os.urandom(random.randint(1, 600)) + b'\n')
        except OSError:
            pass
    elif kind == 1:
        try:
            s.sendall(b'A' * random.choice([5000, 70000]))
        except OSError:
            pass  # refused as too long and closed before the rest
    elif kind == 2:
        s.sendall(random.choice([b'snapshot\x00wait\n', b'status extra\n', b'\n', b'SNAPSHOT\n',
                                 b'ping ping\n', b'start --for\n', b'stop now please\n',
                                 b'top 99999999999999999999\n', b'\xff\xfe\n']))
    elif kind == 3:
        s.sendall(b'stat')            # half a request, then hang up
        s.shutdown(socket.SHUT_WR)
    elif i < 20:
        pass                          # say nothing: the tracker times out (1 s)
    else:
        s.shutdown(socket.SHUT_WR)    # say nothing and hang up
    try:
        if s.recv(4096).startswith(b'error'):
            errors += 1
    except OSError:
        pass
    s.close()
    n += 1
print(n, errors)
PY
) || fail "raw requests: python failed or took over 300 s"
kill -0 "$host" 2>/dev/null || fail "the host died under malformed requests"
cat "$WORK/data" >&3
exec 3>&-
wait "$host"; rc=$?
set -- $flood
[ "$1" = 10000 ] || fail "only '$1' requests were sent"
[ "$2" -ge 5000 ] || fail "only $2 of 10000 malformed requests got an error reply: the flood missed the tracker"
[ "$rc" = "$ref_rc" ] || fail "the host exited $rc after the flood, $ref_rc untraced"
cmp -s "$WORK/ref.out" "$WORK/got.out" || fail "the host's stdout differs from an untraced run's"
cmp -s "$WORK/ref.err" "$WORK/got.err" || fail "the host's stderr differs from an untraced run's: $(head -c 300 "$WORK/got.err")"
wait "$late"; st=$?
[ "$st" = 0 ] || fail "late_handler: exit status $st"
[ "$(cat "$WORK/late.out")" = "usr2 0" ] || fail "the program's own SIGUSR2 handler ran: $(cat "$WORK/late.out")"
echo "ok: refused untraced and tracker-off processes unharmed; $1 malformed requests ($2 error replies) left the host's output unchanged"
