#!/bin/sh
# heapsnap top PID in a real terminal (tmux): the screen shows the exact
# "live heap" and the leaking function leak_one_request among the growing
# sites; q quits it, the shell's terminal is back in canonical mode with
# echo (stty -a in the pane), and the view wrote no file into the
# process's out= directory. Then SIGINT restores the terminal too. Every
# wait is bounded; the screen is polled, never read once after a fixed
# sleep only.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "SKIP: tmux missing (apt-get install tmux)"; exit 77; }
pid=
sock="heapsnap-test-$$"
T() { tmux -L "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; [ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir "$WORK/out"
LD_PRELOAD="$LIB" HEAPSNAP_OPTIONS="out=$WORK/out:sample=4096" "$PROG/leak_steadily" &
pid=$!
i=0
until "$HEAPSNAP" status "$pid" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no control channel"; sleep 0.1
done
# screen: wait until the pane shows PATTERN (at most 20 s)
screen() {
	i=0
	until T capture-pane -p -t top >"$WORK/screen" 2>/dev/null && grep -q "$1" "$WORK/screen"; do
		i=$((i + 1)); [ $i -lt 200 ] || fail "the pane never showed '$1':
$(cat "$WORK/screen")"; sleep 0.1
	done
}
T -f /dev/null new-session -d -s top -x 120 -y 40 "env -i PATH=$PATH TERM=xterm PS1='$ ' sh" ||
	fail "tmux new-session"
# Markers are split by "" in what is typed, so that the echo of typed-ahead
# keys never matches them: only the commands' output does.
mode="echo \"mo\"\"de:\$(stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{0,1\\}icanon'),\$(stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{0,1\\}echo')\""
T send-keys -t top "stty sane; echo RE\"\"ADY" Enter
screen 'READY'
T send-keys -t top "clear; $HEAPSNAP top --interval 0.5 $pid; echo top\"\"-exit=\$?; $mode" Enter
sleep 2
screen 'live heap:'
screen 'leak_one_request'
grep -q "q quits" "$WORK/screen" || fail "no help line: $(cat "$WORK/screen")"
T send-keys -t top q
screen 'top-exit=[0-9]'
grep -q 'top-exit=0' "$WORK/screen" || fail "top's exit status: $(cat "$WORK/screen")"
screen 'mode:-\{0,1\}icanon,-\{0,1\}echo'
grep -q 'mode:icanon,echo' "$WORK/screen" || fail "terminal not restored after q: $(grep mode: "$WORK/screen")"

# SIGINT (C-c) restores the terminal as well
T send-keys -t top "clear; $HEAPSNAP top $pid" Enter
screen 'live heap:'
T send-keys -t top C-c
# type the next command only once top is gone (a key that reaches top's raw
# read before it exits would be lost to the shell)
i=0
until [ "$(T display-message -p -t top '#{pane_current_command}')" = sh ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "heapsnap top still runs 20 s after C-c"; sleep 0.1
done
T send-keys -t top "clear; $mode" Enter
screen 'mode:-\{0,1\}icanon,-\{0,1\}echo'
grep -q 'mode:icanon,echo' "$WORK/screen" || fail "terminal not restored after SIGINT: $(grep mode: "$WORK/screen")"

[ -z "$(ls -A "$WORK/out")" ] || fail "files in out= after top: $(ls -A "$WORK/out")"
exit 0
