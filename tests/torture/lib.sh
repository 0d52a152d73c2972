# tests/torture/lib.sh: shared helpers of the torture tests (sourced, after
# tests/integration/lib.sh). A torture test runs one program untraced, then
# under the real preload in several modes; each run must not hang (bounded;
# on a hang the stacks of every thread are printed with gdb, if present,
# before the process is killed), must print the same stdout and exit with the
# same status as the untraced run, and must leave only whole snapshot files.
# In exact mode (sample=1) the exit snapshot must balance: the program's own
# call sites hold exactly what it deliberately keeps (stacks through functions
# named keep_*)
# and nothing else (but for abandon_* functions, whose blocks a siglongjmp
# out of malloc may lose: the program says on stderr how many it risked), and every live block counted in the exact totals is a
# recorded one (no phantom or missed entries).
. "$(dirname "$0")/../integration/lib.sh"
TORTURE_LIMIT=${TORTURE_LIMIT:-30} # seconds before a run counts as hung (runs take ~2 s)

# reference CMD...: the untraced run; sets REF_RC, writes $WORK/ref.out.
reference() {
	timeout -k 5 "$TORTURE_LIMIT" "$@" >"$WORK/ref.out" 2>"$WORK/ref.err"
	REF_RC=$?
	[ "$REF_RC" -lt 124 ] || { echo "harness: untraced '$*' failed with status $REF_RC:"; cat "$WORK/ref.err"; exit 99; }
	echo "untraced: status $REF_RC, $(tail -n 1 "$WORK/ref.out")"
}

# bounded_run OUTFILE ERRFILE CMD...: runs CMD in the background; if it is
# still running after TORTURE_LIMIT seconds, prints every thread's stack and
# kills it. Sets RUN_RC (137 for a hang).
bounded_run() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" &
	local pid=$!
	RUN_PID=$pid
	(
		i=0
		while [ $i -lt $((TORTURE_LIMIT * 10)) ]; do
			sleep 0.1
			kill -0 "$pid" 2>/dev/null || exit 0
			i=$((i + 1))
		done
		echo "HANG: pid $pid still running after ${TORTURE_LIMIT}s; its threads:"
		if command -v gdb >/dev/null; then
			timeout 60 gdb -batch -p "$pid" -ex 'thread apply all bt' 2>&1 | grep -v '^\[New LWP'
		else
			echo "(gdb not installed: no backtrace)"
		fi
		for c in $(pgrep -P "$pid"); do kill -9 "$c"; done
		kill -9 "$pid"
	) &
	local watchdog=$!
	wait "$pid"
	RUN_RC=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
}

# meta DB KEY: a value of the meta table.
meta() { q "$1" "SELECT value FROM meta WHERE key='$2'"; }

# traced LABEL OPTIONS KEPT_COUNT KEPT_BYTES SLACK CMD...: one run under the
# preload with HEAPSNAP_OPTIONS=OPTIONS:out=DIR and the snapshot-signal storm
# on. KEPT_COUNT/KEPT_BYTES: what the program's keep_* functions hold at
# exit. SLACK: how many blocks of the C library (thread control blocks of
# cached thread stacks, dynamic TLS) may be live at exit besides those.
traced() {
	local label=$1 opts=$2 kept_count=$3 kept_bytes=$4 slack=$5
	shift 5
	local dir="$WORK/$label"
	mkdir -p "$dir"
	bounded_run "$dir.out" "$dir.err" env LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="$opts:out=$dir" \
		TORTURE_SNAPSHOT_SIGNAL=1 "$@"
	[ "$RUN_RC" != 137 ] || fail "$label ($opts): hung or killed (status 137); backtrace above"
	cat "$dir.err"
	[ "$RUN_RC" = "$REF_RC" ] || fail "$label ($opts): status $RUN_RC, untraced $REF_RC"
	cmp -s "$WORK/ref.out" "$dir.out" || fail "$label ($opts): stdout differs from the untraced run: $(diff "$WORK/ref.out" "$dir.out" | head -n 5)"
	grep -q '^heapsnap:' "$dir.err" && fail "$label ($opts): the tracker reported a failure: $(grep '^heapsnap:' "$dir.err")"
	local n=0 db
	for db in "$dir"/heapsnap.*.db; do
		[ -e "$db" ] || continue
		[ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "$label: $db is damaged"
		n=$((n + 1))
	done
	# a child that _exit()s while its writer works may leave its .tmp file;
	# the traced process itself exits normally and must not
	ls "$dir" | grep -q "\.$RUN_PID\..*\.tmp\$" && fail "$label: a temporary snapshot file was left behind"
	local last
	last=$(exit_snapshot "$dir" "$RUN_PID")
	[ -n "$last" ] || fail "$label ($opts): no exit snapshot among $n files"
	local live_count live_bytes sampled
	# The tracker must never load a debuginfod client into the host (its
	# OpenSSL cleanup would free blocks never counted): integration/
	# no-debuginfod-in-host.sh is the test of it; here it would skew totals.
	if [ "$(q "$last" "SELECT count(*) FROM modules WHERE path LIKE '%libdebuginfod%'")" != 0 ]; then
		fail "$label ($opts): libdebuginfod was loaded into the traced process"
	fi
	live_count=$(meta "$last" live_count)
	live_bytes=$(meta "$last" live_bytes)
	sampled=$(meta "$last" sampled_live_count)
	# blocks the program abandoned (a siglongjmp out of a malloc or free
	# call loses the block): it says how many on stderr
	local abandoned
	abandoned=$(sed -n 's/^torture: abandoned \([0-9]*\).*/\1/p' "$dir.err" | tail -n 1)
	abandoned=${abandoned:-0}
	local unrec_ok
	unrec_ok=$(sed -n 's/^torture: unrecorded \([0-9]*\).*/\1/p' "$dir.err" | tail -n 1)
	unrec_ok=${unrec_ok:-0}
	slack=$((slack + abandoned))
	local extra=$((live_count - kept_count))
	{ [ "$extra" -ge $((-abandoned)) ] && [ "$extra" -le "$slack" ]; } ||
		fail "$label ($opts): exit snapshot meta.live_count=$live_count live_bytes=$live_bytes; the program keeps $kept_count blocks (+ at most $slack of the C library's)"
	case ":$opts:" in
	*:sample=1:*)
		local keep own
		keep=$(q "$last" "SELECT coalesce(sum(live_count),0) || ' ' || coalesce(sum(live_bytes),0) FROM v_sites
			WHERE function LIKE 'keep%' OR stack_id IN (SELECT stack_id FROM v_stack_frames WHERE function LIKE 'keep%')")
		[ "$keep" = "$kept_count $kept_bytes" ] ||
			fail "$label ($opts): keep_* sites hold '$keep' at exit, expected '$kept_count $kept_bytes'"
		own=$(q "$last" "SELECT coalesce(group_concat(function || ':' || live_count || '/' || live_bytes, ' '), '') FROM v_sites
			WHERE live_count != 0 AND function NOT LIKE 'keep%' AND function NOT LIKE 'abandon%' AND (module LIKE '%/torture_%' OR module LIKE '%/libtorture%')
			AND stack_id NOT IN (SELECT stack_id FROM v_stack_frames WHERE function LIKE 'keep%')
			AND stack_id NOT IN (SELECT stack_id FROM v_stack_frames WHERE depth < 0 AND
				(function LIKE 'pthread_create%' OR function LIKE '%allocate_dtv%' OR
				 function LIKE '_dl_allocate_tls%' OR function LIKE '%dlopen%' OR
				 function LIKE '_IO_file_doallocate%' OR function LIKE '__cxa_thread_atexit%'))")
		# (the C library keeps a thread's TLS blocks and stdio's buffers for
		# reuse: reported at the program's call of pthread_create or printf,
		# they are glibc's caches, not blocks the program freed)
		[ -z "$own" ] || fail "$label ($opts): the program's sites still hold blocks it freed: $own"
		# every block the exact totals count is a recorded one (the
		# tracker's own, such as libunwind's TLS block, count nowhere)
		local unrecorded=$((live_count - sampled))
		[ "$unrecorded" -ge $((-unrec_ok)) ] && [ "$unrecorded" -le "$unrec_ok" ] ||
			fail "$label ($opts): meta.live_count=$live_count but $sampled live blocks recorded"
		;;
	esac
	echo "$label ($opts): ok, $n snapshots, exit live_count=$live_count live_bytes=$live_bytes sampled_live=$sampled"
}

# exit_snapshot DIR PID: the newest exit snapshot of process PID (forked
# children write their own, named by their pid).
exit_snapshot() {
	local db best=
	for db in $(ls "$1"/heapsnap.*."$2".*.db 2>/dev/null | sort); do
		[ "$(meta "$db" trigger)" = exit ] && best=$db
	done
	echo "$best"
}
