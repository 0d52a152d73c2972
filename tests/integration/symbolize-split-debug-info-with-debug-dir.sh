#!/bin/sh
# A program whose debug info was split off (objcopy --only-keep-debug, then
# --strip-debug --add-gnu-debuglink) and installed only under
# DIR/.build-id/xx/yyyy.debug gets its lines from heapsnap symbolize
# --debug-dir DIR, and not without it (nor from a debug file of another
# build at that path).
. "$(dirname "$0")/lib.sh"
for t in objcopy readelf python3; do
	command -v $t >/dev/null || { echo "harness: $t missing (scripts/setup.sh installs it)"; exit 99; }
done
SRC="$top_srcdir/tests/prog/inline_alloc.cc"
line=$(grep -n "@make-buffer-malloc \*/" "$SRC" | cut -d: -f1)

mkdir -p "$WORK/bin" "$WORK/out"
cp "$PROG/inline_alloc" "$WORK/bin/ia"
objcopy --only-keep-debug "$WORK/bin/ia" "$WORK/ia.debug" &&
	objcopy --strip-debug --add-gnu-debuglink="$WORK/ia.debug" "$WORK/bin/ia" ||
	{ echo "harness: cannot split the debug info"; exit 99; }
id=$(readelf -n "$WORK/bin/ia" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[ -n "$id" ] || { echo "harness: no build-id"; exit 99; }
sub=$(echo "$id" | cut -c1-2) rest=$(echo "$id" | cut -c3-)
mkdir -p "$WORK/dbg/.build-id/$sub"
mv "$WORK/ia.debug" "$WORK/dbg/.build-id/$sub/$rest.debug"

out=$(timeout 120 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1:out=$WORK/out" "$WORK/bin/ia") || fail "exit status $?"
[ "$out" = "kept 400" ] || fail "program printed '$out'"
db=$(last_snapshot "$WORK/out")
cp "$db" "$WORK/bad.db"
site() { q "$1" "SELECT DISTINCT coalesce(file, '') || ':' || coalesce(line, '')
	FROM v_sites WHERE function = 'store::make_buffer'"; }

timeout 120 "$HEAPSNAP" symbolize "$db" >/dev/null 2>"$WORK/err" || fail "symbolize without --debug-dir: exit status $?"
grep -q "no lines for '$WORK/bin/ia': no debug info" "$WORK/err" ||
	fail "no warning for the stripped module: $(cat "$WORK/err")"
[ -z "$(q "$db" "SELECT 1 FROM v_sites WHERE function = 'store::make_buffer'")" ] ||
	fail "lines found without --debug-dir"
timeout 120 "$HEAPSNAP" symbolize --debug-dir "$WORK/dbg" "$db" >/dev/null || fail "symbolize --debug-dir: exit status $?"
case "$(site "$db")" in */tests/prog/inline_alloc.cc:"$line") ;;
*) fail "with --debug-dir: store::make_buffer site is '$(site "$db")', expected inline_alloc.cc:$line" ;; esac

# another build's debug file at the build-id path is refused
python3 - "$WORK/dbg/.build-id/$sub/$rest.debug" "$id" <<'PY' || { echo "harness: cannot change the build-id"; exit 99; }
import sys
path, old = sys.argv[1], bytes.fromhex(sys.argv[2])
data = open(path, 'rb').read()
assert data.count(old) == 1
open(path, 'wb').write(data.replace(old, bytes([old[0] ^ 0xff]) + old[1:]))
PY
timeout 120 "$HEAPSNAP" symbolize --debug-dir "$WORK/dbg" "$WORK/bad.db" >/dev/null 2>&1 || fail "symbolize of bad.db: exit status $?"
[ -z "$(q "$WORK/bad.db" "SELECT 1 FROM v_sites WHERE function = 'store::make_buffer'")" ] ||
	fail "a debug file with another build-id was used"
echo "ok: split debug info found by build-id under --debug-dir only, and checked"
