#!/bin/sh
# The call site is the user's code: memory kept through std::string,
# std::map and std::vector (-O2 -g), through GLib's g_strdup, g_malloc0 and
# GHashTable, and through a program's own wrapper named by wrappers=, is
# reported at the function that called the wrapper; v_sites.raw_function
# keeps the innermost frame.
. "$(dirname "$0")/lib.sh"
# site DB FUNCTION: "bytes count" live at sites whose call site is FUNCTION
site() { q "$1" "SELECT coalesce(sum(live_bytes), 0) || ' ' || coalesce(sum(live_count), 0) FROM v_sites WHERE function = '$2'"; }

mkdir "$WORK/cxx"
run_preloaded "sample=1:out=$WORK/cxx" "$PROG/wrappers_cxx" >"$WORK/cxx.out" || fail "wrappers_cxx: exit status $?"
db=$(last_snapshot "$WORK/cxx")
for f in 'build_text(int)' 'index_words(int)' 'collect_ids(int)'; do
	got=$(site "$db" "$f")
	case "$got" in "0 0"|"") fail "C++: no live memory at call site '$f'; sites: $(q "$db" "SELECT function, raw_function, live_bytes FROM v_sites WHERE live_bytes > 0")" ;; esac
done
bad=$(q "$db" "SELECT group_concat(DISTINCT function) FROM v_sites WHERE live_bytes > 0 AND (function LIKE 'std::%' OR function LIKE '__gnu_cxx::%' OR function LIKE 'operator new%')")
[ -z "$bad" ] || fail "C++: call sites inside the standard library: $bad"
raw=$(q "$db" "SELECT count(*) FROM v_sites WHERE function = 'build_text(int)' AND raw_function IS NOT NULL AND raw_function != 'build_text(int)'")
[ "$raw" -gt 0 ] || fail "C++: raw_function does not keep the innermost frame of build_text's stacks"

mkdir "$WORK/user"
run_preloaded "sample=1:out=$WORK/user" "$PROG/wrappers_user" >/dev/null || fail "wrappers_user: exit status $?"
[ "$(site "$(last_snapshot "$WORK/user")" pool_alloc)" = "$((400 * 256)) 400" ] ||
	fail "own wrapper, no option: pool_alloc holds '$(site "$(last_snapshot "$WORK/user")" pool_alloc)'"
mkdir "$WORK/user2"
run_preloaded "sample=1:out=$WORK/user2:wrappers=pool_*" "$PROG/wrappers_user" >/dev/null || fail "wrappers_user: exit status $?"
db=$(last_snapshot "$WORK/user2")
[ "$(site "$db" keep_records)" = "$((400 * 256)) 400" ] || fail "wrappers=pool_*: keep_records holds '$(site "$db" keep_records)'"
[ "$(site "$db" pool_alloc)" = "0 0" ] || fail "wrappers=pool_*: pool_alloc is still a call site"

if [ -x "$PROG/wrappers_glib" ]; then
	mkdir "$WORK/glib"
	run_preloaded "sample=1:out=$WORK/glib" "$PROG/wrappers_glib" >/dev/null || fail "wrappers_glib: exit status $?"
	db=$(last_snapshot "$WORK/glib")
	for f in remember_name make_buffers fill_table; do
		got=$(site "$db" "$f")
		case "$got" in "0 0"|"") fail "GLib: no live memory at call site '$f'; sites: $(q "$db" "SELECT function, raw_function, live_bytes FROM v_sites WHERE live_bytes > 0")" ;; esac
	done
	bad=$(q "$db" "SELECT group_concat(DISTINCT function) FROM v_sites WHERE live_bytes > 0 AND function LIKE 'g\_%' ESCAPE '\'")
	[ -z "$bad" ] || fail "GLib: call sites inside GLib: $bad"
	echo "ok: C++, GLib and the program's own wrapper skipped"
else
	echo "ok: C++ and the program's own wrapper skipped (GLib test program not built: install libglib2.0-dev)"
fi
