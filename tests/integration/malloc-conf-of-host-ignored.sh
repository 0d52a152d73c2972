#!/bin/sh
# The private jemalloc ignores the host's MALLOC_CONF: settings meant for an
# application's own jemalloc must not abort or print anything under the
# preload.
. "$(dirname "$0")/lib.sh"
TRUE=/bin/true
[ -x "$TRUE" ] || TRUE=$(command -v true)
for conf in "abort_conf:true,bogus:1" "stats_print:true" "junk:true,abort:true,narenas:abc"; do
	MALLOC_CONF="$conf" run_preloaded "out=$WORK" "$TRUE" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ "$rc" -eq 0 ] || fail "MALLOC_CONF=$conf: /bin/true exited $rc: $(head -c 300 "$WORK/err")"
	[ ! -s "$WORK/err" ] || fail "MALLOC_CONF=$conf: stderr not empty: $(head -c 300 "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "MALLOC_CONF=$conf: stdout not empty: $(head -c 300 "$WORK/out")"
done
# The tracker did run: /bin/true wrote its exit snapshots.
n=$(ls "$WORK"/*.db 2>/dev/null | wc -l)
[ "$n" -eq 3 ] || fail "expected 3 exit snapshots from /bin/true, found $n"
echo "ok: host MALLOC_CONF ignored"
