#!/usr/bin/env bash
# demo.sh: the README's first command. Builds heapsnap (installing what it
# needs), runs the bundled leaking demo under `heapsnap run` with a snapshot
# every half second, and prints the heapdiff of the first and last snapshot:
# its first line is the leaking function, remember_session.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet
out=heapsnap-out/demo
rm -rf "$out"
mkdir -p "$out"
echo "demo: running examples/leaky-server for 3 s under heapsnap (snapshots in $out)"
# The tracker names functions only (cheap in the process); heapdiff reads
# file:line from the executable's debug info on this machine.
tools/heapsnap run -o "$out" --interval 0.5 -- examples/leaky-server 3
snaps=$(ls "$out"/heapsnap.*.db | sort)
first=$(echo "$snaps" | head -n 1)
last=$(echo "$snaps" | tail -n 1)
echo "demo: $(echo "$snaps" | wc -l) snapshots; heapdiff $first $last"
echo
tools/heapdiff "$first" "$last"
