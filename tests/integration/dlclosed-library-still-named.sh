#!/bin/sh
# A plugin dlopen'ed, allocated from (its blocks kept live) and dlclose'd
# before the snapshot is still named: the preload's dlclose remembers the
# modules it unmaps (path, build-id, load address), the snapshot names the
# frames from the file on disk, lists the module in modules, and the tools
# resolve the frame's file and line from it. Before the fix the plugin's
# frame was a bare address in no module ('0x7f...').
. "$(dirname "$0")/lib.sh"
prog="$PROG/dlclose_host"
plugin="$top_builddir/tests/prog/.libs/libdlclose_plugin.so"
[ -x "$prog" ] && [ -f "$plugin" ] || { echo "harness: $prog or $plugin not built"; exit 99; }
mkdir "$WORK/out"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out" "$prog" "$plugin" 2>"$WORK/err") ||
	fail "dlclose_host: exit status $? ($(cat "$WORK/err"))"
case "$out" in "closed "*) ;; *) fail "dlclose_host printed '$out', expected 'closed ...'" ;; esac
[ ! -s "$WORK/err" ] || fail "stderr: $(cat "$WORK/err")"
db=$(last_snapshot "$WORK/out")
[ -n "$db" ] || fail "no snapshot written"
got=$(q "$db" "SELECT coalesce(sum(live_count), 0) || ' ' || coalesce(group_concat(DISTINCT module), '')
	FROM v_sites WHERE function = 'plugin_keep'")
case "$got" in "3 "*/libdlclose_plugin.so) ;;
*) fail "the plugin's call site: '$got', expected '3 .../libdlclose_plugin.so' (live count, module); sites: $(q "$db" "SELECT group_concat(coalesce(function, '?') || '=' || live_count, ' ') FROM v_sites")" ;;
esac
want_id=$(readelf -n "$plugin" 2>/dev/null | sed -n 's/.*Build ID: *//p')
[ -n "$want_id" ] || { echo "harness: $plugin has no build-id"; exit 99; }
mod=$(q "$db" "SELECT build_id FROM modules WHERE path LIKE '%/libdlclose_plugin.so'")
[ "$mod" = "$want_id" ] || fail "modules: the plugin's build_id is '$mod', expected '$want_id'"
info=$(timeout 60 "$HEAPSNAP" info "$db" 2>&1) || fail "heapsnap info: exit status $?: $info"
echo "$info" | grep -q 'plugin_keep (.*dlclose_plugin\.c:[0-9]' ||
	fail "heapsnap info does not give plugin_keep with its file and line:
$info"
echo "ok: the dlclose'd plugin's call site is plugin_keep in its module (build-id $want_id), with its line"
