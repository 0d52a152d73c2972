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
	# self-contained: every frame a stack names is in the file (a forked
	# child inherits the frame cache of a parent that already wrote files)
	missing=$(q "$db" "SELECT count(*) FROM stack_frames sf LEFT JOIN frames f ON f.id = sf.frame_id WHERE f.id IS NULL")
	[ "$missing" = 0 ] || fail "$db: $missing stack frames name no frames row"
	# every reference of every table resolves (allocations and sites name
	# stacks the file has, frames name its modules...)
	fk=$(q "$db" 'PRAGMA foreign_key_check' | head -n 3)
	[ -z "$fk" ] || fail "$db: dangling references (table|rowid|parent|fk): $fk"
	orphans=$(q "$db" "SELECT count(*) FROM stacks st WHERE NOT EXISTS (SELECT 1 FROM stack_frames sf WHERE sf.stack_id = st.id) AND st.nframes > 0")
	[ "$orphans" = 0 ] || fail "$db: $orphans stacks without their frames"
	checked=$((checked + 1))
done
echo "ok: $children forks, $i signals ($signals signal snapshots), no deadlock; references of $checked files checked"
