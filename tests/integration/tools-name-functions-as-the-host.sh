#!/bin/sh
# The tools name a function as the traced process named it. prog/two_names
# leaks from an assembler function with two sized names at one address (a
# local FUNC, asm_keep, and a global NOTYPE label, zz_notype_entry); the
# host picks one (src/elfsym.c's rule: sized, then global, ...). Adding
# lines must not rename it: after 'heapsnap symbolize' the call site keeps
# the host's name and gains its file:line, and heapdiff of the file before
# and after symbolize (lines added in memory for the first) reports one
# site with no growth, never a site that vanished and another that came.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/out"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out" "$PROG/two_names") ||
	fail "exit status $?"
[ "$out" = "kept 100" ] || fail "program printed '$out'"
db=$(last_snapshot "$WORK/out")
[ -n "$db" ] || fail "no snapshot"
top() { q "$1" "SELECT function || '|' || coalesce(file, '') || '|' || live_bytes FROM v_sites
	ORDER BY live_bytes DESC, stack_id LIMIT 1"; }
host=$(top "$db")
case "$host" in
zz_notype_entry\|\|100000 | asm_keep\|\|100000) ;;
*) fail "the host's call site is '$host', expected asm_keep or zz_notype_entry, 100000 bytes" ;;
esac
name=${host%%|*}
cp "$db" "$WORK/before.db"
timeout 120 "$HEAPSNAP" symbolize "$db" >/dev/null 2>"$WORK/err" || fail "symbolize: exit status $?: $(cat "$WORK/err")"
after=$(top "$db")
case "$after" in
"$name|"*/tests/prog/two_names_asm.S\|100000) ;;
*) fail "after symbolize the call site is '$after'; the host named it '$name' (two_names_asm.S, 100000 bytes)" ;;
esac
timeout 120 "$HEAPDIFF" --json --all "$WORK/before.db" "$db" >"$WORK/diff.json" 2>"$WORK/err" ||
	fail "heapdiff: exit status $?: $(cat "$WORK/err")"
python3 - "$WORK/diff.json" "$name" <<'PY' || fail "heapdiff before/after symbolize: $(head -c 600 "$WORK/diff.json")"
import json, sys
sites = json.load(open(sys.argv[1]))['sites']
big = [s for s in sites if max(s['old_bytes'], s['new_bytes']) == 100000]
assert len(big) == 1, 'the 100000-byte site is %d sites' % len(big)
assert big[0]['frames'][0]['function'] == sys.argv[2], big[0]['frames'][0]
assert all(s['bytes_delta'] == 0 for s in sites), [s for s in sites if s['bytes_delta']]
PY
echo "ok: the call site is '$name' in the host's file, after symbolize and in heapdiff"
