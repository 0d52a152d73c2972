# faults/lib.sh: helpers of the fault tests (sourced after
# integration/lib.sh's definitions): the reference program and the check
# that a fault left it alone and cost exactly one line on stderr.
. "$(dirname "$0")/../integration/lib.sh"
HOLD="$top_builddir/tests/faults/hold_many"
FAULTS=0

# reference: what hold_many GOFILE prints and returns untraced.
touch "$WORK/go"
REF=$("$HOLD" "$WORK/go" 2>&1; echo "status $?")

# one_line NAME ERRFILE TEXT...: ERRFILE is exactly one line, from
# heapsnap, naming every TEXT.
one_line() {
	local name=$1 err=$2 t
	shift 2
	[ "$(wc -l <"$err")" -eq 1 ] || fail "$name: expected one line on stderr, got: $(cat "$err")"
	grep -q '^heapsnap: ' "$err" || fail "$name: stderr is not heapsnap's: $(cat "$err")"
	for t in "$@"; do
		grep -qF -- "$t" "$err" || fail "$name: stderr does not say '$t': $(cat "$err")"
	done
	FAULTS=$((FAULTS + 1))
	echo "$name: program unchanged; $(cat "$err")"
}

# same_output NAME GOT: GOT (output + status line) is the reference.
same_output() {
	[ "$2" = "$REF" ] || fail "$1: program printed/returned '$2', untraced '$REF'"
}

# wait_for_snapshot DIR: until DIR holds a complete snapshot (at most 20 s).
wait_for_snapshot() {
	local i=0
	while [ -z "$(last_snapshot "$1")" ]; do
		i=$((i + 1))
		[ "$i" -le 400 ] || fail "no snapshot in '$1' after 20 s"
		sleep 0.05
	done
}
