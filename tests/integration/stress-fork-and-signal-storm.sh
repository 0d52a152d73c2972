#!/bin/sh
# Fork while three threads allocate, and a storm of snapshot signals while
# they allocate: no deadlock (each run is bounded by timeout), no crash,
# every child exits normally, and every snapshot file written is whole.
. "$(dirname "$0")/lib.sh"
command -v timeout >/dev/null || { echo "skip: no timeout(1)"; exit 77; }

mkdir -p "$WORK/fork"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=4K:interval=0.05:out=$WORK/fork" \
	"$PROG/stress" fork 2) || fail "fork stress: status $? (124 = deadlock)"
case "$out" in "stress: done "*) ;; *) fail "fork stress printed '$out'" ;; esac
children=${out#stress: done }
[ "$children" -ge 10 ] || fail "fork stress: only $children children"
pids=$(ls "$WORK/fork" | sed -n 's/^heapsnap\.stress\.\([0-9]*\)\..*\.db$/\1/p' | sort -u | wc -l)
[ "$pids" -ge 5 ] || fail "fork stress: snapshots from only $pids processes"

mkdir -p "$WORK/sig"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=4K:out=$WORK/sig" "$PROG/stress" signal 2 > "$WORK/sig.out" &
pid=$!
sleep 0.2
i=0
while [ $i -lt 300 ] && kill -USR2 "$pid" 2>/dev/null; do
	i=$((i + 1))
done
timeout 60 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done" || { kill -9 "$pid"; fail "signal storm: deadlock"; }
wait "$pid" || fail "signal storm: status $?"
[ "$(cat "$WORK/sig.out")" = "stress: done 3" ] || fail "signal storm printed '$(cat "$WORK/sig.out")'"
signals=$(for db in "$WORK/sig"/*.db; do q "$db" "SELECT value FROM meta WHERE key='trigger'"; done | grep -c signal)
[ "$signals" -ge 1 ] || fail "signal storm: no signal snapshot"

checked=0
for db in "$WORK"/fork/*.db "$WORK"/sig/*.db; do
	[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "$db is damaged"
	# self-contained: every location a stack's trie path names is in the
	# file with its frames (a forked child inherits the location cache of a
	# parent that already wrote files)
	missing=$(q "$db" "SELECT count(*) FROM callsites c, json_each(c.location_ids) j
		LEFT JOIN locations l ON l.id = j.value WHERE l.id IS NULL")
	[ "$missing" = 0 ] || fail "$db: $missing call-site nodes name no location"
	frameless=$(q "$db" "SELECT count(*) FROM locations l WHERE NOT EXISTS (SELECT 1 FROM frames f WHERE f.location_id = l.id)")
	[ "$frameless" = 0 ] || fail "$db: $frameless locations without frames"
	# every reference of every table resolves (allocations and sites name
	# stacks the file has, stacks name trie nodes, nodes their parents...)
	fk=$(q "$db" 'PRAGMA foreign_key_check' | head -n 3)
	[ -z "$fk" ] || fail "$db: dangling references (table|rowid|parent|fk): $fk"
	# a stack's trie path is as long as the stack
	short=$(q "$db" "SELECT count(*) FROM stacks st WHERE st.nframes != (SELECT count(*) FROM v_stack_frames v WHERE v.stack_id = st.id AND v.inline_depth = 0)")
	[ "$short" = 0 ] || fail "$db: $short stacks whose trie path is not nframes long"
	checked=$((checked + 1))
done
echo "ok: $children forks, $i signals ($signals signal snapshots), no deadlock; references of $checked files checked"
