#!/bin/sh
# heapsnap export --pprof writes a profile go tool pprof reads: its top
# inuse_space site is heapdiff's top site, all four Go heap sample types are
# there, the mapping carries the build-id, and -diff_base between the
# exports of OLD and NEW (and --base in one file) gives heapdiff's growth to
# the byte. Skips without go (Debian golang-go, installed by setup.sh).
. "$(dirname "$0")/lib.sh"
command -v go >/dev/null 2>&1 || { echo "SKIP: go tool pprof missing (apt-get install golang-go)"; exit 77; }
. "$(dirname "$0")/export-lib.sh"
export HOME="$WORK" GOCACHE="$WORK/gocache" GOPROXY=off GOFLAGS=-mod=mod
pp() { timeout 120 go tool pprof "$@" 2>"$WORK/pprof.err" || { cat "$WORK/pprof.err"; fail "go tool pprof $* exited $?"; }; }

"$HEAPSNAP" export --pprof "$WORK/old.pb.gz" "$WORK/old.db" || fail "export old exited $?"
"$HEAPSNAP" export --pprof "$WORK/new.pb.gz" "$WORK/new.db" || fail "export new exited $?"
"$HEAPSNAP" export --pprof "$WORK/growth.pb.gz" --base "$WORK/old.db" "$WORK/new.db" ||
	fail "export --base exited $?"
gzip -t "$WORK/new.pb.gz" || fail "new.pb.gz is not gzip"

# the top of the live heap: grow_cache holds 50 x 4096 bytes
pp -top -unit=B -nodecount=1 "$WORK/new.pb.gz" > "$WORK/top.txt"
row=$(grep -E '^ +[0-9]' "$WORK/top.txt" | head -n 1)
set -- $row
[ "$1" = 204800B ] && [ "$6" = grow_cache ] || { cat "$WORK/top.txt"; fail "top row is '$row', expected 204800B grow_cache"; }
grep -q '^Type: inuse_space' "$WORK/top.txt" || fail "default sample type is not inuse_space"
build=$(q "$WORK/new.db" "SELECT value FROM meta WHERE key='build_id'")
[ -z "$build" ] || grep -q "^Build ID: $build" "$WORK/top.txt" || { cat "$WORK/top.txt"; fail "build id $build not shown"; }

# four sample types, each readable by name; alloc_objects counts the 50 mallocs
pp -raw "$WORK/new.pb.gz" > "$WORK/raw.txt"
grep -q 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes' "$WORK/raw.txt" ||
	{ head -n 20 "$WORK/raw.txt"; fail "sample types are not Go's heap types"; }
pp -top -sample_index=alloc_objects -nodecount=1 "$WORK/new.pb.gz" > "$WORK/objs.txt"
grep -Eq '^ +50 .* grow_cache$' "$WORK/objs.txt" || { cat "$WORK/objs.txt"; fail "alloc_objects of grow_cache is not 50"; }
grep -q 'export_leak.c:1[0-9]' "$WORK/raw.txt" || fail "no file:line of export_leak.c in the locations"

# growth: -diff_base of two exports, and --base in one file, equal heapdiff's
for args in "-diff_base $WORK/old.pb.gz $WORK/new.pb.gz" "$WORK/growth.pb.gz"; do
	# shellcheck disable=SC2086
	pp -top -unit=B -nodecount=1 $args > "$WORK/diff.txt"
	row=$(grep -E '^ +-?[0-9]' "$WORK/diff.txt" | head -n 1)
	set -- $row
	[ "$1" = "${GROWTH}B" ] && [ "$6" = grow_cache ] ||
		{ cat "$WORK/diff.txt"; fail "pprof $args: top row '$row', heapdiff says ${GROWTH}B grow_cache"; }
done
echo "ok: pprof top and diff agree with heapdiff"
