#!/bin/sh
# heapdiff --folded gives collapsed stacks that flamegraph.pl draws, with
# grow_cache's retained growth, outermost frame first; heapdiff --svg gives
# a self-contained flame graph that headless chromium renders: the DOM has
# grow_cache as the widest frame above its callers with bytes and file:line
# in its tooltip, #search= highlights it, and a screenshot is taken.
# Each half skips (77 when both do) when its client is missing:
# flamegraph.pl (libdevel-nytprof-perl) and chromium, both in setup.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export-lib.sh"
FG=/usr/share/perl5/Devel/NYTProf/flamegraph.pl
ran=0

"$HEAPDIFF" --folded "$WORK/old.db" "$WORK/new.db" > "$WORK/growth.folded" || fail "--folded exited $?"
# one line per stack, integer last; the growth is all in grow_cache's stack
line=$(grep 'grow_cache' "$WORK/growth.folded")
case "$line" in
*";main ("*"export_leak.c:"*";handle_request ("*"export_leak.c:"*";grow_cache ("*"export_leak.c:"*") $GROWTH") ;;
*) cat "$WORK/growth.folded"; fail "folded line of grow_cache is '$line'" ;;
esac
grep -vqE '^[^;]+(;[^;]+)* [0-9]+$' "$WORK/growth.folded" && fail "a folded line is malformed"
grep -q steady_table "$WORK/growth.folded" && fail "steady_table did not grow but is in the growth"
"$HEAPDIFF" --folded=live "$WORK/old.db" "$WORK/new.db" > "$WORK/live.folded" || fail "--folded=live exited $?"
grep -q 'steady_table ([^;]*export_leak.c:[0-9]*) 1000$' "$WORK/live.folded" || fail "live folded lacks steady_table 1000"

if [ -r "$FG" ]; then
	timeout 60 perl "$FG" --title=growth --countname=bytes "$WORK/growth.folded" > "$WORK/fg.svg" ||
		fail "flamegraph.pl exited $?"
	grep -q "<title>grow_cache ([^;]*export_leak.c:[0-9]*) (163,840 bytes" "$WORK/fg.svg" ||
		fail "flamegraph.pl drew no grow_cache frame of 163,840 bytes"
	ran=$((ran + 1))
else
	echo "note: $FG missing (apt-get install libdevel-nytprof-perl): flamegraph.pl not run"
fi

"$HEAPDIFF" --svg "$WORK/g.svg" "$WORK/old.db" "$WORK/new.db" > "$WORK/table.txt" || fail "--svg exited $?"
head -n 2 "$WORK/table.txt" | grep -q 'grow_cache' || fail "--svg changed the table"
grep -Eq '(href|src)=|@import|url\(' "$WORK/g.svg" && fail "the SVG references an external resource"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chrome" ]; then
	cr() { timeout 120 "$chrome" --headless=new --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" \
		--window-size=1200,300 --virtual-time-budget=5000 "$@" 2>>"$WORK/chrome.log"; }
	cr --dump-dom "file://$WORK/g.svg#search=grow_cache" > "$WORK/dom.html" || fail "chromium --dump-dom exited $?"
	grep -q 'data-ready="1"' "$WORK/dom.html" || fail "the SVG's script did not run"
	python3 - "$WORK/dom.html" "$GROWTH" <<'PY' || fail "DOM check failed"
import re, sys
dom, growth = open(sys.argv[1]).read(), int(sys.argv[2])
frames = re.findall(r'<g class="f" data-x="([0-9.]+)" data-w="([0-9.]+)" data-d="(\d+)"><title>([^<]*)</title><rect [^>]* fill="([^"]+)"', dom)
assert frames, "no frames in the DOM"
# the top frame: the deepest frame of the widest path is grow_cache
top = max(frames, key=lambda f: (float(f[1]) > 0.99, int(f[2])))
name, tip = top[3].split("\n")[0], top[3]
assert name.startswith("grow_cache (") and "export_leak.c:" in name, "top frame is %r" % name
assert "(%d bytes, 100.00%%)" % growth in tip and "+40 allocations" in tip, "tooltip %r" % tip
assert top[4] == "rgb(230,0,230)", "search did not highlight grow_cache (fill %s)" % top[4]
assert re.search(r'id="matched"[^>]*>Matched: 100\.0%', dom), "no 'Matched: 100.0%'"
print("top frame:", name)
PY
	cr --screenshot="$WORK/g.png" "file://$WORK/g.svg" || fail "chromium --screenshot exited $?"
	[ -s "$WORK/g.png" ] || fail "no screenshot"
	[ -n "${KEEP_SCREENSHOT:-}" ] && cp "$WORK/g.png" "$KEEP_SCREENSHOT"
	ran=$((ran + 1))
else
	echo "note: chromium missing (apt-get install chromium): SVG not rendered"
fi
[ "$ran" -gt 0 ] || { echo "SKIP: neither flamegraph.pl nor chromium installed"; exit 77; }
echo "ok: folded and SVG flame graphs render ($ran clients)"
