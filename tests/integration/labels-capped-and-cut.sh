#!/bin/sh
# labels-capped-and-cut.sh: tests/prog/many_labels sets 301 distinct
# labels. The first 256 are kept by name, later ones are recorded as
# "(other)" and the cap is said once on stderr; a 100-byte label is cut to
# 63 bytes; an allocation after heapsnap_set_label(NULL) has no label. The
# label is per allocation: its stack's label_id. timeout bounds the run.
. "$(dirname "$0")/lib.sh"
out=$(timeout 60 env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="sample=1,out=$WORK" \
	"$PROG/many_labels" 2>"$WORK/err") || fail "many_labels exited $?"
cat "$WORK/err"
[ "$out" = "many_labels done" ] || fail "many_labels printed '$out'"
[ "$(grep -c 'more than 256 distinct labels' "$WORK/err")" = 1 ] ||
	fail "the cap is not said exactly once"
db=$(last_snapshot "$WORK")
[ -n "$db" ] || fail "no snapshot"
# label of the live allocation of SIZE bytes (one row each but size 100)
label_of() {
	q "$db" "SELECT ifnull(l.name, 'NULL') FROM allocations a JOIN stacks s ON s.id = a.stack_id
		LEFT JOIN labels l ON l.id = s.label_id WHERE a.size = $1"
}
named=$(q "$db" "SELECT count(*) FROM labels WHERE name LIKE 'label-%'")
[ "$named" = 255 ] || fail "$named labels label-NNN kept by name, expected 255 (and the long one)"
[ "$(q "$db" "SELECT count(*) FROM labels WHERE name = 'label-254'")" = 1 ] || fail "label-254 missing"
[ "$(q "$db" "SELECT count(*) FROM labels WHERE name = 'label-255'")" = 0 ] || fail "label-255 kept past the cap"
other=$(q "$db" "SELECT count(*) FROM allocations a JOIN stacks s ON s.id = a.stack_id
	JOIN labels l ON l.id = s.label_id WHERE l.name = '(other)' AND a.size = 100")
[ "$other" = 45 ] || fail "$other allocations labelled (other), expected 45"
cut=$(label_of 200)
[ "$cut" = "$(printf '%063d' 0 | tr 0 x)" ] || fail "long label stored as '$cut'"
[ "$(label_of 300)" = NULL ] || fail "allocation after heapsnap_set_label(NULL) labelled '$(label_of 300)'"
exit 0
