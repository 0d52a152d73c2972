#!/bin/sh
# heapdiff-json-parses-and-ranks-leak-first.sh: --json is valid JSON with
# exactly the keys old, new, sites; sites[0] is leak_buffer with its deltas
# and the frames of the stack that grew most, call site first; unknown
# values are null; meta values keep their types.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
fixture demo1
fixture demo3
expect_rc 0 "$HEAPDIFF" --json "$tmp/demo1.db" "$tmp/demo3.db"
python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out" || fail "output is not valid JSON"
python3 - "$tmp/out" <<'PY' || fail "JSON content is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert sorted(d) == ["new", "old", "sites"], sorted(d)
assert d["old"]["pid"] == 1234 and d["old"]["seq"] == 1 and d["new"]["seq"] == 3
assert d["old"]["schema_version"] == 3 and isinstance(d["new"]["time"], float)
assert d["new"]["cmdline"] == 'demo --serve "port 80"'
s = d["sites"][0]
assert sorted(s) == sorted(["bytes_delta", "count_delta", "old_bytes", "new_bytes",
                            "old_count", "new_count", "frames"]), sorted(s)
assert (s["bytes_delta"], s["count_delta"]) == (1049088, 1026), s
assert (s["old_bytes"], s["new_bytes"], s["old_count"], s["new_count"]) == (1536, 1050624, 2, 1028), s
f = s["frames"]
assert [x["function"] for x in f] == ["leak_buffer", "handle_request", "main", "__libc_start_main"], f
assert sorted(f[0]) == ["address", "file", "function", "line", "module"], f[0]
assert (f[0]["file"], f[0]["line"], f[0]["module"]) == ("demo.c", 42, "/usr/bin/demo"), f[0]
assert f[3]["file"] is None and f[3]["line"] is None, f[3]
plugin = [x for x in d["sites"] if x["frames"] and x["frames"][0]["function"] is None]
assert len(plugin) == 1 and plugin[0]["frames"][0]["module"] == "/opt/demo/lib/libplugin.so", plugin
assert all(x["bytes_delta"] > 0 for x in d["sites"]), "non-growing site without --all"
assert [x["bytes_delta"] for x in d["sites"]] == sorted((x["bytes_delta"] for x in d["sites"]), reverse=True)
PY
exit 0
