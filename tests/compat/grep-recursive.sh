#!/bin/sh
# grep -r over a generated tree: regexes (-E, -P when built with PCRE),
# counts, context lines, -l, --include.
. "$(dirname "$0")/lib.sh"
need grep grep
setup() {
	for d in a b c d e; do
		mkdir -p "t/$d/sub"
		for f in 1 2 3 4 5 6 7 8; do
			seq 1 $((f * 500)) | sed "s/\$/ $d$f text/" >"t/$d/f$f.txt"
			seq 1 $((f * 100)) | sed 's/^/code /' >"t/$d/sub/g$f.c"
		done
	done
}
compat_run grep-recursive sh -c '
	grep -rn "^1[0-9]7 " t | sort | md5sum
	grep -rc -E "(3|7)[05] [a-e]" t | sort
	grep -rl --include="*.c" "code 7[0-9][0-9]" t | sort
	grep -r -C2 "^3999 " t | sort
	grep -rP "^(\d)\1{2} " t | wc -l
	grep -rq nomatch t; echo "no match: $?"'
