#!/bin/sh
# sed: substitutions with back-references, the hold space, ranges and
# in-place editing of a 100000-line file.
. "$(dirname "$0")/lib.sh"
need sed sed
setup() {
	seq 1 100000 | sed 's/.*/item & of many: &&/' >in.txt
	cp in.txt edit.txt
}
COMPAT_FILES="edit.txt"
compat_run sed sh -c '
	sed -E "s/item ([0-9]+)([0-9]) of/\2\1 from/; /^9/d; 500,600s/many/few/" in.txt | tail -n 3
	sed -n "1~1000{h;n;G;p}" in.txt | md5sum
	sed -n "$!{H;d};x;s/\n/,/g;p" in.txt | wc -c
	sed -i.bak -e "s/of many/OF MANY/g" -e "/5$/s/^/five:/" edit.txt && cmp -s in.txt edit.txt.bak && echo backup ok'
