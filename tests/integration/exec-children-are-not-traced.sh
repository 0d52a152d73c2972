#!/bin/sh
# By default only the command is traced: the process heapsnap run starts,
# what it execs under the same pid (a shim exec'ing the real program), and
# its forks. Programs it runs (fork + exec) start untracked and silent, and
# the library leaves their LD_PRELOAD, so their children do not load it.
# --follow-exec (follow_exec=1) traces them all. Under a plain LD_PRELOAD
# the library leaves LD_PRELOAD at start-up (other entries stay), and a bad
# out= directory is reported once, not once per child.
. "$(dirname "$0")/lib.sh"
export HEAPSNAP_LIB="$LIB"
unset HEAPSNAP_RUN_PID
shim='ls / >/dev/null; /bin/true; env | grep "^LD_PRELOAD=" >"$0"; exec "$1" >/dev/null'

"$HEAPSNAP" run -o "$WORK/cmd" -- sh -c "$shim" "$WORK/child-env" "$PROG/leak_exact" ||
	fail "heapsnap run: exit status $?"
files=$(ls "$WORK/cmd")
printf '%s\n' "$files" | grep -q '^heapsnap\.leak_exact\.' || fail "the command's exec'd program wrote no snapshot: $files"
pids=$(printf '%s\n' "$files" | sed -n 's/^heapsnap\.[^.]*\.\([0-9]*\)\..*\.db$/\1/p' | sort -u | wc -l)
[ "$pids" = 1 ] || fail "snapshots of $pids processes, expected the command's only: $files"
printf '%s\n' "$files" | grep -Eq '^heapsnap\.(ls|true|env|grep)\.' && fail "a child the command ran was traced: $files"
[ -s "$WORK/child-env" ] && fail "a child's child would load the library: $(cat "$WORK/child-env")"

"$HEAPSNAP" run --follow-exec -o "$WORK/follow" -- sh -c "$shim" "$WORK/child-env" "$PROG/leak_exact" ||
	fail "heapsnap run --follow-exec: exit status $?"
ls "$WORK/follow" | grep -q '^heapsnap\.ls\.' || fail "--follow-exec: ls was not traced: $(ls "$WORK/follow")"
grep -q libheapsnap "$WORK/child-env" || fail "--follow-exec: children lost the library: $(cat "$WORK/child-env")"

# plain LD_PRELOAD: the library leaves LD_PRELOAD at once, other entries stay
mkdir "$WORK/plain"
other=$(ldd /bin/true | awk '/libc.so.6/ { print $3 }')
LD_PRELOAD="$LIB $other" HEAPSNAP_OPTIONS="out=$WORK/plain" sh -c 'env | grep "^LD_PRELOAD="' >"$WORK/plain.env" ||
	fail "plain preload: exit status $?"
[ "$(cat "$WORK/plain.env")" = "LD_PRELOAD=$other" ] || fail "plain preload: child saw '$(cat "$WORK/plain.env")'"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/plain" sh -c 'env | grep -c "^LD_PRELOAD="' >"$WORK/plain.env"
[ "$(cat "$WORK/plain.env")" = 0 ] || fail "plain preload: LD_PRELOAD left in the children's environment"
ls "$WORK/plain" | grep -Eq '^heapsnap\.(env|grep)\.' && fail "plain preload: a child was traced: $(ls "$WORK/plain")"

# one message, not one per child
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/missing" sh -c '/bin/true; /bin/true; ls / >/dev/null; /bin/true' 2>"$WORK/err" ||
	fail "missing out=: exit status $?"
[ "$(grep -c '^heapsnap:' "$WORK/err")" = 1 ] || fail "missing out=: $(grep -c '^heapsnap:' "$WORK/err") lines: $(cat "$WORK/err")"
echo "ok: the command and its exec chain traced, its children not; --follow-exec traces them"
