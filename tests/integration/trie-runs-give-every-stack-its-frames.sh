#!/bin/sh
# The call-site trie is stored as runs (schema version 3): a program whose
# stacks share callers, part at many depths, recurse 42 deep and where one
# stack is the outer part of another (tests/prog/branch_stacks.c) gets, for
# every live block, exactly the functions it printed for it (call site out
# to main) from v_stack_frames; every stack has nframes locations there;
# the call sites' exact totals match the program's count; and the runs are
# the path-compressed trie: valid, non-empty JSON arrays of known
# locations, each at its parent's depth plus the parent's length, none
# without a stack's end unless it branches, no two siblings starting with
# the same location.
. "$(dirname "$0")/lib.sh"
harness_error() { echo "ERROR: $*"; exit 99; }

mkdir "$WORK/out"
run_preloaded "sample=1:out=$WORK/out" "$PROG/branch_stacks" >"$WORK/want.raw" ||
	fail "branch_stacks: exit status $?"
db=$(last_snapshot "$WORK/out")
[ -n "$db" ] || fail "no snapshot written"
[ "$(q "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 3 ] || fail "schema_version is not 3"
sort "$WORK/want.raw" >"$WORK/want"
[ "$(wc -l <"$WORK/want")" -ge 70 ] || harness_error "branch_stacks printed $(wc -l <"$WORK/want") blocks"

# each block's functions, call site first, up to main
q "$db" "SELECT a.size, v.function FROM allocations a JOIN v_stack_frames v ON v.stack_id = a.stack_id
	WHERE v.depth >= 0 AND a.size BETWEEN 1000 AND 1999 ORDER BY a.size, v.depth" |
	awk -F'|' '$1 != size { if (size != "") print line; size = $1; line = $1; done = 0 }
		!done { line = line " " $2; if ($2 == "main") done = 1 }
		END { if (size != "") print line }' | sort >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" >"$WORK/diff" || fail "v_stack_frames differs from the program's stacks: $(head -20 "$WORK/diff")"

# every stack has its nframes locations in the view
bad=$(q "$db" "SELECT count(*) FROM stacks st WHERE st.nframes !=
	(SELECT count(DISTINCT location_depth) FROM v_stack_frames v WHERE v.stack_id = st.id)")
[ "$bad" = 0 ] || fail "$bad stacks whose v_stack_frames locations are not nframes"

# exact totals at the two call sites
for fn in leaf my_alloc; do
	want=$(awk -v f="$fn" '$2 == f' "$WORK/want" | wc -l)
	got=$(q "$db" "SELECT coalesce(sum(live_count), 0) FROM v_sites WHERE function = '$fn'")
	[ "$got" = "$want" ] || fail "call site $fn: $got live blocks, the program kept $want"
done

# the runs: the path-compressed trie of the stacks
check() {  # check WHAT SQL: SQL counts the rows that break WHAT
	n=$(q "$db" "$2") || harness_error "sqlite3: $2"
	[ "$n" = 0 ] || fail "$n callsites rows: $1"
}
check "location_ids not a non-empty array" "SELECT count(*) FROM callsites
	WHERE NOT json_valid(location_ids) OR json_type(location_ids) != 'array' OR json_array_length(location_ids) = 0"
check "unknown locations" "SELECT count(*) FROM callsites c, json_each(c.location_ids) j
	WHERE j.type != 'integer' OR NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = j.value)"
check "depth not the parent's plus its length" "SELECT count(*) FROM callsites c LEFT JOIN callsites p ON p.id = c.parent_id
	WHERE c.depth != coalesce(p.depth + json_array_length(p.location_ids), 0)
	   OR (c.parent_id IS NOT NULL AND p.id IS NULL)"
check "no stack ends there and it does not branch" "SELECT count(*) FROM callsites c
	WHERE NOT EXISTS (SELECT 1 FROM stacks st WHERE st.callsite_id = c.id)
	  AND (SELECT count(*) FROM callsites k WHERE k.parent_id = c.id) < 2"
check "siblings start alike" "SELECT count(*) FROM (SELECT 1 FROM callsites
	GROUP BY parent_id, json_extract(location_ids, '\$[0]') HAVING count(*) > 1)"
[ "$(q "$db" "SELECT value FROM meta WHERE key = 'callsites'")" = "$(q "$db" "SELECT count(*) FROM callsites")" ] ||
	fail "meta callsites is not the rows"
[ -z "$(q "$db" "PRAGMA foreign_key_check")" ] || fail "foreign_key_check: $(q "$db" "PRAGMA foreign_key_check")"

# the program's shapes were there: a stack ending where others go on, a
# run through the recursion
[ "$(q "$db" "SELECT count(*) FROM stacks st WHERE EXISTS (SELECT 1 FROM callsites k WHERE k.parent_id = st.callsite_id)")" -gt 0 ] ||
	harness_error "no stack is the outer part of another"
[ "$(q "$db" "SELECT max(json_array_length(location_ids)) FROM callsites")" -ge 20 ] ||
	harness_error "no run goes through the recursion"
echo "ok: $(wc -l <"$WORK/want") blocks, $(q "$db" "SELECT count(*) FROM stacks") stacks in $(q "$db" "SELECT count(*) FROM callsites") runs of $(q "$db" "SELECT sum(json_array_length(location_ids)) FROM callsites") nodes"
