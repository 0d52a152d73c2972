#!/bin/sh
# labels-group-the-exports.sh: examples/label-server under the preload
# (sample=1, interval snapshots) keeps N bodies of 1040 bytes labelled
# /upload and frees every /health one, both through read_body(). Each
# export groups by label: heapdiff --folded=live puts every /upload byte
# (exactly N x 1040) under a root frame [label:/upload] and nothing under
# [label:/health]; the --svg flame graph has the [label:/upload] frame;
# the pprof profile's samples carry the tag label=/upload (go tool pprof
# -tags and -tagfocus); the .heapprofile has a [label:/upload] node holding
# those bytes; heapsnap info lists the labels, /upload first with its
# bytes. A file without labels gets no [label:] frame. timeout bounds
# every run.
. "$(dirname "$0")/lib.sh"
SERVER="$top_builddir/examples/label-server"
[ -x "$SERVER" ] || { echo "harness: $SERVER not built"; exit 99; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
command -v go >/dev/null 2>&1 || { echo "SKIP: go tool pprof missing (apt-get install golang-go)"; exit 77; }
N=1500
out=$(timeout 120 env LD_PRELOAD="$LIB" \
	HEAPSNAP_OPTIONS="sample=1,interval=0.05,out=$WORK" "$SERVER" $N 2>"$WORK/err") ||
	fail "label-server under the preload exited $?: $(cat "$WORK/err")"
first=$(ls "$WORK"/heapsnap.*.db | sort | head -n 1)
last=$(last_snapshot "$WORK")
[ "$first" != "$last" ] || fail "one snapshot only: $first"
kept=$((N * 1040))

# folded stacks: a root frame per label
timeout 60 "$HEAPDIFF" --folded=live "$first" "$last" >"$WORK/live.folded" ||
	fail "heapdiff --folded=live exited $?"
up=$(awk '/^\[label:\/upload\];/ { s += $NF } END { print s + 0 }' "$WORK/live.folded")
[ "$up" = "$kept" ] || fail "folded: [label:/upload] holds $up bytes, expected $kept"
grep -q '^\[label:/health\];' "$WORK/live.folded" && fail "folded: /health has live bytes"
grep '^\[label:/upload\];' "$WORK/live.folded" | grep -q 'read_body' ||
	fail "folded: read_body is not under [label:/upload]"
timeout 60 "$HEAPDIFF" --folded "$first" "$last" >"$WORK/growth.folded" ||
	fail "heapdiff --folded exited $?"
grep -q '^\[label:/upload\];' "$WORK/growth.folded" || fail "folded growth: no [label:/upload] root"

# the SVG flame graph
timeout 60 "$HEAPDIFF" --svg "$WORK/g.svg" "$first" "$last" >/dev/null ||
	fail "heapdiff --svg exited $?"
grep -q '\[label:/upload\]' "$WORK/g.svg" || fail "svg: no [label:/upload] frame"

# pprof: a sample label "label" per labelled sample
timeout 60 "$HEAPSNAP" export --pprof "$WORK/p.pb.gz" "$last" || fail "export --pprof exited $?"
timeout 120 go tool pprof -tags "$WORK/p.pb.gz" >"$WORK/tags" 2>"$WORK/pprof.err" ||
	{ cat "$WORK/pprof.err"; fail "go tool pprof -tags exited $?"; }
cat "$WORK/tags"
grep -q '^ *label:' "$WORK/tags" || fail "pprof -tags: no 'label' tag"
grep -q '/upload' "$WORK/tags" || fail "pprof -tags: no /upload value"
timeout 120 go tool pprof -raw -tagfocus=label=/upload "$WORK/p.pb.gz" >"$WORK/raw" 2>"$WORK/pprof.err" ||
	{ cat "$WORK/pprof.err"; fail "go tool pprof -tagfocus exited $?"; }
grep -q 'read_body' "$WORK/raw" || fail "pprof -tagfocus=label=/upload: read_body missing"
grep -q 'label:\[/health\]' "$WORK/raw" && fail "pprof -tagfocus=label=/upload kept /health samples"
python3 - "$WORK/raw" "$kept" <<'PY' || fail "pprof: the /upload samples' inuse_space is not $kept"
import re, sys
# go tool pprof -raw: "Samples:" header, then "  v1 v2 v3 v4: loc..." rows
total, on = 0, False
for line in open(sys.argv[1]):
    if line.startswith("Samples:"):
        on = True
        continue
    if on and line.startswith("Locations"):
        break
    m = re.match(r"\s*(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+):", line)
    if on and m:
        total += int(m.group(4))
sys.exit(0 if total == int(sys.argv[2]) else 1)
PY

# Chrome's .heapprofile: a [label:/upload] node holds the bytes
timeout 60 "$HEAPSNAP" export --heapprofile "$WORK/h.heapprofile" "$last" ||
	fail "export --heapprofile exited $?"
python3 - "$WORK/h.heapprofile" "$kept" <<'PY' || fail "heapprofile: [label:/upload] does not hold $kept bytes"
import json, sys
def total(n):
    return n["selfSize"] + sum(total(c) for c in n["children"])
root = json.load(open(sys.argv[1]))["head"]
lab = [c for c in root["children"] if c["callFrame"]["functionName"] == "[label:/upload]"]
sys.exit(0 if len(lab) == 1 and total(lab[0]) == int(sys.argv[2]) else 1)
PY

# heapsnap info: the labels, by live bytes
timeout 60 "$HEAPSNAP" info "$last" >"$WORK/info" || fail "heapsnap info exited $?"
cat "$WORK/info"
grep -q '^2 labels; top 2 by live bytes:' "$WORK/info" || fail "info: no labels header"
row=$(grep -A1 '^ *LIVE *COUNT *LABEL' "$WORK/info" | tail -n 1)
echo "$row" | grep -q " $N  /upload" || fail "info: first label row is '$row', expected /upload with $N blocks"

# A file without labels: no [label:] frame, no labels section.
cp "$last" "$WORK/nolabels.db"
q "$WORK/nolabels.db" "DROP VIEW v_sites; DROP TABLE labels;" || fail "cannot edit nolabels.db"
timeout 60 "$HEAPDIFF" --folded=live "$first" "$WORK/nolabels.db" >"$WORK/nl.folded" ||
	fail "heapdiff --folded=live without labels exited $?"
grep -q '\[label:' "$WORK/nl.folded" && fail "a [label:] frame from a file without labels"
timeout 60 "$HEAPSNAP" info "$WORK/nolabels.db" >"$WORK/info-nl" || fail "heapsnap info without labels exited $?"
grep -q 'labels; top' "$WORK/info-nl" && fail "info shows labels for a file without labels"
exit 0
