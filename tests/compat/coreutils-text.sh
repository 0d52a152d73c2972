#!/bin/sh
# coreutils text tools chained: tr, cut, paste, join, uniq, wc, od,
# base64, split, tac, shuf with a fixed random source.
. "$(dirname "$0")/lib.sh"
need join coreutils
setup() {
	seq 1 20000 | awk '{ print $1, "name" $1 % 300, $1 * 3 }' >a.txt
	seq 1 3 20000 | awk '{ print $1, "val" $1 }' >b.txt
	head -c 100000 /dev/zero | tr '\0' z >zero.txt
}
compat_run coreutils-text sh -c '
	join a.txt b.txt | cut -d" " -f2,4 | sort | uniq -c | sort -k1,1nr -k2 | head -n 3
	tr a-z A-Z <a.txt | paste -d: - - - | tail -n 2
	od -An -tx1 -N64 a.txt | tr -s " " | head -n 2
	base64 a.txt | base64 -d | cmp - a.txt && echo base64 ok
	split -l 3000 -d a.txt part. && cat part.* | cmp - a.txt && ls part.* | wc -l
	tac b.txt | head -n 2; wc -lwc a.txt b.txt zero.txt
	shuf --random-source=zero.txt -n 5 a.txt'
