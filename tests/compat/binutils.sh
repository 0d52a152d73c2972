#!/bin/sh
# binutils: readelf, objdump -d, nm -C and strip on a copy of /bin/ls
# (BFD and libopcodes: many small allocations, demangling).
. "$(dirname "$0")/lib.sh"
need objdump binutils
setup() {
	cp /bin/ls ls.bin
	cp ls.bin ls.stripped
}
COMPAT_FILES="ls.stripped"
compat_run binutils sh -c 'readelf -hlSdW ls.bin | md5sum; objdump -d ls.bin | md5sum; objdump -d ls.bin | wc -l
	nm -D -C ls.bin | sort | head -n 5; strip --strip-all ls.stripped && readelf -S ls.stripped | grep -c "\["'
