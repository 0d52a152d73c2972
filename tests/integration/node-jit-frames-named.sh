#!/bin/sh
# heapsnap run --jit names Node.js JIT frames: examples/leaky-server.js keeps
# a 64 KiB Buffer per fourth simulated request in cacheThumbnail(); under
# 'heapsnap run --jit' (node writes /tmp/perf-PID.map) with interval
# snapshots, the stack of the site with the most live bytes in the fullest
# interval snapshot has a frame whose name contains cacheThumbnail, and no
# frame anywhere is named _fini. node's optimizer would inline
# cacheThumbnail into its caller (no frame of its own): the test turns
# inlining off (--no-turbo-inlining) to see the function's own frame.
# The exit snapshot is not used: node frees its buffers before exit.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null || { echo "skip: node not installed"; exit 77; }
js="$top_srcdir/examples/leaky-server.js"
[ -r "$js" ] || { echo "harness: $js missing"; exit 99; }
pidfile=
cleanup() { [ -n "$pidfile" ] && rm -f "$pidfile"; rm -rf "$WORK"; }
trap cleanup EXIT
# in $WORK: node may write V8 logs (isolate-*.log) into its directory
(cd "$WORK" && HEAPSNAP_LIB="$LIB" NODE_OPTIONS= timeout 120 "$HEAPSNAP" run --jit --sample 64K --interval 1 -o "$WORK" -- \
	node --no-turbo-inlining "$js" 4) >"$WORK/stdout" 2>"$WORK/stderr" || fail "exit status $? (stderr: $(cat "$WORK/stderr"))"
# The interval snapshot with the most live bytes: on a loaded machine node's
# start-up may take most of the run, and the last interval snapshot may
# come before many requests were served; the leak only grows.
db= best=-1
for f in $(ls "$WORK"/heapsnap.node.*.db | sort); do
	[ "$(q "$f" "SELECT value FROM meta WHERE key='trigger'")" = interval ] || continue
	live=$(q "$f" "SELECT coalesce(sum(live_bytes), 0) FROM v_sites")
	[ "$live" -gt "$best" ] && { best=$live; db=$f; }
done
[ -n "$db" ] || fail "no interval snapshot (files: $(ls "$WORK"))"
pid=$(q "$db" "SELECT value FROM meta WHERE key='pid'")
pidfile=/tmp/perf-$pid.map
[ -s "$pidfile" ] || fail "node wrote no perf map $pidfile: --jit did not reach it"
top=$(q "$db" "SELECT stack_id FROM v_sites ORDER BY live_bytes DESC LIMIT 1")
js_frames=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE stack_id = $top AND function LIKE '%cacheThumbnail%'")
[ "$js_frames" -ge 1 ] || fail "no cacheThumbnail frame in the top stack: $(q "$db" "SELECT group_concat(coalesce(function, '?'), ' <- ') FROM (SELECT function FROM v_stack_frames WHERE stack_id = $top ORDER BY depth)")"
fini=$(q "$db" "SELECT count(*) FROM v_stack_frames WHERE function = '_fini'")
[ "$fini" = 0 ] || fail "$fini frames named _fini"
echo "ok: cacheThumbnail is in the top site's stack; no _fini"
