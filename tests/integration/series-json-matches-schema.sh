#!/bin/sh
# series-json-matches-schema.sh: heapdiff --json over a series of a real
# process (prog/leak_vs_warmup under the preload, sample=1, 13 snapshots)
# validates against doc/heapdiff.schema.json, with python3-jsonschema when
# installed and with the built-in validator, for --by site (with --all),
# --by function and --by stack, and for a directory of two processes
# ({"processes": [...]}); the series fields are there with their values
# (13 values per site, the leak first, its verdict, a warning for the mixed
# pids), and a series document missing a trend field, with a bad verdict or
# an unknown site field is rejected. timeout bounds every run.
. "$(dirname "$0")/lib.sh"
schema=$top_srcdir/doc/heapdiff.schema.json
check=$top_srcdir/tests/tools/jsonschema-check.py
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 missing"; exit 77; }
mkdir "$WORK/a" "$WORK/b" || { echo "harness: mkdir"; exit 99; }
for d in a b; do
	timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:interval=0.1:out=$WORK/$d" \
		"$PROG/leak_vs_warmup" "$WORK/$d" 12 >"$WORK/out" || fail "leak_vs_warmup: exit status $?"
done
n=$(ls "$WORK"/a/heapsnap.leak_vs_warmup.*.db | wc -l)
[ "$n" -ge 13 ] || fail "only $n snapshots"
# interval snapshots: the second run may have one more or one fewer
nb=$(ls "$WORK"/b/heapsnap.leak_vs_warmup.*.db | wc -l)
validate() { # NAME: validates $WORK/NAME.json both ways
	python3 "$check" "$schema" "$WORK/$1.json" || fail "$1: output does not match the schema"
	JSONSCHEMA_BUILTIN=1 python3 "$check" "$schema" "$WORK/$1.json" ||
		fail "$1: output does not match the schema (built-in validator)"
}
i=0
for opt in "--json --all" "--json --by function" "--json --by stack"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	timeout 60 "$HEAPDIFF" $opt "$WORK/a" >"$WORK/s$i.json" 2>"$WORK/err" ||
		{ cat "$WORK/err"; fail "heapdiff $opt exited $?"; }
	validate "s$i"
done
cp "$WORK"/b/*.db "$WORK/a/" || { echo "harness: cp"; exit 99; }
timeout 60 "$HEAPDIFF" --json "$WORK/a" >"$WORK/procs.json" 2>"$WORK/err" ||
	{ cat "$WORK/err"; fail "heapdiff --json DIR of two processes exited $?"; }
validate procs
# A list of both processes' files is one series: it warns, in the JSON too.
timeout 60 "$HEAPDIFF" --json "$WORK"/a/*.db >"$WORK/mixed.json" 2>"$WORK/err" ||
	{ cat "$WORK/err"; fail "heapdiff --json of two processes' files exited $?"; }
validate mixed
python3 - "$WORK" "$n" "$nb" <<'PY' || fail "series fields are missing or wrong"
import json, sys
w, n, nb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(w + "/s1.json"))
assert d["series"]["by"] == "site" and d["series"]["snapshots"] == n, d["series"]
assert d["series"]["slope_unit"] == "bytes/hour", d["series"]
assert len(d["snapshots"]) == n
top = d["sites"][0]
assert top["verdict"] == "leak" and "leak_step" in top["label"], top["label"]
assert len(top["bytes"]) == n and len(top["within_noise"]) == n - 1
assert top["frames"][0]["function"] == "leak_step", top["frames"][0]
assert top["peak_bytes"] >= top["final_bytes"] > top["first_bytes"]
assert any(s["verdict"] == "transient" and "warm_up" in s["label"] for s in d["sites"])
assert d["warnings"] == [] and d["heap"]["note"] is None, (d["warnings"], d["heap"])
assert json.load(open(w + "/s2.json"))["sites"][0]["frames"] == []
p = json.load(open(w + "/procs.json"))
assert len(p["processes"]) == 2, p["processes"]
assert sorted(x["series"]["snapshots"] for x in p["processes"]) == sorted([n, nb]), p["processes"]
m = json.load(open(w + "/mixed.json"))
assert any("different processes" in x for x in m["warnings"]), m["warnings"]
bad = []
x = json.loads(json.dumps(d)); del x["sites"][0]["slope"]; bad.append(x)
x = json.loads(json.dumps(d)); x["sites"][0]["verdict"] = "maybe"; bad.append(x)
x = json.loads(json.dumps(d)); x["sites"][0]["colour"] = "red"; bad.append(x)
x = json.loads(json.dumps(d)); x["heap"]["rss_not_heap"] = "no"; bad.append(x)
x = json.loads(json.dumps(p)); x["processes"][0]["series"]["by"] = "thread"; bad.append(x)
for i, b in enumerate(bad):
    json.dump(b, open("%s/bad%d.json" % (w, i), "w"))
PY
for i in 0 1 2 3 4; do
	python3 "$check" "$schema" "$WORK/bad$i.json" >/dev/null 2>&1 && fail "bad$i.json passed the schema"
	JSONSCHEMA_BUILTIN=1 python3 "$check" "$schema" "$WORK/bad$i.json" >/dev/null 2>&1 &&
		fail "bad$i.json passed the built-in validator"
done
exit 0
