#!/bin/sh
# kill -9 at random moments while snapshots are written every 0.05 s: every
# *.db file left behind is complete (opens, schema_version 3, passes
# PRAGMA integrity_check); only *.db.tmp files may be partial.
. "$(dirname "$0")/lib.sh"
rand_ms() { # MIN MAX: a random number of milliseconds
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $(($1 + r % ($2 - $1)))
}
runs=8
i=0
while [ $i -lt $runs ]; do
	i=$((i + 1))
	ms=$(rand_ms 60 700)
	LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="interval=0.05:out=$WORK" "$PROG/alloc_forever" &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null || fail "run $i: alloc_forever died before kill -9"
	wait "$pid" 2>/dev/null
done
n=0
for db in "$WORK"/*.db; do
	[ -e "$db" ] || continue
	n=$((n + 1))
	v=$(q "$db" "SELECT value FROM meta WHERE key='schema_version'" 2>&1) ||
		fail "$(basename "$db"): cannot be read: $v"
	[ "$v" = 3 ] || fail "$(basename "$db"): schema_version is '$v'"
	ok=$(q "$db" "PRAGMA integrity_check" 2>&1)
	[ "$ok" = ok ] || fail "$(basename "$db"): integrity_check says '$ok'"
	t=$(q "$db" "SELECT value FROM meta WHERE key='trigger'")
	[ "$t" = interval ] || fail "$(basename "$db"): trigger '$t' (a killed process writes only interval snapshots)"
done
[ "$n" -ge 4 ] || fail "only $n snapshots in $runs runs: interval=0.05 is not writing"
echo "ok: $n complete snapshots, $(ls "$WORK" | grep -c '\.tmp$') partial .tmp files after $runs kill -9"
