#!/bin/sh
# heapsnap-run-sets-preload-and-options.sh: heapsnap run puts the library
# (absolute path) first in LD_PRELOAD and keeps the user's entries; builds
# HEAPSNAP_OPTIONS as environment, then --options, then flags (so flags
# win); makes -o absolute and creates it (mkdir -p); and execs the command,
# which keeps heapsnap's pid and whose exit status is heapsnap's.
. "${srcdir:-$(dirname "$0")/..}/tools/lib.sh"

# A stand-in library: the dynamic loader warns that it cannot preload it
# and carries on, which is all this test needs.
mkdir "$tmp/lib" && : >"$tmp/lib/libheapsnap.so" || harness_error "setup"
cd "$tmp" || harness_error "cd"

HEAPSNAP_LIB=lib/../lib/libheapsnap.so LD_PRELOAD=/nonexistent/other.so \
HEAPSNAP_OPTIONS=sample=64 \
	"$HEAPSNAP" run -o snaps/deep --options interval=5 --sample 1 --signal USR1 --no-at-exit \
	-- sh -c 'printf "%s\n" "$LD_PRELOAD" "$HEAPSNAP_OPTIONS" "$$" >env.txt; exit 7' \
	2>/dev/null &
pid=$!
wait $pid
rc=$?
[ "$rc" -eq 7 ] || fail "exit status $rc, expected the command's 7"
[ -f env.txt ] || fail "the command did not run"
[ -d snaps/deep ] || fail "output directory not created"

[ "$(sed -n 1p env.txt)" = "$tmp/lib/libheapsnap.so:/nonexistent/other.so" ] ||
	fail "LD_PRELOAD is '$(sed -n 1p env.txt)'"
want="sample=64:interval=5:out=$tmp/snaps/deep:sample=1:signal=USR1:at_exit=0"
[ "$(sed -n 2p env.txt)" = "$want" ] || fail "HEAPSNAP_OPTIONS is '$(sed -n 2p env.txt)', expected '$want'"
[ "$(sed -n 3p env.txt)" = "$pid" ] || fail "pid changed: heapsnap $pid, command $(sed -n 3p env.txt)"

# Our library is not listed twice when LD_PRELOAD already has it.
HEAPSNAP_LIB=$tmp/lib/libheapsnap.so LD_PRELOAD="$tmp/lib/libheapsnap.so /x.so" \
	"$HEAPSNAP" run -- sh -c 'echo "$LD_PRELOAD" >env2.txt' 2>/dev/null ||
	fail "second run failed"
[ "$(cat env2.txt)" = "$tmp/lib/libheapsnap.so:/x.so" ] || fail "LD_PRELOAD is '$(cat env2.txt)'"
exit 0
