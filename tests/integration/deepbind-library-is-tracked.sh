#!/bin/sh
# A library dlopen'ed with RTLD_DEEPBIND binds the malloc family to glibc
# ahead of the preload. The preload's dlopen redirects its calls, so in exact
# mode its kept blocks are attributed to its functions, the blocks it frees
# (a strdup, a free through a pointer) are not live, and meta's exact totals
# grow by exactly the kept blocks. Three bindings: lazy, RTLD_NOW, and a
# library linked -z now (GOT read-only). A DEEPBIND library that defines its
# own malloc and free keeps using them. One that only RTLD_LAZY can open
# keeps lazy allocator slots that cannot be redirected: heapsnap says so once,
# naming it, and stops tracking (no snapshot shows its frees as leaks).
. "$(dirname "$0")/lib.sh"
LIBS="$top_builddir/tests/prog/.libs"
OWN="$LIBS/libdeepbind_ownmalloc.so"
for f in "$LIBS/libdeepbind.so" "$LIBS/libdeepbind_now.so" "$LIBS/libdeepbind_undef.so" "$OWN"; do
	[ -f "$f" ] || { echo "harness: $f not built"; exit 99; }
done

# run NAME LIB MODE WORK: one run under the preload in exact mode.
run() {
	mkdir "$WORK/$1"
	timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/$1" \
		"$PROG/deepbind" "$2" "$3" "$OWN" "$4" >"$WORK/$1.out" 2>"$WORK/$1.err" ||
		fail "$1: exit status $? ($(cat "$WORK/$1.err"))"
	[ ! -s "$WORK/$1.err" ] || fail "$1: stderr: $(cat "$WORK/$1.err")"
	db=$(last_snapshot "$WORK/$1")
	[ -n "$db" ] || fail "$1: no snapshot written"
}
site() { # DB FUNCTION: live bytes, live count, allocs, frees of its call sites
	q "$1" "SELECT coalesce(sum(live_bytes),0) || ' ' || coalesce(sum(live_count),0) || ' ' ||
		coalesce(sum(alloc_count),0) || ' ' || coalesce(sum(free_count),0)
		FROM v_sites WHERE function='$2'"
}
meta() { q "$1" "SELECT value FROM meta WHERE key='$2'"; } # DB KEY
check() { # NAME LIB MODE
	name=$1
	run "$name.base" "$2" "$3" 0
	base=$db
	run "$name" "$2" "$3" 1
	out=$(cat "$WORK/$name.out")
	case "$out" in "kept "*" own 2") ;; *) fail "$name: program printed '$out', expected 'kept N own 2' (own 2: the library's own malloc and free were called)" ;; esac
	usable=$(echo "$out" | cut -d' ' -f2)
	for want in "deepbind_keep_malloc 10 1 1 0" "deepbind_strdup_free 0 0 1 1" \
		"deepbind_free_by_pointer 0 0 1 1" "deepbind_keep_calloc 100 1 1 0" \
		"deepbind_keep_realloc 200 1 2 1"; do
		fn=${want%% *}
		got=$(site "$db" "$fn")
		[ "$got" = "${want#* }" ] ||
			fail "$name: $fn expected '${want#* }' (live bytes, live, allocs, frees), got '$got'"
	done
	mod=$(q "$db" "SELECT group_concat(DISTINCT module) FROM v_sites WHERE function='deepbind_keep_malloc'")
	case "$mod" in */"$(basename "$2")") ;; *) fail "$name: call site module is '$mod'" ;; esac
	ownsites=$(q "$db" "SELECT count(*) FROM v_sites WHERE function='ownmalloc_work' OR module LIKE '%ownmalloc%'")
	[ "$ownsites" = 0 ] || fail "$name: $ownsites sites in the library with its own malloc (its calls reached the preload)"
	# meta's exact totals: the work adds exactly the three kept blocks
	live_count=$(($(meta "$db" live_count) - $(meta "$base" live_count)))
	live_bytes=$(($(meta "$db" live_bytes) - $(meta "$base" live_bytes)))
	[ "$live_count" = 3 ] || fail "$name: meta.live_count grew by $live_count, expected 3 (the kept blocks)"
	[ "$live_bytes" = "$usable" ] || fail "$name: meta.live_bytes grew by $live_bytes, expected $usable (usable bytes of the kept blocks)"
	echo "ok: $name: kept blocks attributed, freed blocks not live, meta +3 blocks +$usable bytes"
}
check lazy "$LIBS/libdeepbind.so" lazy
check now "$LIBS/libdeepbind.so" now
check relro "$LIBS/libdeepbind_now.so" now

mkdir "$WORK/undef"
timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/undef" \
	"$PROG/deepbind" "$LIBS/libdeepbind_undef.so" lazy "$OWN" 1 >"$WORK/undef.out" 2>"$WORK/undef.err" ||
	fail "undef: exit status $? ($(cat "$WORK/undef.err"))"
case "$(cat "$WORK/undef.out")" in "kept "*" own 2") ;; *) fail "undef: program printed '$(cat "$WORK/undef.out")'" ;; esac
n=$(grep -c '^heapsnap: .*libdeepbind_undef\.so.*RTLD_DEEPBIND.*tracking stopped$' "$WORK/undef.err")
[ "$n" = 1 ] || fail "undef: expected one 'tracking stopped' line naming the library, stderr: $(cat "$WORK/undef.err")"
[ "$(wc -l <"$WORK/undef.err")" = 1 ] || fail "undef: more than one line on stderr: $(cat "$WORK/undef.err")"
[ -z "$(last_snapshot "$WORK/undef")" ] || fail "undef: a snapshot was written after tracking stopped"
echo "ok: undef: $(cat "$WORK/undef.err")"
