#!/bin/sh
# find: tests, -printf, -exec with {} + and ;, -regex, -newer, sorted.
. "$(dirname "$0")/lib.sh"
need find findutils
setup() {
	for d in 1 2 3 4 5 6; do
		mkdir -p "t/x$d/y$d"
		for f in 1 2 3 4 5 6 7 8 9 10; do
			seq 1 $((d * f)) >"t/x$d/y$d/n$f.txt"
			echo "$d $f" >"t/x$d/m$f.dat"
		done
	done
	touch -d @1000 $(find t -name '*.dat')
	touch -d @2000 ref
}
compat_run find sh -c 'find t -type f -name "*.txt" -size -100c -printf "%p %s\n" | sort
	find t -regex ".*/n[1-3]\.txt" -exec wc -l {} + | sort
	find t -name "m1.dat" -exec cat {} \; | sort
	find t ! -newer ref -type f | wc -l
	find t -depth -type d | sort'
