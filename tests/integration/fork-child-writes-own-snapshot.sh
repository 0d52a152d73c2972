#!/bin/sh
# fork: parent and child each write their own exit snapshot, named with
# their own pid; the child's shows its own leak and the allocations it
# inherited, never the parent's later ones (sample=1, exact).
. "$(dirname "$0")/lib.sh"
child=$(run_preloaded "sample=1:out=$WORK" "$PROG/fork") || fail "fork: exit status $?"
case "$child" in ''|*[!0-9]*) fail "fork: no child pid printed ('$child')" ;; esac
n=$(ls "$WORK"/*.db 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 snapshots (parent and child), found $n: $(ls "$WORK")"
cdb=$(ls "$WORK"/heapsnap.fork."$child".*.db 2>/dev/null)
[ -n "$cdb" ] || fail "no snapshot named with the child's pid $child: $(ls "$WORK")"
pdb=$(ls "$WORK"/*.db | grep -v "\.$child\.")
[ "$(q "$cdb" "SELECT value FROM meta WHERE key='pid'")" = "$child" ] || fail "child snapshot: meta.pid is not $child"
ppid=$(q "$pdb" "SELECT value FROM meta WHERE key='pid'")
[ "$(q "$cdb" "SELECT value FROM meta WHERE key='ppid'")" = "$ppid" ] || fail "child snapshot: meta.ppid is not the parent's pid $ppid"
case "$pdb" in *".$ppid.0001.db") ;; *) fail "parent snapshot '$pdb' is not named with pid $ppid and seq 0001" ;; esac
case "$cdb" in *".$child.0001.db") ;; *) fail "child snapshot '$cdb' does not restart seq at 0001" ;; esac
for f in "$cdb" "$pdb"; do
	[ "$(q "$f" "SELECT value FROM meta WHERE key='trigger'")" = exit ] || fail "$f: trigger is not exit"
done
# site DB FUNCTION: "live_bytes live_count"
site() { q "$1" "SELECT coalesce(sum(live_bytes),0) || ' ' || coalesce(sum(live_count),0) FROM v_sites WHERE function='$2'"; }
check() {
	got=$(site "$1" "$2")
	[ "$got" = "$3" ] || fail "$4 snapshot, $2: expected '$3', got '$got'"
}
check "$cdb" leak_before_fork "1000 10" child
check "$cdb" leak_in_child "2331 7" child
check "$cdb" leak_in_parent "0 0" child
check "$pdb" leak_before_fork "1000 10" parent
check "$pdb" leak_in_parent "2331 3" parent
check "$pdb" leak_in_child "0 0" parent
# The child's exact totals include the inherited blocks.
[ "$(q "$cdb" "SELECT value FROM meta WHERE key='live_count'")" -ge 17 ] || fail "child meta.live_count below its 17 live blocks"
echo "ok: parent $ppid and child $child wrote their own snapshots"
