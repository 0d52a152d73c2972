#!/bin/sh
# labels-name-the-leaking-endpoint.sh: examples/label-server handles
# requests on /upload (keeps a 1 KiB body per request: the leak) and
# /health (frees it), both through one helper, labelling each request with
# heapsnap_set_label. Without the library it runs unchanged. Under the
# preload (sample=1, interval snapshots): the files have a labels table,
# the last one's v_sites give /upload exactly its kept bytes and /health
# none, and heapdiff --by label FIRST LAST names /upload first. A file
# without labels (the table dropped, as an older writer's) reads as
# "(no label)". timeout bounds every run.
. "$(dirname "$0")/lib.sh"
SERVER="$top_builddir/examples/label-server"
[ -x "$SERVER" ] || { echo "harness: $SERVER not built"; exit 99; }
N=1500

# Without the library: the weak heapsnap_set_label is a no-op.
out=$(timeout 60 "$SERVER" $N) || fail "label-server without the library exited $?"
[ "$out" = "label-server: $((2 * N)) requests, $((N * 1024)) bytes kept" ] ||
	fail "label-server without the library printed '$out'"

out=$(timeout 120 env LD_PRELOAD="$LIB" \
	HEAPSNAP_OPTIONS="sample=1,interval=0.05,out=$WORK" "$SERVER" $N 2>"$WORK/err") ||
	fail "label-server under the preload exited $?: $(cat "$WORK/err")"
cat "$WORK/err"
[ "$out" = "label-server: $((2 * N)) requests, $((N * 1024)) bytes kept" ] ||
	fail "label-server under the preload printed '$out'"
[ -s "$WORK/err" ] && fail "the preload wrote to stderr"
first=$(ls "$WORK"/heapsnap.*.db | sort | head -n 1)
last=$(last_snapshot "$WORK")
[ "$first" != "$last" ] || fail "one snapshot only: $first"

[ "$(q "$last" "SELECT group_concat(name, ',') FROM (SELECT name FROM labels ORDER BY name)")" = "/health,/upload" ] ||
	fail "labels table of $last: $(q "$last" "SELECT * FROM labels")"
# Exact at sample=1: each kept body is a 16-byte header and 1024 bytes.
up=$(q "$last" "SELECT sum(live_bytes) FROM v_sites WHERE label = '/upload'")
[ "$up" = "$((N * 1040))" ] || fail "/upload live bytes $up, expected $((N * 1040))"
health=$(q "$last" "SELECT sum(live_bytes) FROM v_sites WHERE label = '/health'")
[ "$health" = 0 ] || fail "/health live bytes $health, expected 0"
# Per allocation: every kept body's stack carries /upload.
n=$(q "$last" "SELECT count(*) FROM allocations a JOIN stacks s ON s.id = a.stack_id
	JOIN labels l ON l.id = s.label_id WHERE l.name = '/upload' AND a.size = 1040")
[ "$n" = "$N" ] || fail "$n live allocations labelled /upload, expected $N"

timeout 60 "$HEAPDIFF" --by label "$first" "$last" >"$WORK/diff" 2>&1 ||
	{ cat "$WORK/diff"; fail "heapdiff --by label exited $?"; }
cat "$WORK/diff"
top=$(awk 'NR == 2 { print $NF }' "$WORK/diff")
[ "$top" = "/upload" ] || fail "heapdiff --by label: first row '$top', expected /upload"

# A file without a labels table: every site reads as "(no label)".
cp "$first" "$WORK/old1.db"
cp "$last" "$WORK/old2.db"
for f in "$WORK/old1.db" "$WORK/old2.db"; do
	q "$f" "DROP VIEW v_sites; DROP TABLE labels;" || fail "cannot edit $f"
done
timeout 60 "$HEAPDIFF" --by label "$WORK/old1.db" "$WORK/old2.db" >"$WORK/diff-old" 2>&1 ||
	{ cat "$WORK/diff-old"; fail "heapdiff --by label on files without labels exited $?"; }
cat "$WORK/diff-old"
grep -q '/upload\|/health' "$WORK/diff-old" && fail "a label read from a file without labels"
top=$(awk 'NR == 2 { print $(NF - 1), $NF }' "$WORK/diff-old")
[ "$top" = "(no label)" ] || fail "files without labels: first row '$top', expected (no label)"
exit 0
