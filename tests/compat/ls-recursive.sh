#!/bin/sh
# ls -R and ls -lR over a generated tree of 600 entries (sorting, stat,
# user and group names through NSS).
. "$(dirname "$0")/lib.sh"
need ls coreutils
setup() {
	for d in 1 2 3 4 5; do
		for e in a b c d; do
			mkdir -p "t/d$d/$e"
			for f in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
				printf '%s' "$d$e$f" >"t/d$d/$e/file$f"
			done
		done
	done
	touch -d @0 $(find t) # fixed times for ls -l
}
compat_run ls-recursive sh -c 'ls -R t && ls -lRn --time-style=+%s t && ls -1Rs --sort=size t | tail -n 3'
