#!/bin/sh
# The tracker's own find_debuginfo (local files only) finds a module's
# separate debug file by .gnu_debuglink and validates it as libdw does: by
# build-id when the module has one, else by the link's CRC. cxx_dlopen opens
# a copy of libcxxlib.so stripped of its DWARF (objcopy --only-keep-debug,
# strip -g, --add-gnu-debuglink); its call sites must have cxxlib.cc lines
# when the debug file is the right one, and none when it is not.
. "$(dirname "$0")/lib.sh"
CXXLIB="$top_builddir/tests/prog/.libs/libcxxlib.so"
[ -f "$CXXLIB" ] || { echo "harness: $CXXLIB not built"; exit 99; }
for t in objcopy strip readelf python3; do
	command -v $t >/dev/null || { echo "harness: $t missing (scripts/setup.sh installs it)"; exit 99; }
done

# split CASE BUILD_ID(yes|no) SUBDIR: DIR/libcxxlib.so linked to
# DIR/SUBDIR/cxxlib-dbg.debug, its own debug file.
split() {
	d="$WORK/$1"
	mkdir -p "$d/$3" "$d/out"
	if [ "$2" = yes ]; then cp "$CXXLIB" "$d/libcxxlib.so"
	else objcopy --remove-section .note.gnu.build-id "$CXXLIB" "$d/libcxxlib.so"; fi
	objcopy --only-keep-debug "$d/libcxxlib.so" "$d/$3/cxxlib-dbg.debug" &&
		strip -g "$d/libcxxlib.so" &&
		objcopy --add-gnu-debuglink="$d/$3/cxxlib-dbg.debug" "$d/libcxxlib.so" ||
		{ echo "harness: cannot split $1"; exit 99; }
}
# lines CASE: file:line of cxxlib_new_objects's call site ("" without one)
lines() {
	out=$(run_preloaded "sample=1:symbolize=full:out=$WORK/$1/out" "$PROG/cxx_dlopen" "$WORK/$1/libcxxlib.so") ||
		fail "$1: exit status $?"
	[ "$out" = "caught 1000" ] || fail "$1: program printed '$out'"
	q "$(last_snapshot "$WORK/$1/out")" "SELECT DISTINCT coalesce(file, '') || ':' || coalesce(line, '')
		FROM v_sites WHERE function = 'cxxlib_new_objects'"
}

split id-good yes .debug
got=$(lines id-good)
case "$got" in */cxxlib.cc:2[0-9]) ;; *) fail "build-id, debug file in .debug/: site is '$got', expected cxxlib.cc:NN" ;; esac

split id-bad yes .debug
# the module's build-id changed after the split: its debug file (same code,
# same lines) is now another build's and must be refused
id=$(readelf -n "$WORK/id-bad/libcxxlib.so" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
python3 - "$WORK/id-bad/libcxxlib.so" "$id" <<'PY' || { echo "harness: cannot change the build-id"; exit 99; }
import sys
path, old = sys.argv[1], bytes.fromhex(sys.argv[2])
data = open(path, 'rb').read()
assert data.count(old) == 1
open(path, 'wb').write(data.replace(old, bytes([old[0] ^ 0xff]) + old[1:]))
PY
got=$(lines id-bad)
[ "$got" = ":" ] || fail "build-id mismatch: the wrong debug file was used (site '$got')"

split crc-good no .
got=$(lines crc-good)
case "$got" in */cxxlib.cc:2[0-9]) ;; *) fail "no build-id, debug file beside the module: site is '$got', expected cxxlib.cc:NN" ;; esac

split crc-bad no .
printf x >>"$WORK/crc-bad/cxxlib-dbg.debug"
got=$(lines crc-bad)
[ "$got" = ":" ] || fail "CRC mismatch: the wrong debug file was used (site '$got')"
echo "ok: .gnu_debuglink files found beside the module and in .debug/, checked by build-id and by CRC"
