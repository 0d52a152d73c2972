#!/bin/sh
# gzip and gzip -d: compress at three levels, test, decompress, compare.
. "$(dirname "$0")/lib.sh"
need gzip gzip
setup() {
	seq 1 200000 | sed 's/$/ gzip line/' >in.txt
}
COMPAT_FILES="in1.gz in9.gz"
compat_run gzip sh -c 'gzip -n -1 <in.txt >in1.gz && gzip -n -9 <in.txt >in9.gz && gzip -t in1.gz in9.gz &&
	gzip -dc in9.gz | cmp - in.txt && gzip -l in1.gz in9.gz && echo ok'
