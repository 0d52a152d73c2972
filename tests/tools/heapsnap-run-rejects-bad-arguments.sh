#!/bin/sh
# heapsnap-run-rejects-bad-arguments.sh: bad flags, bad option values (as
# judged by the library's own parser), a missing command and unknown
# subcommands are usage errors: exit 1, one "heapsnap: ..." line, and the
# command is not run. A missing library or an impossible output directory
# is exit 2.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

: >"$tmp/libheapsnap.so"
HEAPSNAP_LIB=$tmp/libheapsnap.so
export HEAPSNAP_LIB
unset HEAPSNAP_OPTIONS
ran=$tmp/ran

bad() {  # bad EXPECTED-STDERR ARGS...   (command: touch $ran)
	msg=$1; shift
	expect_rc 1 "$HEAPSNAP" "$@"
	expect_err "$msg"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "more than one line for '$*': $(cat "$tmp/err")"
	[ -e "$ran" ] && fail "the command ran despite '$*'"
	return 0
}

bad "heapsnap: run: no command to run" run
bad "heapsnap: run: no command to run" run -o "$tmp/o" --
bad "heapsnap: bad option 'sample=lots': expected a size" run --sample lots -- touch "$ran"
bad "heapsnap: bad option 'depth=0': expected an integer from 1 to 128" run --depth 0 -- touch "$ran"
bad "heapsnap: bad option 'depth=129'" run --depth 129 -- touch "$ran"
bad "heapsnap: bad option 'interval=-1'" run --interval -1 -- touch "$ran"
bad "heapsnap: bad option 'signal=KILL'" run --signal KILL -- touch "$ran"
bad "heapsnap: bad option 'unwinder=dwarf': expected libunwind, fp or cfi" run --unwinder dwarf -- touch "$ran"
bad "heapsnap: bad option 'frobnicate': expected key=value" run --options frobnicate -- touch "$ran"
bad "heapsnap: unknown option 'colour'" run --options colour=red -- touch "$ran"
bad "heapsnap: bad value 'a:b' for --out: HEAPSNAP_OPTIONS cannot hold ':' or ','" run -o a:b -- touch "$ran"
bad "heapsnap: bad value '1,depth=3' for --sample" run --sample 1,depth=3 -- touch "$ran"
bad "heapsnap: run: unknown option '--frobnicate'" run --frobnicate -- touch "$ran"
bad "heapsnap: run: option '--sample' needs a value" run --sample
bad "heapsnap: unknown command 'frobnicate'" frobnicate
bad "heapsnap: unknown option '--frobnicate'" --frobnicate
HEAPSNAP_OPTIONS=sample=zz bad "(in HEAPSNAP_OPTIONS in the environment)" run -- touch "$ran"

expect_rc 1 "$HEAPSNAP"
expect_err "usage: heapsnap COMMAND"

# Environment problems: exit 2.
HEAPSNAP_LIB=$tmp/nowhere.so expect_rc 2 "$HEAPSNAP" run -o "$tmp/o" -- touch "$ran"
expect_err "heapsnap: cannot use HEAPSNAP_LIB='$tmp/nowhere.so': No such file or directory"
: >"$tmp/file"
expect_rc 2 "$HEAPSNAP" run -o "$tmp/file/sub" -- touch "$ran"
expect_err "heapsnap: cannot create output directory '$tmp/file/sub': Not a directory"
[ -e "$ran" ] && fail "the command ran"

# Help is not an error.
expect_rc 0 "$HEAPSNAP" run --help
grep -q -- '--no-at-exit' "$tmp/out" || fail "run --help lacks --no-at-exit"
expect_rc 0 "$HEAPSNAP" --help
expect_rc 0 "$HEAPSNAP" --version
exit 0
