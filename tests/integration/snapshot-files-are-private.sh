#!/bin/sh
# Snapshot files hold heap layouts and stacks: they are created 0600 whatever
# the umask, and a symlink planted at the temporary or the final name is
# never followed (the files it points to stay untouched).
. "$(dirname "$0")/lib.sh"
umask 022
echo victim-tmp >"$WORK/victim-tmp"
echo victim-final >"$WORK/victim-final"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK" "$PROG/alloc_forever" &
pid=$!
name="$WORK/heapsnap.alloc_forever.$pid.0001.db"
ln -s "$WORK/victim-tmp" "$name.tmp"
ln -s "$WORK/victim-final" "$name"
sleep 0.3
kill -USR2 "$pid" || fail "kill -USR2: process gone"
i=0
while [ ! -f "$name" ] || [ -L "$name" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { kill -9 "$pid"; fail "no snapshot after 10 s (symlink still in place: $(ls -l "$name"))"; }
	sleep 0.1
done
kill -9 "$pid"; wait "$pid" 2>/dev/null
[ "$(cat "$WORK/victim-tmp")" = victim-tmp ] || fail "the symlink at the temporary name was followed"
[ "$(cat "$WORK/victim-final")" = victim-final ] || fail "the symlink at the final name was followed"
[ "$(q "$name" "SELECT value FROM meta WHERE key='pid'")" = "$pid" ] || fail "snapshot unreadable"
mode=$(stat -c %a "$name")
[ "$mode" = 600 ] || fail "snapshot mode $mode, expected 600"
# and an ordinary run's exit snapshot, under umask 022
mkdir "$WORK/plain"
run_preloaded "out=$WORK/plain" "$PROG/leak_exact" >/dev/null || fail "leak_exact: exit status $?"
for db in "$WORK"/plain/*.db; do
	mode=$(stat -c %a "$db")
	[ "$mode" = 600 ] || fail "$(basename "$db"): mode $mode, expected 600"
done
echo "ok: snapshots are 0600, symlinks at both names left alone"
