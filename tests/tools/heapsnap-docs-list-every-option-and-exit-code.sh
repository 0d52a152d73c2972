#!/bin/sh
# heapsnap-docs-list-every-option-and-exit-code.sh: the man pages keep up
# with the code: every HEAPSNAP_OPTIONS key (src/options.c's table, as
# listed by 'heapsnap run --help')
# appears in heapsnap.1 and libheapsnap.3, every long flag of the tools' --help output appears
# in its man page, and every exit code of enum msgs_exit (tools/msgs.h) is
# in heapsnap.1's EXIT STATUS (heapdiff.1 lists those heapdiff can return).
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

man1=$top_srcdir/doc/heapsnap.1
man2=$top_srcdir/doc/heapdiff.1
[ -r "$man1" ] && [ -r "$man2" ] || harness_error "man pages missing"

expect_rc 0 "$HEAPSNAP" run --help
keys=$(sed -n 's/^HEAPSNAP_OPTIONS keys ([^)]*)://p' "$tmp/out")
[ -n "$keys" ] || harness_error "no option keys in 'heapsnap run --help'"
man3=$top_srcdir/doc/libheapsnap.3
[ -r "$man3" ] || harness_error "doc/libheapsnap.3 missing"
for k in $keys; do
	grep -q "^\.BR* $k\( \|$\)" "$man1" || fail "option key '$k' is not documented in heapsnap.1"
	grep -q "^\.BI $k= " "$man3" || fail "option key '$k' is not documented in libheapsnap.3"
done

flags() { grep -o -- '--[a-z][a-z-]*' "$tmp/out" | sort -u; }
for cmd in "$HEAPDIFF:$man2:--help" "$HEAPSNAP:$man1:run --help" "$HEAPSNAP:$man1:info --help" \
	"$HEAPSNAP:$man1:symbolize --help" "$HEAPSNAP:$man1:export --help" "$HEAPSNAP:$man1:top --help"; do
	bin=${cmd%%:*} rest=${cmd#*:} man=${rest%%:*} args=${rest#*:}
	# shellcheck disable=SC2086 # word splitting of args is intended
	expect_rc 0 "$bin" $args
	for f in $(flags); do
		esc=$(printf '%s' "$f" | sed 's/-/\\\\-/g')
		grep -q -- "$esc" "$man" || fail "flag '$f' of '$bin $args' is not in $(basename "$man")"
	done
done

section() {  # the EXIT STATUS section of a man page
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$1"
}
codes=$(sed -n 's/^[[:space:]]*MSGS_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$top_srcdir/tools/msgs.h")
[ -n "$codes" ] || harness_error "no exit codes found in tools/msgs.h"
for c in $codes; do
	section "$man1" | grep -q "^\.B $c\$" || fail "exit code $c missing from heapsnap.1 EXIT STATUS"
done
for c in 0 1 2 4 5; do
	section "$man2" | grep -q "^\.B $c\$" || fail "exit code $c missing from heapdiff.1 EXIT STATUS"
done
exit 0
