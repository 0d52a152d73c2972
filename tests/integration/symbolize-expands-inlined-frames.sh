#!/bin/sh
# heapsnap symbolize writes file:line and inlined frames into a names-only
# snapshot. inline_alloc (C++, -O2 -g) allocates at the bottom of a forced
# inline chain main -> fill_table -> store::make_entry, which the traced
# process names main alone; after symbolize, v_stack_frames lists the
# three functions with the lines inline_alloc.cc marks, the call site is
# store::make_entry (and fill_table behind store::make_buffer, a wrapper by
# the process's wrappers= option), the file keeps its mode, and meta says
# who symbolized it.
. "$(dirname "$0")/lib.sh"
SRC="$top_srcdir/tests/prog/inline_alloc.cc"
mark() { grep -n "@$1 \*/" "$SRC" | cut -d: -f1; }

mkdir -p "$WORK/out"
out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:wrappers=*make_buffer:out=$WORK/out" "$PROG/inline_alloc") || fail "exit status $?"
[ "$out" = "kept 400" ] || fail "program printed '$out'"
db=$(last_snapshot "$WORK/out")
[ -n "$db" ] || fail "no snapshot written"
[ "$(q "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 3 ] ||
	fail "expected a schema 2 snapshot"
# names only: the tracker's default (symbolize=names) reads no DWARF
[ "$(q "$db" "SELECT count(*) FROM frames WHERE file IS NOT NULL")" = 0 ] ||
	fail "the traced process resolved lines: this test needs a names-only snapshot"
chmod 640 "$db"

timeout 120 "$HEAPSNAP" symbolize "$db" >"$WORK/sym.out" 2>"$WORK/sym.err" ||
	fail "symbolize: exit status $?: $(cat "$WORK/sym.err")"
grep -q "^$db: [1-9][0-9]* locations\{0,1\} got lines, [0-9]* stayed without$" "$WORK/sym.out" ||
	fail "symbolize printed '$(cat "$WORK/sym.out")'"
[ "$(stat -c %a "$db")" = 640 ] || fail "mode changed to $(stat -c %a "$db")"
case "$(q "$db" "SELECT value FROM meta WHERE key = 'symbolized_by'")" in
"heapsnap symbolize "*) ;; *) fail "no symbolized_by meta row" ;; esac
[ -n "$(q "$db" "SELECT value FROM meta WHERE key = 'symbolized_time'")" ] || fail "no symbolized_time meta row"

for k in named:symbol lines:lines unresolved:unresolved; do
	[ "$(q "$db" "SELECT value FROM meta WHERE key = 'locations_${k%%:*}'")" = \
	  "$(q "$db" "SELECT count(*) FROM locations WHERE resolution = '${k#*:}'")" ] ||
		fail "meta locations_${k%%:*} not updated"
done
[ "$(q "$db" "SELECT value FROM meta WHERE key = 'frames'")" = "$(q "$db" "SELECT count(*) FROM frames")" ] ||
	fail "meta frames not updated"

# frames of the stack through operator new, call site first
stack=$(q "$db" "SELECT stack_id FROM v_stack_frames WHERE function LIKE 'operator new%' LIMIT 1")
[ -n "$stack" ] || fail "no stack through operator new"
q "$db" "SELECT function || ' ' || coalesce(file, '?') || ':' || coalesce(line, 0)
	FROM v_stack_frames WHERE stack_id = $stack AND depth >= 0 ORDER BY depth" >"$WORK/frames"
head -n 3 "$WORK/frames" >"$WORK/top3"
cat >"$WORK/want" <<EOT
store::make_entry $SRC:$(mark make-entry-new)
fill_table $SRC:$(mark fill-calls-make-entry)
main $SRC:$(mark main-calls-fill)
EOT
# files are absolute (comp_dir + name); compare the real paths' tails
sed "s|^\([^ ]*\) .*/tests/prog/|\1 prog/|" "$WORK/top3" >"$WORK/got"
sed "s|^\([^ ]*\) .*/tests/prog/|\1 prog/|" "$WORK/want" >"$WORK/want2"
cmp -s "$WORK/got" "$WORK/want2" ||
	fail "frames of stack $stack: $(cat "$WORK/frames"), expected $(cat "$WORK/want2")"
site=$(q "$db" "SELECT function || ':' || line FROM v_sites WHERE stack_id = $stack")
[ "$site" = "store::make_entry:$(mark make-entry-new)" ] || fail "call site is '$site'"

# the traced process's wrappers= pattern names an inlined frame: the call
# site moves out to its inlined caller, one frame out
stack=$(q "$db" "SELECT stack_id FROM v_stack_frames WHERE function = 'store::make_buffer' LIMIT 1")
site=$(q "$db" "SELECT function || ':' || line FROM v_sites WHERE stack_id = $stack")
[ "$site" = "fill_table:$(mark fill-calls-make-buffer)" ] ||
	fail "call site behind the wrapper store::make_buffer is '$site'"
[ "$(q "$db" "SELECT function FROM v_stack_frames WHERE stack_id = $stack AND depth = -1")" = store::make_buffer ] ||
	fail "store::make_buffer is not the frame inside the call site"

# a second run has nothing left to do for this program's locations
timeout 120 "$HEAPSNAP" symbolize "$db" >"$WORK/sym2.out" || fail "second symbolize: exit status $?"
grep -q "^$db: 0 locations got lines" "$WORK/sym2.out" || fail "second symbolize printed '$(cat "$WORK/sym2.out")'"
echo "ok: inlined frames written with file:line, call site recomputed, mode kept"
