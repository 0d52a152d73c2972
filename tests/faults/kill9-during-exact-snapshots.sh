#!/bin/sh
# kill -9, 200 times, a program holding 60000 live blocks from 256 stacks
# in exact mode (sample=1) with a snapshot every 0.05 s (each a few MB):
# half the kills at random moments, half while one of its snapshots is
# being written (tests/faults/killer.c). Goes further than
# integration/sigkill-leaves-only-complete-snapshots.sh: large exact-mode
# snapshots, kills aimed at the write, and every file is read back. Every
# *.db passes integrity_check, answers v_sites and holds as many
# allocations rows as its sampled_live_count says, every location its
# call-site runs name; the .db.tmp files a kill
# leaves behind are never renamed, and the next snapshot of another process
# is unaffected by them.
. "$(dirname "$0")/../integration/lib.sh"
KILLS=${KILLS:-200}
OUT="$WORK/out"
mkdir "$OUT"
"$top_builddir/tests/faults/killer" "$KILLS" "$OUT" "$LIB" "sample=1:interval=0.05:out=$OUT" \
	"$top_builddir/tests/faults/hold_many" >"$WORK/killer.log" 2>&1
rc=$?
cat "$WORK/killer.log"
[ "$rc" -eq 0 ] || fail "killer exited $rc"
dbs=0 tmps=0 partial=0
for f in "$OUT"/*; do
	case "$f" in
	*.db)
		dbs=$((dbs + 1))
		got=$(q "$f" "PRAGMA integrity_check; SELECT value FROM meta WHERE key='schema_version';
			SELECT value FROM meta WHERE key='trigger'; SELECT count(*) >= 0 FROM v_sites;
			SELECT (SELECT count(*) FROM allocations) = (SELECT value FROM meta WHERE key='sampled_live_count');
			SELECT count(*) FROM callsites c, json_each(c.location_ids) j
				LEFT JOIN locations l ON l.id = j.value WHERE l.id IS NULL" 2>&1 | tr '\n' ' ')
		[ "$got" = "ok 3 interval 1 1 0 " ] ||
			fail "$(basename "$f"): integrity_check, schema_version, trigger, v_sites, allocations = sampled_live_count, call-site locations missing: '$got'"
		;;
	*.db.tmp)
		tmps=$((tmps + 1))
		[ -s "$f" ] && partial=$((partial + 1))
		[ -e "${f%.tmp}" ] && fail "$(basename "$f") and its complete file both exist: a finished snapshot left its .tmp"
		;;
	*) fail "unexpected file '$(basename "$f")' in the snapshot directory" ;;
	esac
done
[ "$dbs" -ge "$((KILLS / 10))" ] || fail "only $dbs complete snapshots in $KILLS runs: is interval=0.05 writing?"
# A process started afterwards in the same directory writes a whole
# snapshot next to the leftovers.
touch "$WORK/go"
out=$(run_preloaded "sample=1:out=$OUT" "$top_builddir/tests/faults/hold_many" "$WORK/go") ||
	fail "hold_many failed after the kills: $out"
last=$(ls -t "$OUT"/*.db | head -n 1)
[ "$(q "$last" "SELECT value FROM meta WHERE key='trigger'")" = exit ] || fail "no exit snapshot after the kills"
echo "summary: $KILLS kills survived, $dbs complete snapshots checked (integrity, schema, v_sites, allocations), $tmps .db.tmp left ($partial of them non-empty)"
