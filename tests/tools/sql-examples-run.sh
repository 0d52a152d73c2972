#!/bin/sh
# sql-examples-run.sh: every query block of doc/sql.md runs and answers:
# against snapshots of a real process (prog/leak_vs_warmup under the
# preload, sample=1, interval snapshots), each ```sql block runs without
# error in sqlite3 (snap.db, old.db, new.db replaced by real files) and
# the ```sh block (snaps replaced by the directory) prints the series of
# leak_step, rising. Spot checks: the top site is leak_step; the ATTACH
# growth ranks leak_step first. timeout bounds the program.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
LIB=$top_builddir/src/.libs/libheapsnap.so
PROG=$top_builddir/tests/prog/leak_vs_warmup
DOC=$top_srcdir/doc/sql.md
[ -f "$LIB" ] && [ -x "$PROG" ] || harness_error "preload or prog/leak_vs_warmup not built"
[ -r "$DOC" ] || harness_error "doc/sql.md missing"
mkdir "$tmp/snaps"
timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.1:out=$tmp/snaps" \
	"$PROG" "$tmp/snaps" 8 >/dev/null || harness_error "leak_vs_warmup failed"
set -- "$tmp"/snaps/heapsnap.*.db
first=$1
for last; do :; done
# Blocks: NAME.sql / NAME.sh files, numbered in order.
awk -v dir="$tmp" '
	/^```sql$/ { n++; out = dir "/q" n ".sql"; next }
	/^```sh$/ { n++; out = dir "/q" n ".sh"; next }
	/^```$/ { out = ""; next }
	out != "" { print > out }' "$DOC"
nsql=0 nsh=0
for q in "$tmp"/q*.sql; do
	sed -e "s|'new.db'|'$last'|g" "$q" >"$q.run"
	db=$last
	grep -q ATTACH "$q" && db=$first
	sqlite3 -bail "$db" <"$q.run" >"$q.out" 2>"$q.err" || fail "$(basename "$q"): $(cat "$q.err")"
	[ -s "$q.out" ] || fail "$(basename "$q") printed nothing"
	nsql=$((nsql + 1))
done
for q in "$tmp"/q*.sh; do
	sed -e "s|snaps/|$tmp/snaps/|g" "$q" >"$q.run"
	sh "$q.run" >"$q.out" 2>"$q.err" || fail "$(basename "$q"): $(cat "$q.err")"
	nsh=$((nsh + 1))
	# The history rises: the last value is the largest, and above the first.
	awk 'NR == 1 { a = $2 } { if ($2 < m) bad = 1; m = $2 } END { exit !(NR >= 8 && m > a && !bad) }' \
		"$q.out" || fail "history of leak_step does not rise: $(cat "$q.out")"
done
[ $nsql = 4 ] && [ $nsh = 1 ] || harness_error "expected 4 sql blocks and 1 sh block, got $nsql and $nsh"
head -n 1 "$tmp/q1.sql.out" | grep -q '^leak_step|' || fail "top site is not leak_step: $(head -n 1 "$tmp/q1.sql.out")"
head -n 1 "$tmp/q2.sql.out" | grep -q '^leak_step|' || fail "ATTACH growth does not rank leak_step first: $(head -n 1 "$tmp/q2.sql.out")"
exit 0
