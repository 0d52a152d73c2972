#!/bin/sh
# Plugin A is dlopen'ed, allocates 3 blocks that stay live, is dlclose'd;
# plugin B, of the same layout, is then mapped where A was and allocates 5
# blocks through the same call: the two stacks are the same addresses.
# The exit snapshot must name A's frames after A (its function, its module
# and build-id) and B's after B, in v_sites, v_stack_frames and heapdiff.
# Before the module epoch, every frame was named after what was mapped at
# the address when the file was written: A's blocks showed up as B's.
# Skipped (77) when the loader did not put B where A was.
. "$(dirname "$0")/lib.sh"
A="$top_builddir/tests/prog/.libs/libdlreuse_plugin_a.so"
B="$top_builddir/tests/prog/.libs/libdlreuse_plugin_b.so"
prog="$PROG/dlreuse_host"
[ -x "$prog" ] && [ -f "$A" ] && [ -f "$B" ] || { echo "harness: $prog or its plugins not built"; exit 99; }
mkdir "$WORK/out"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out" "$prog" "$A" "$B" 2>"$WORK/err")
rc=$?
if [ "$rc" -eq 77 ]; then
	echo "skip: $out"
	exit 77
fi
[ "$rc" -eq 0 ] || fail "dlreuse_host: exit status $rc ($(cat "$WORK/err"))"
case "$out" in "reused "*) ;; *) fail "dlreuse_host printed '$out', expected 'reused ...'" ;; esac
[ ! -s "$WORK/err" ] || fail "stderr: $(cat "$WORK/err")"
base=$(ls "$WORK/out"/heapsnap.*.db | sort | head -n 1)
db=$(last_snapshot "$WORK/out")
[ -n "$db" ] && [ "$db" != "$base" ] || fail "expected two snapshots (start, exit): $(ls "$WORK/out")"
sites() { q "$db" "SELECT coalesce(function, '?') || ' ' || live_count || ' ' ||
	replace(coalesce(module, '?'), rtrim(coalesce(module, '?'), replace(coalesce(module, '?'), '/', '')), '')
	FROM v_sites WHERE function GLOB 'reuse_*' ORDER BY function"; }
got=$(sites)
want="reuse_alpha_alloc 3 libdlreuse_plugin_a.so
reuse_bravo_alloc 5 libdlreuse_plugin_b.so"
[ "$got" = "$want" ] || fail "v_sites: '$got', expected '$want'; all sites: $(q "$db" "SELECT group_concat(coalesce(function, '?') || '=' || live_count || '@' || coalesce(module, '?'), ' ') FROM v_sites")"
# whole stacks: the plugin frame, then this program's keep and main
chains=$(q "$db" "SELECT DISTINCT chain FROM (SELECT stack_id, group_concat(coalesce(function, '?') || '@' ||
	replace(coalesce(module, '?'), rtrim(coalesce(module, '?'), replace(coalesce(module, '?'), '/', '')), ''), ' < ')
	AS chain FROM (SELECT * FROM v_stack_frames ORDER BY stack_id, location_depth, inline_depth)
	GROUP BY stack_id) WHERE chain GLOB 'reuse_*' ORDER BY chain")
a_chain=$(echo "$chains" | grep -c '^reuse_alpha_alloc@libdlreuse_plugin_a\.so < keep@dlreuse_host < main@dlreuse_host')
b_chain=$(echo "$chains" | grep -c '^reuse_bravo_alloc@libdlreuse_plugin_b\.so < keep@dlreuse_host < main@dlreuse_host')
[ "$a_chain" = 1 ] && [ "$b_chain" = 1 ] && [ "$(echo "$chains" | wc -l)" = 2 ] ||
	fail "v_stack_frames: the plugins' stacks are:
$chains"
# the very same addresses: the stacks are told apart by their module epoch
addrs=$(q "$db" "SELECT DISTINCT list FROM (SELECT stack_id, group_concat(address, ' ') AS list, min(function) AS f
	FROM (SELECT * FROM v_stack_frames ORDER BY stack_id, location_depth, inline_depth) GROUP BY stack_id)
	WHERE stack_id IN (SELECT stack_id FROM v_stack_frames WHERE function GLOB 'reuse_*')")
[ "$(echo "$addrs" | wc -l)" = 1 ] || fail "the plugins' stacks are not the same addresses (host built otherwise?):
$addrs"
# each module row is its own file: A's build-id on A's row
for p in "$A" "$B"; do
	want_id=$(readelf -n "$p" 2>/dev/null | sed -n 's/.*Build ID: *//p')
	[ -n "$want_id" ] || { echo "harness: $p has no build-id"; exit 99; }
	name=${p##*/}
	got_id=$(q "$db" "SELECT group_concat(DISTINCT m.build_id) FROM locations l JOIN modules m ON m.id = l.module_id
		WHERE m.path LIKE '%/$name'")
	[ "$got_id" = "$want_id" ] || fail "modules: the locations in $name have build-id '$got_id', expected '$want_id'"
done
# heapdiff, from the start snapshot: each plugin's growth is its own
hd=$(timeout 60 "$HEAPDIFF" --all "$base" "$db" 2>&1) || fail "heapdiff: exit status $?: $hd"
echo "$hd" | grep -q 'reuse_alpha_alloc' || fail "heapdiff does not list reuse_alpha_alloc:
$hd"
echo "$hd" | grep -q 'reuse_bravo_alloc' || fail "heapdiff does not list reuse_bravo_alloc:
$hd"
hm=$(timeout 60 "$HEAPDIFF" --all --by module "$base" "$db" 2>&1) || fail "heapdiff --by module: exit status $?: $hm"
a_bytes=$(echo "$hm" | grep 'libdlreuse_plugin_a\.so' | head -n 1)
b_bytes=$(echo "$hm" | grep 'libdlreuse_plugin_b\.so' | head -n 1)
[ -n "$a_bytes" ] && [ -n "$b_bytes" ] || fail "heapdiff --by module lacks a plugin:
$hm"
echo "ok: A's 3 blocks named reuse_alpha_alloc in A, B's 5 reuse_bravo_alloc in B, at the same addresses"
