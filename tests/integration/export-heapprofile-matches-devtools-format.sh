#!/bin/sh
# heapsnap export --heapprofile writes Chrome DevTools' sampling heap
# profile: it matches HeapProfiler.SamplingHeapProfile (the types of
# devtools-protocol's js_protocol.json when that npm package is installed
# in node's global modules, else check-heapprofile.py's copy of them), ids
# are unique, samples name nodes, no node would be pruned, and the node with
# most self bytes is grow_cache with its 50 x 4096 live bytes and 0-based
# line; with --base, grow_cache holds heapdiff's growth and nothing is
# negative.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export-lib.sh"
check=$(dirname "$0")/check-heapprofile.py
types=
for d in "$(npm root -g 2>/dev/null)" /usr/lib/node_modules /usr/local/lib/node_modules; do
	[ -n "$d" ] && [ -r "$d/devtools-protocol/json/js_protocol.json" ] &&
		{ types=$d/devtools-protocol/json/js_protocol.json; break; }
done
echo "types: ${types:-built-in copy}"
"$HEAPSNAP" export --heapprofile "$WORK/new.heapprofile" "$WORK/new.db" || fail "export exited $?"
top=$(python3 "$check" "$WORK/new.heapprofile" $types) || fail "not a valid .heapprofile"
case "$top" in "grow_cache "*"export_leak.c:"*" 204800") ;; *) fail "top node is '$top'" ;; esac
line=$(q "$WORK/new.db" "SELECT line FROM v_sites WHERE function='grow_cache'")
grep -q "\"functionName\": \"grow_cache\", \"scriptId\": \"0\", \"url\": \"[^\"]*export_leak.c\", \"lineNumber\": $((line - 1))," \
	"$WORK/new.heapprofile" || fail "grow_cache's lineNumber is not its 0-based line $((line - 1))"
"$HEAPSNAP" export --heapprofile "$WORK/growth.heapprofile" --base "$WORK/old.db" "$WORK/new.db" ||
	fail "export --base exited $?"
top=$(python3 "$check" "$WORK/growth.heapprofile" $types) || fail "growth is not a valid .heapprofile"
case "$top" in "grow_cache "*" $GROWTH") ;; *) fail "top growth node is '$top', heapdiff says grow_cache $GROWTH" ;; esac
echo "ok: .heapprofile ($top)"
