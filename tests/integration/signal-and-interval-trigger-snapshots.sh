#!/bin/sh
# Triggers: interval=0.2 writes snapshots with trigger interval and rising
# seq; kill -USR2 writes one with trigger signal; heapsnap_snapshot("...")
# through include/heapsnap.h writes one with trigger api and the label; the
# exit snapshot comes last; file names sort in seq order.
. "$(dirname "$0")/lib.sh"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="interval=0.2:out=$WORK" "$PROG/triggers" >"$WORK/out" &
pid=$!
sleep 0.5
kill -USR2 "$pid" || fail "kill -USR2: process gone"
wait "$pid" || fail "triggers: exit status $?"
[ "$(cat "$WORK/out")" = "api 0" ] || fail "heapsnap_snapshot: program printed '$(cat "$WORK/out")'"
# Without the preload the weak symbol is unresolved and nothing is written.
mkdir "$WORK/plain"
(cd "$WORK/plain" && "$PROG/triggers") >"$WORK/plain.out" || fail "triggers without the preload: exit status $?"
[ "$(cat "$WORK/plain.out")" = "api unavailable" ] || fail "without the preload: '$(cat "$WORK/plain.out")'"
ls "$WORK"/*.tmp >/dev/null 2>&1 && fail "temporary files left: $(ls "$WORK"/*.tmp)"
expect=1
intervals=0; signals=0; apis=0; last=
for db in $(ls "$WORK"/heapsnap.triggers."$pid".*.db | sort); do
	seq=$(q "$db" "SELECT value FROM meta WHERE key='seq'")
	[ "$seq" = "$expect" ] || fail "$(basename "$db"): seq $seq, expected $expect (names must sort in seq order)"
	case "$db" in *."$(printf %04d "$seq")".db) ;; *) fail "$(basename "$db"): name does not carry seq $seq" ;; esac
	t=$(q "$db" "SELECT value FROM meta WHERE key='trigger'")
	case "$t" in
	interval) intervals=$((intervals + 1)) ;;
	signal) signals=$((signals + 1)) ;;
	api)
		apis=$((apis + 1))
		label=$(q "$db" "SELECT value FROM meta WHERE key='label'")
		[ "$label" = phase-one ] || fail "api snapshot: label '$label', expected phase-one" ;;
	exit) ;;
	*) fail "$(basename "$db"): unknown trigger '$t'" ;;
	esac
	if [ "$t" != api ] && [ -n "$(q "$db" "SELECT value FROM meta WHERE key='label'")" ]; then
		fail "$(basename "$db"): label on a $t snapshot"
	fi
	last=$t
	expect=$((expect + 1))
done
[ "$expect" -gt 1 ] || fail "no snapshots written"
[ "$intervals" -ge 4 ] || fail "$intervals interval snapshots in 1.6 s at interval=0.2 (expected at least 4)"
[ "$intervals" -le 9 ] || fail "$intervals interval snapshots in 1.6 s at interval=0.2 (expected at most 9)"
[ "$signals" -eq 1 ] || fail "$signals signal snapshots for one kill -USR2"
[ "$apis" -eq 1 ] || fail "$apis api snapshots for one heapsnap_snapshot call"
[ "$last" = exit ] || fail "last snapshot has trigger '$last', expected exit"
# Snapshot times rise with seq.
times=$(for db in $(ls "$WORK"/heapsnap.triggers."$pid".*.db | sort); do q "$db" "SELECT value FROM meta WHERE key='uptime'"; done)
[ "$(printf '%s\n' "$times" | sort -g | tr '\n' ' ')" = "$(printf '%s\n' "$times" | tr '\n' ' ')" ] ||
	fail "uptime does not rise with seq: $(printf '%s\n' "$times" | tr '\n' ' ')"
echo "ok: $intervals interval, 1 signal, 1 api, 1 exit snapshots in seq order"
