#!/bin/sh
# cmp, md5sum, sha256sum, b2sum on generated files; cmp exits 1 (files
# differ).
. "$(dirname "$0")/lib.sh"
need cmp diffutils
need md5sum coreutils
setup() {
	head -c 4000000 /dev/zero | tr '\0' a >a.bin
	cp a.bin b.bin
	printf 'b' | dd of=b.bin bs=1 seek=3000000 conv=notrunc 2>/dev/null
}
COMPAT_STATUS=1
compat_run cmp-md5sum sh -c 'md5sum a.bin b.bin; sha256sum a.bin; b2sum b.bin; md5sum a.bin >sums && md5sum -c sums; cmp -l a.bin b.bin; cmp a.bin b.bin'
