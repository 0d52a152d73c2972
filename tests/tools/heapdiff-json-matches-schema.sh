#!/bin/sh
# heapdiff --json validates against doc/heapdiff.schema.json, for the
# version-2 fixtures, the version-1 fixtures and across processes, with
# --all (with python3-jsonschema when installed and with the built-in
# validator); and the validator is not a rubber stamp: a document with a
# missing field, a mistyped one and an unknown frame field is rejected.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
schema=$top_srcdir/doc/heapdiff.schema.json
check=$srcdir/tools/jsonschema-check.py
command -v python3 >/dev/null 2>&1 || skip "python3 missing"
SCHEMA_V2=$SCHEMA
SCHEMA=$srcdir/tools/schema-v1.sql
fixture demo1 && mv "$tmp/demo1.db" "$tmp/v1-demo1.db"
fixture demo3 && mv "$tmp/demo3.db" "$tmp/v1-demo3.db"
SCHEMA=$SCHEMA_V2
fixture demo1; fixture demo3; fixture other
n=0
for pair in "demo1 demo3" "v1-demo1 v1-demo3" "demo1 other"; do
	set -- $pair
	for opt in --json "--json --all"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		"$HEAPDIFF" $opt "$tmp/$1.db" "$tmp/$2.db" > "$tmp/d$n.json" 2>"$tmp/err" ||
			{ cat "$tmp/err"; fail "heapdiff $opt $pair failed"; }
		python3 "$check" "$schema" "$tmp/d$n.json" || fail "heapdiff $opt $pair: output does not match the schema"
		JSONSCHEMA_BUILTIN=1 python3 "$check" "$schema" "$tmp/d$n.json" ||
			fail "heapdiff $opt $pair: output does not match the schema (built-in validator)"
	done
done
# negative controls: each corruption must be caught
python3 - "$tmp/d2.json" "$tmp" <<'PY' || harness_error "cannot build the negative controls"
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
x = json.loads(json.dumps(d)); del x["sites"][0]["bytes_delta"]; bad.append(x)
x = json.loads(json.dumps(d)); x["sites"][0]["new_count"] = "12"; bad.append(x)
x = json.loads(json.dumps(d)); x["sites"][0]["frames"][0]["column"] = 3; bad.append(x)
x = json.loads(json.dumps(d)); x["old"]["schema_version"] = 0; bad.append(x)
for i, b in enumerate(bad):
    json.dump(b, open("%s/bad%d.json" % (sys.argv[2], i), "w"))
PY
for i in 0 1 2 3; do
	python3 "$check" "$schema" "$tmp/bad$i.json" >/dev/null 2>&1 && fail "bad$i.json passed the schema"
	JSONSCHEMA_BUILTIN=1 python3 "$check" "$schema" "$tmp/bad$i.json" >/dev/null 2>&1 &&
		fail "bad$i.json passed the built-in validator"
done
exit 0
