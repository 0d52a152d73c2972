#!/bin/sh
# sort: a 300000-line file, numeric and key sorts with two threads and a
# small buffer, so that it spills to temporary files and merges them.
. "$(dirname "$0")/lib.sh"
need sort coreutils
setup() {
	seq 1 300000 | awk '{ printf "%d k%05d %s\n", ($1 * 7919) % 100003, $1 % 99991, ($1 % 3 ? "x" : "y") }' >big.txt
	mkdir tmp
}
compat_run sort-large sh -c '
	sort -n --parallel=2 -S 2M -T tmp big.txt | md5sum
	sort -k2,2 -k1,1nr --parallel=2 -S 1M -T tmp big.txt | head -n 3
	sort -u -k3,3 big.txt | wc -l
	sort -n big.txt | sort -c -n && echo sorted'
