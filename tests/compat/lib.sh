# compat/lib.sh: runs one real program (nobody here wrote it) three times,
# untraced, under the preload in exact mode (sample=1) and at the default
# sample rate, and fails unless stdout, exit status, the files it names and
# (unless told otherwise) stderr are identical, and every snapshot written
# opens in sqlite3, passes PRAGMA integrity_check and answers v_sites.
# Sourced by tests/compat/*.sh after they define setup(); see compat_run.
# Exit codes: 0 pass, 1 fail, 77 skip (program not installed), 99 harness.
. "$(dirname "$0")/../integration/lib.sh"

# Fixed environment, so that each run sees the same world.
LC_ALL=C TZ=UTC HOME="$WORK/home"
export LC_ALL TZ HOME
unset LANG LANGUAGE LD_PRELOAD HEAPSNAP_OPTIONS
# not the make check's make: no jobserver, no "Entering directory" lines
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
mkdir -p "$HOME"

# Settings a test may change before compat_run:
COMPAT_TIMEOUT=60     # seconds each run may take
COMPAT_STDERR=compare # or "ignore" when the program's stderr is not deterministic
COMPAT_FILES=         # files (relative to the run directory) whose contents must match
COMPAT_STDIN=/dev/null
COMPAT_STATUS=0       # exit status of the untraced run (anything else is a harness error)

# need PROGRAM PACKAGE: skip unless PROGRAM is installed.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "SKIP: '$1' is not installed (Debian package $2; scripts/setup.sh installs it)"
	exit 77
}

# compat_files DIR: checksums of COMPAT_FILES in DIR, computed untraced.
compat_files() {
	for f in $COMPAT_FILES; do
		if [ -f "$1/$f" ]; then
			echo "$f $(md5sum <"$1/$f" | cut -d' ' -f1)"
		else
			echo "$f missing"
		fi
	done
}

# compat_check_snapshots MODE: every snapshot of the run is whole; prints
# "count sites" (files and total v_sites rows).
compat_check_snapshots() {
	local dir="$WORK/snaps.$1" n=0 sites=0 db ok c
	for db in "$dir"/*; do
		[ -e "$db" ] || continue
		case "$db" in
		*.db) ;;
		*) fail "$1: '$(basename "$db")' left in the snapshot directory after a clean run" ;;
		esac
		# one sqlite3 for both questions: "ok" then the count
		ok=$(q "$db" 'PRAGMA integrity_check; SELECT count(*) FROM v_sites' 2>&1)
		c=${ok#ok
}
		[ "$c" != "$ok" ] || fail "$1: $(basename "$db"): integrity_check says '$ok'"
		case "$c" in
		''|*[!0-9]*) fail "$1: $(basename "$db"): SELECT count(*) FROM v_sites says '$c'" ;;
		esac
		n=$((n + 1))
		sites=$((sites + c))
	done
	echo "$n $sites"
}

# compat_run NAME CMD [ARGS...]: runs CMD (in $WORK/run, freshly made by the
# test's setup function each time, so the three runs see the same paths)
# untraced, exact and sampled, and compares. follow_exec=1: every program
# the command runs (shells, pipelines, make's recipes) is traced too.
compat_run() {
	local name=$1 mode rc opts t0
	shift
	for mode in untraced exact sampled; do
		rm -rf "$WORK/run" "$WORK/snaps.$mode"
		mkdir "$WORK/run" "$WORK/snaps.$mode"
		(cd "$WORK/run" && setup) >"$WORK/setup.log" 2>&1 ||
			{ echo "harness: setup failed: $(cat "$WORK/setup.log")"; exit 99; }
		case $mode in
		exact) opts="sample=1:follow_exec=1:out=$WORK/snaps.$mode" ;;
		sampled) opts="follow_exec=1:out=$WORK/snaps.$mode" ;;
		esac
		t0=$(date +%s%N)
		if [ "$mode" = untraced ]; then
			(cd "$WORK/run" && timeout -k 5 "$COMPAT_TIMEOUT" "$@") \
				<"$COMPAT_STDIN" >"$WORK/$mode.out" 2>"$WORK/$mode.err"
			rc=$?
		else
			(cd "$WORK/run" && timeout -k 5 "$COMPAT_TIMEOUT" \
				env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts" "$@") \
				<"$COMPAT_STDIN" >"$WORK/$mode.out" 2>"$WORK/$mode.err"
			rc=$?
		fi
		echo "$rc" >"$WORK/$mode.rc"
		eval "${mode}_ms=$((($(date +%s%N) - t0) / 1000000))"
		compat_files "$WORK/run" >"$WORK/$mode.files"
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			[ "$mode" = untraced ] &&
				{ echo "harness: '$*' timed out untraced after ${COMPAT_TIMEOUT}s"; exit 99; }
			fail "$name ($mode): timed out after ${COMPAT_TIMEOUT}s (untraced it exits $(cat "$WORK/untraced.rc"))"
		fi
	done
	[ "$(cat "$WORK/untraced.rc")" = "$COMPAT_STATUS" ] ||
		{ echo "harness: '$*' exits $(cat "$WORK/untraced.rc") untraced, expected $COMPAT_STATUS: $(head -c 2000 "$WORK/untraced.err")"; exit 99; }
	[ -s "$WORK/untraced.out" ] || [ -n "$COMPAT_FILES" ] ||
		{ echo "harness: '$*' printed nothing untraced: nothing to compare"; exit 99; }
	local total=0 snaps sites
	for mode in exact sampled; do
		[ "$(cat "$WORK/$mode.rc")" = "$(cat "$WORK/untraced.rc")" ] ||
			fail "$name ($mode): exit status $(cat "$WORK/$mode.rc"), untraced $(cat "$WORK/untraced.rc"); stderr: $(head -c 2000 "$WORK/$mode.err")"
		cmp -s "$WORK/untraced.out" "$WORK/$mode.out" ||
			fail "$name ($mode): stdout differs from the untraced run: $(diff "$WORK/untraced.out" "$WORK/$mode.out" | head -n 20)"
		if [ "$COMPAT_STDERR" = compare ]; then
			cmp -s "$WORK/untraced.err" "$WORK/$mode.err" ||
				fail "$name ($mode): stderr differs from the untraced run: $(diff "$WORK/untraced.err" "$WORK/$mode.err" | head -n 20)"
		elif grep -q '^heapsnap:' "$WORK/$mode.err"; then
			fail "$name ($mode): the tracker wrote to stderr: $(grep '^heapsnap:' "$WORK/$mode.err" | head -n 5)"
		fi
		cmp -s "$WORK/untraced.files" "$WORK/$mode.files" ||
			fail "$name ($mode): output files differ: $(diff "$WORK/untraced.files" "$WORK/$mode.files")"
		compat_check_snapshots "$mode" >"$WORK/$mode.snaps" || { cat "$WORK/$mode.snaps"; exit 1; }
		read -r snaps sites <"$WORK/$mode.snaps"
		[ "$snaps" -ge 1 ] || fail "$name ($mode): no snapshot written"
		[ "$mode" = sampled ] || [ "$sites" -ge 1 ] ||
			fail "$name ($mode): $snaps snapshots but no site in any: the exact mode recorded nothing"
		eval "${mode}_snaps=$snaps ${mode}_sites=$sites"
		total=$((total + snaps))
	done
	# shellcheck disable=SC2154
	echo "compat $name: 3 runs (untraced, sample=1, default) of $(wc -c <"$WORK/untraced.out") bytes of stdout, exit $(cat "$WORK/untraced.rc"), identical;" \
		"$total snapshots checked ($exact_snaps exact with $exact_sites sites, $sampled_snaps sampled with $sampled_sites sites);" \
		"run times ${untraced_ms} ms untraced, ${exact_ms} ms exact, ${sampled_ms} ms sampled"
}
