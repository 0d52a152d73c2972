#!/bin/sh
# tar | xz | xz -d | gzip | gzip -d | tar x: a round trip of a generated
# tree; the archive bytes (deterministic: sorted, fixed mtime and owner)
# and the extracted tree must be the same.
. "$(dirname "$0")/lib.sh"
need tar tar
need xz xz-utils
need gzip gzip
setup() {
	mkdir -p in/a/b in/c
	seq 1 40000 >in/a/nums
	seq 1 3000 | sed 's/.*/word & and more words &&/' >in/a/b/text
	head -c 300000 /dev/zero | tr '\0' x >in/c/xs
	for i in 1 2 3 4 5 6 7 8; do echo "file $i" >"in/c/f$i"; done
	mkdir out
}
COMPAT_FILES="in.tar.xz in.tar.gz"
compat_run tar-xz-gzip sh -c '
	set -e
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - in | xz -T2 -6 >in.tar.xz
	xz -dc in.tar.xz | gzip -n -9 >in.tar.gz
	gzip -dc in.tar.gz | tar -C out -xf -
	diff -r in out/in && echo same
	tar -tvf in.tar.gz --numeric-owner | sort -k6
	xz -l in.tar.xz | tail -n 1 | tr -s " " | cut -d" " -f2,5'
