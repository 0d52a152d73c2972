#!/bin/sh
# awk: associative arrays, split, sprintf and sorting by a pipe inside awk
# over 100000 generated lines.
. "$(dirname "$0")/lib.sh"
need awk mawk
setup() {
	seq 1 100000 | sed 's/.*/& w&x k&/' >in.txt
	cat >work.awk <<'AWK'
{ n = split($1, parts, "");
  key = parts[1] parts[n];
  count[key]++; len[key] += length($0);
  words[$1 % 1000] = words[$1 % 1000] " " $3 }
END {
  for (k in count) printf "%s %d %d\n", k, count[k], len[k] | "sort"
  close("sort")
  t = 0; for (k in words) t += length(words[k])
  printf "words %d %s\n", t, substr(words[7], 1, 30)
}
AWK
}
compat_run awk awk -f work.awk in.txt
