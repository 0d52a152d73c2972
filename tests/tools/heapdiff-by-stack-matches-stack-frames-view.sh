#!/bin/sh
# heapdiff-by-stack-matches-stack-frames-view.sh: heapdiff --by stack walks
# the call-site trie in C (tools/snapread.c, snapread_stack_refs) instead
# of a query per stack; every stack it reports must have exactly the
# frames the schema's own v_stack_frames view gives (depth >= 0, call site
# first), on a version 2 file whose trie shares nodes between stacks, has
# an inlined frame, a node whose location has no frames, a stack behind
# an allocator (site_depth 2) and a stack whose node is missing, on a
# version 3 file with the same (its runs shared), and on a version 1 file
# (stack_frames). The exports read the same walk
# (snapread_profile): their frame count must match the view's too.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"

SCHEMA=$srcdir/tools/schema-v2.sql # the frozen version 2: one row per node
fixture demo1
fixture demo3
f=$tmp/demo3.db
# stack 9: a node of its own (parse_config), over a node whose location
# has no frames rows, over stack 1's handle_request node (shared);
# location 4 gets an inlined level; stack 10's node does not exist
sqlite3 "$f" "INSERT INTO locations(id, address, module_id, offset, jit, resolution)
		SELECT 99, address + 16, module_id, offset + 16, 0, 'symbol' FROM locations WHERE id = 4;
	INSERT INTO frames(location_id, inline_depth, function, file, line, is_allocator)
		VALUES (4, 1, 'inlined_helper', 'helper.h', 7, 0);
	INSERT INTO callsites(id, parent_id, location_id, depth) VALUES (9001, 1002, 99, 3);
	INSERT INTO callsites(id, parent_id, location_id, depth) VALUES (9000, 9001, 6, 4);
	INSERT INTO stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth)
		VALUES (9, 9000, 6, 0, 6, 0);
	INSERT INTO stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth)
		VALUES (10, 123456, 1, 0, 6, 0);
	INSERT INTO sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count)
		VALUES (9, 777, 7, 777, 7, 0, 0);
	INSERT INTO sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count)
		VALUES (10, 555, 5, 555, 5, 0, 0);" ||
	harness_error "cannot extend $f"

# check FILE OLD: heapdiff --by stack's frames of OLD and FILE against
# their views (a stack that vanished is shown from OLD)
check() {
	expect_rc 0 timeout 60 "$HEAPDIFF" --json --by stack --all "$2" "$1"
	cp "$tmp/out" "$tmp/by-stack.json"
	: > "$tmp/view.txt"
	for db in "$2" "$1"; do
		sqlite3 -separator '|' "$db" "SELECT '$db' || v.stack_id, v.depth, v.function, v.file,
				v.line, v.module, v.address
			FROM v_stack_frames v WHERE v.depth >= 0 AND v.stack_id IN (SELECT stack_id FROM sites)
			ORDER BY v.stack_id, v.depth" >> "$tmp/view.txt" || harness_error "cannot read the view of $db"
	done
	sqlite3 "$1" "SELECT count(*) FROM v_stack_frames v
		WHERE v.depth >= 0 AND v.stack_id IN (SELECT stack_id FROM sites)" > "$tmp/nview" ||
		harness_error "cannot count the view of $1"
	python3 - "$tmp/by-stack.json" "$tmp/view.txt" <<'PY' || fail "--by stack frames differ from v_stack_frames in $1"
import json, sys
d = json.load(open(sys.argv[1]))
got = set()
for s in d["sites"]:
    got.add(tuple((f["function"] or "", f["file"] or "", str(f["line"] or ""), f["module"] or "",
                   str(f["address"])) for f in s["frames"]))
want = {}
for line in open(sys.argv[2]):
    sid, depth, fn, fl, ln, mod, addr = line.rstrip("\n").split("|")
    if ln == "0":
        ln = ""
    want.setdefault(sid, []).append((fn, fl, ln, mod, addr))
want = set(tuple(v) for v in want.values())
missing = want - got
assert not missing, ("stacks not reported", missing)
extra = got - want - {()}
assert not extra, ("frames not in the view", extra)
PY
}
check "$f" "$tmp/demo1.db"
grep -q '"function": "inlined_helper"' "$tmp/by-stack.json" || fail "the inlined level is missing"
grep -q '"final_bytes": 777' "$tmp/by-stack.json" || fail "stack 9 is missing"

# the exports' walk: one frame per view row in the folded paths (each line
# is a stack's frames, outermost first, ';'-separated)
expect_rc 0 timeout 60 "$HEAPSNAP" export --folded - "$f"
awk '{ sub(/ [0-9]+$/, ""); n += split($0, a, ";") } END { print n }' "$tmp/out" > "$tmp/nfolded"
[ "$(cat "$tmp/nfolded")" -ge "$(cat "$tmp/nview")" ] ||
	fail "export --folded has $(cat "$tmp/nfolded") frames, the view $(cat "$tmp/nview")"
grep -q 'inlined_helper' "$tmp/out" || fail "export --folded lost the inlined level"
grep -q 'handle_request.*parse_config (config.c:17) 777$' "$tmp/out" ||
	fail "export --folded: stack 9 is not under the shared node: $(grep 777 "$tmp/out")"

# version 3: the same extension as runs; stack 9's run [99, 6] hangs under
# stack 1's outer run [13, 5, 4] (ends at handle_request)
SCHEMA=$top_srcdir/src/schema.sql
fixture demo1
fixture demo3
[ "$(sqlite3 "$f" "SELECT value FROM meta WHERE key = 'schema_version'")" = 3 ] ||
	harness_error "the current schema is not version 3"
sqlite3 "$f" "INSERT INTO locations(id, address, module_id, offset, jit, resolution)
		SELECT 99, address + 16, module_id, offset + 16, 0, 'symbol' FROM locations WHERE id = 4;
	INSERT INTO frames(location_id, inline_depth, function, file, line, is_allocator)
		VALUES (4, 1, 'inlined_helper', 'helper.h', 7, 0);
	INSERT INTO callsites(id, parent_id, depth, location_ids) VALUES (9000, 1001, 3, '[99,6]');
	INSERT INTO stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth)
		VALUES (9, 9000, 5, 0, 6, 0);
	INSERT INTO stacks(id, callsite_id, nframes, site_depth, site_location_id, site_inline_depth)
		VALUES (10, 123456, 1, 0, 6, 0);
	INSERT INTO sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count)
		VALUES (9, 777, 7, 777, 7, 0, 0);
	INSERT INTO sites(stack_id, live_bytes, live_count, alloc_bytes, alloc_count, free_bytes, free_count)
		VALUES (10, 555, 5, 555, 5, 0, 0);" ||
	harness_error "cannot extend $f (version 3)"
check "$f" "$tmp/demo1.db"
grep -q '"function": "inlined_helper"' "$tmp/by-stack.json" || fail "version 3: the inlined level is missing"
grep -q '"final_bytes": 777' "$tmp/by-stack.json" || fail "version 3: stack 9 is missing"
expect_rc 0 timeout 60 "$HEAPSNAP" export --folded - "$f"
grep -q 'handle_request.*parse_config (config.c:17) 777$' "$tmp/out" ||
	fail "version 3: export --folded: stack 9 is not under the shared run: $(grep 777 "$tmp/out")"

# version 1: stack_frames, read by the frames query
sh "$MKFIXTURE" "$srcdir/tools/schema-v1.sql" "$tmp/v1-demo1.db" demo1 &&
	sh "$MKFIXTURE" "$srcdir/tools/schema-v1.sql" "$tmp/v1-demo3.db" demo3 ||
	harness_error "cannot make the version 1 fixtures"
check "$tmp/v1-demo3.db" "$tmp/v1-demo1.db"
exit 0
