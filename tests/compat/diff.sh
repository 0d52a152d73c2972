#!/bin/sh
# diff: unified and side-by-side diffs of two 50000-line files that
# differ in scattered places; diff exits 1 (files differ).
. "$(dirname "$0")/lib.sh"
need diff diffutils
setup() {
	seq 1 50000 >a.txt
	seq 1 50000 | awk 'NR % 997 == 0 { print "changed " $0; next } NR % 1499 == 0 { next } { print }' >b.txt
	mkdir -p da db; cp a.txt da/x; cp b.txt db/x; echo only >da/y
}
COMPAT_STATUS=1
compat_run diff sh -c 'diff -u a.txt b.txt | tail -n +3 | md5sum; diff -y -W 60 --suppress-common-lines a.txt b.txt | head -n 5; diff -rq da db; diff a.txt b.txt >/dev/null'
