#!/bin/sh
# heapdiff-series-ranks-leak-before-transient.sh: over a series of eight
# hand-made snapshots (demo1's stacks, sites rewritten per snapshot) heapdiff
# gives each site its trend: leak_buffer, +100 KiB a minute, is the first
# row with verdict leak and slope 6000 KiB/h; cache_insert, which rises to
# 1 MiB and returns to its baseline, is transient; copy_name, flat but for
# one spike, is no leak; the order is meta.seq whatever the argument order;
# a directory gives the same report, one per process with several
# processes, --pid picks one; --by groups; the CI gate exits 5; snapshots
# of another program are refused without --force; a bad file anywhere is
# still exit 2 with nothing on stdout.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

fixture demo1
mkdir "$tmp/s" "$tmp/two"
mk() {  # mk DIR I PID: snapshot I of the series in DIR, for process PID
	f=$1/heapsnap.demo.$3.000$2.db
	cp "$tmp/demo1.db" "$f"
	i=$2
	case $i in 3|4|5) cache=1048576 ;; *) cache=65536 ;; esac
	case $i in 6) name=2000000 ;; *) name=64 ;; esac
	sqlite3 "$f" "UPDATE meta SET value = $i WHERE key = 'seq';
		UPDATE meta SET value = $3 WHERE key = 'pid';
		UPDATE meta SET value = 1700000000.5 + 60 * ($i - 1) WHERE key = 'time';
		UPDATE meta SET value = 1.5 + 60 * ($i - 1) WHERE key = 'uptime';
		UPDATE sites SET live_bytes = 102400 * $i, live_count = $i WHERE stack_id = 1;
		UPDATE sites SET live_bytes = $cache WHERE stack_id = 6;
		UPDATE sites SET live_bytes = $name WHERE stack_id = 4;
		UPDATE meta SET value = (SELECT sum(live_bytes) + 100000 FROM sites) WHERE key = 'live_bytes';" ||
		harness_error "cannot write $f"
}
for i in 1 2 3 4 5 6 7 8; do mk "$tmp/s" $i 1234; done
S=$tmp/s/heapsnap.demo.1234

expect_rc 0 "$HEAPDIFF" "$S".000[1-8].db
cp "$tmp/out" "$tmp/series.txt"
[ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"
sed -n 2p "$tmp/series.txt" | grep -q '^leak .*leak_buffer (demo.c:42)' ||
	fail "first row is not leak_buffer with verdict leak: $(sed -n 2p "$tmp/series.txt")"
grep -q '^transient .*cache_insert (cache.c:31)' "$tmp/series.txt" || fail "cache_insert is not transient"
grep 'copy_name' "$tmp/series.txt" | grep -q '^leak' && fail "one spike made copy_name a leak"
sed -n 2p "$tmp/series.txt" | grep -q '▁▂▃▄▅▆▇█' || fail "no sparkline on the leak row"
grep -q '^series: 8 snapshots, seq 1\.\.8 over 420\.0 s' "$tmp/series.txt" || fail "series summary missing"
grep -q '^sites: 1 leak, ' "$tmp/series.txt" || fail "verdict counts missing"

# Argument order does not matter: meta.seq does. A directory is the same.
expect_rc 0 "$HEAPDIFF" "$S".0008.db "$S".0003.db "$S".0001.db "$S".0005.db "$S".0002.db \
	"$S".0007.db "$S".0004.db "$S".0006.db
cmp -s "$tmp/out" "$tmp/series.txt" || fail "shuffled arguments give another report"
expect_rc 0 "$HEAPDIFF" "$tmp/s"
cmp -s "$tmp/out" "$tmp/series.txt" || fail "the directory gives another report"

# JSON: the trend fields.
expect_rc 0 "$HEAPDIFF" --json "$tmp/s"
python3 - "$tmp/out" <<'PY' || fail "JSON trend fields wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["series"]["snapshots"] == 8 and d["series"]["by"] == "site", d["series"]
assert [s["seq"] for s in d["snapshots"]] == list(range(1, 9))
top = d["sites"][0]
assert top["label"] == "leak_buffer (demo.c:42)" and top["verdict"] == "leak", top["label"]
assert abs(top["slope"] - 102400 * 60) < 1e-6, top["slope"]
assert top["steps"] == 7 and top["steps_grew"] == 7 and top["fit"] > 0.99
assert top["bytes"][0] == 102400 + 512 and len(top["bytes"]) == 8
assert len(top["within_noise"]) == 7 and not any(top["within_noise"])
assert top["frames"][0]["function"] == "leak_buffer"
cache = [s for s in d["sites"] if s["label"].startswith("cache_insert")][0]
assert cache["verdict"] == "transient" and cache["peak_bytes"] == 1048576
assert d["verdicts"]["leak"] == 1, d["verdicts"]
assert d["heap"]["rss_not_heap"] is False
PY

# --by: groups by module (the demo executable holds the sites that move;
# libplugin.so's site is flat) and by function.
expect_rc 0 "$HEAPDIFF" --by module --all "$tmp/s"
sed -n 2p "$tmp/out" | grep -q '^growing .* demo$' || fail "--by module: first row is not demo: $(sed -n 2p "$tmp/out")"
grep -q '^stable .* libplugin\.so$' "$tmp/out" || fail "--by module: no stable libplugin.so row"
expect_rc 0 "$HEAPDIFF" --by function --top 1 "$tmp/s"
sed -n 2p "$tmp/out" | grep -q 'leak_buffer (demo)' || fail "--by function: $(sed -n 2p "$tmp/out")"
expect_rc 1 "$HEAPDIFF" --by thread "$tmp/s"
expect_err "invalid value 'thread' for --by"

# The gate: exit 5 after the report; sizes take K, M, G.
expect_rc 5 "$HEAPDIFF" --fail-on-leak "$tmp/s"
expect_err "gate failed: site 'leak_buffer (demo.c:42)' is a leak"
cmp -s "$tmp/out" "$tmp/series.txt" || fail "the gate changed the report"
expect_rc 0 "$HEAPDIFF" --fail-on-growth 2M --fail-on-site-growth 2M "$tmp/s"
expect_rc 5 "$HEAPDIFF" --fail-on-growth 512K "$tmp/s"
expect_err "more than --fail-on-growth 512.0 KiB (524288 bytes)"
expect_rc 5 "$HEAPDIFF" --fail-on-site-growth 100K "$tmp/s"
expect_err "site 'leak_buffer (demo.c:42)' grew"
expect_rc 1 "$HEAPDIFF" --fail-on-growth 12Q "$tmp/s"
expect_err "invalid size '12Q' for --fail-on-growth"

# Two processes in a directory: one report each; --pid picks one.
for i in 1 2 3 4 5; do mk "$tmp/s" $i 4321; done
expect_rc 0 "$HEAPDIFF" "$tmp/s"
[ "$(grep -c '^== pid ' "$tmp/out")" = 2 ] || fail "not one report per process"
grep -q '^== pid 1234 (/usr/bin/demo): 8 snapshots ==$' "$tmp/out" || fail "no header for pid 1234"
expect_rc 0 "$HEAPDIFF" --pid 1234 "$tmp/s"
cmp -s "$tmp/out" "$tmp/series.txt" || fail "--pid 1234 is not the one-process report"
expect_rc 0 "$HEAPDIFF" --json "$tmp/s"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["processes"]) == 2' "$tmp/out" ||
	fail "JSON of two processes is not {processes: [2]}"
expect_rc 2 "$HEAPDIFF" --pid 999 "$tmp/s"
expect_err "no snapshot of pid 999"

# Another program: refused unless --force, nothing on stdout.
sqlite3 "$S.0004.db" "UPDATE meta SET value = '/usr/bin/other' WHERE key = 'exe'"
expect_rc 2 "$HEAPDIFF" "$S".000[1-8].db
expect_err "different programs (/usr/bin/demo and /usr/bin/other)"
[ -s "$tmp/out" ] && fail "stdout not empty after a refusal"
expect_rc 0 "$HEAPDIFF" --force "$S".000[1-8].db
expect_err "compared anyway (--force)"

# A bad middle file is still an error: every input is checked first.
echo junk >"$tmp/junk.db"
expect_rc 2 "$HEAPDIFF" "$S.0001.db" "$tmp/junk.db" "$S.0003.db"
[ -s "$tmp/out" ] && fail "stdout not empty"
# A single file is a usage error.
expect_rc 1 "$HEAPDIFF" "$S.0001.db"
exit 0
