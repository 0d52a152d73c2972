#!/bin/sh
# The control channel's name belongs to one process, and only it answers.
# (1) Held: a process binds the channel names its next image will want (its
# own pid and start time, and the bare pid), forks a child that keeps them,
# and execs a traced program. The tracker must not give up: it says nothing
# on stderr, its control thread takes the name once the holder lets go, and
# 'heapsnap snapshot --wait' then gets a file. (2) Impostor: a process
# serves the names of an untraced process; 'heapsnap snapshot PID' must see
# that the peer is not PID (SO_PEERCRED) and refuse, exit 3, sending nothing.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 needed to hold the names"; exit 77; }
mkdir -p "$WORK/out"
# names.py: bind_names(pid) binds and returns the two channel names of pid
# (with its start time, and the bare pid), as control_proto.h spells them.
cat >"$WORK/names.py" <<'PY'
import socket
def bind_names(pid):
    stat = open('/proc/%d/stat' % pid).read()
    start = stat[stat.rindex(')') + 2:].split()[19]  # field 22: the start time
    socks = []
    for name in ('heapsnap.%d.%s' % (pid, start), 'heapsnap.%d' % pid):
        s = socket.socket(socket.AF_UNIX)
        s.bind('\0' + name)
        s.listen(4)
        socks.append(s)
    return socks
PY

# (1) the names held while the traced image starts
python3 - "$LIB" "$WORK" <<'PY' 2>"$WORK/held.err" &
import os, sys, time
lib, work = sys.argv[1], sys.argv[2]
sys.path.insert(0, work)
from names import bind_names
socks = bind_names(os.getpid())
holder = os.fork()
if holder == 0:
    time.sleep(2)  # keeps the names (inherited descriptors), then lets go
    os._exit(0)
open(work + '/holder', 'w').write('%d\n' % holder)
for s in socks:
    s.close()
env = dict(os.environ, LD_PRELOAD=lib, HEAPSNAP_OPTIONS='out=%s/out:at_exit=0' % work)
os.execve('/bin/sleep', ['sleep', '8'], env)
PY
traced=$!
i=0
while [ ! -s "$WORK/holder" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
holder=$(cat "$WORK/holder") || fail "the holder's pid was never written"
# the holder's own parent is the traced process: wait until it is gone
i=0
while [ -d "/proc/$holder" ] && [ "$(cut -d' ' -f3 "/proc/$holder/stat" 2>/dev/null)" != Z ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
ok=
i=0
while [ $i -lt 50 ]; do
	if "$HEAPSNAP" snapshot --wait "$traced" >"$WORK/snap.out" 2>"$WORK/snap.err"; then ok=1; break; fi
	sleep 0.2; i=$((i + 1))
done
[ -n "$ok" ] || fail "no snapshot once the holder let go of the name: $(cat "$WORK/snap.err")"
path=$(cat "$WORK/snap.out")
[ -f "$path" ] || fail "--wait printed '$path', which does not exist"
[ "$(q "$path" 'PRAGMA integrity_check')" = ok ] || fail "$path is damaged"
wait "$traced" || fail "the traced program's exit status changed"
[ ! -s "$WORK/held.err" ] || fail "the tracker complained while its name was held: $(cat "$WORK/held.err")"

# (2) an impostor serves an untraced process's names
sleep 30 &
victim=$!
python3 - "$victim" "$WORK" <<'PY' &
import os, select, sys
victim, work = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, work)
from names import bind_names
socks = bind_names(victim)
open(work + '/impostor', 'w').write('ready\n')
r, _, _ = select.select(socks, [], [], 20)
for s in r:
    c, _ = s.accept()
    c.recv(300)
    c.sendall(b'ok requested /nowhere\n')
    c.close()
PY
impostor=$!
i=0
while [ ! -s "$WORK/impostor" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
"$HEAPSNAP" snapshot "$victim" >"$WORK/imp.out" 2>"$WORK/imp.err"
rc=$?
kill "$impostor" "$victim" 2>/dev/null
[ $rc = 3 ] || fail "the impostor's channel was used: exit $rc, stdout '$(cat "$WORK/imp.out")'"
grep -q "process $victim: the control channel under its name is served by process $impostor" "$WORK/imp.err" ||
	fail "impostor message: $(cat "$WORK/imp.err")"
echo "PASS"
