#!/bin/sh
# unwinder=cfi walks by the modules' .eh_frame tables: on every stack of
# prog/cfi_stacks (recursion 100 deep, chains with rsp- and rbp-based
# frames, threads, a C++ exception between allocations, a signal handler,
# a plugin dlclose'd and another loaded in its place) it must record
# exactly the frames libunwind records (but where libunwind is wrong: its
# frame cache outlives a dlclose), and it must be the table walk that
# ran: fewer than 1% of its samples fall back to libunwind (the signal
# handler's 10 do; a rule of the first plugin kept after its dlclose would
# make B's 200 stacks wrong or fall back too).
. "$(dirname "$0")/lib.sh"
A="$top_builddir/tests/prog/.libs/libcfi_plugin_a.so"
B="$top_builddir/tests/prog/.libs/libcfi_plugin_b.so"
[ -f "$A" ] && [ -f "$B" ] || { echo "harness: cfi plugins not built"; exit 99; }
stacks() { # DB: one line per distinct stack: module:function of every frame
	q "$1" "SELECT DISTINCT chain FROM (SELECT stack_id, group_concat(coalesce(function, '?') || '@' ||
		replace(coalesce(module, '?'), rtrim(coalesce(module, '?'), replace(coalesce(module, '?'), '/', '')), ''), ' < ')
		AS chain FROM (SELECT * FROM v_stack_frames ORDER BY stack_id, location_depth, inline_depth)
		GROUP BY stack_id) ORDER BY chain"
}
for unwinder in cfi libunwind; do
	mkdir -p "$WORK/$unwinder"
	run_preloaded "sample=1:unwinder=$unwinder:out=$WORK/$unwinder" "$PROG/cfi_stacks" "$A" "$B" \
		>"$WORK/$unwinder.out" || fail "$unwinder: program exit status $?"
	db=$(last_snapshot "$WORK/$unwinder")
	[ -n "$db" ] || fail "$unwinder: no snapshot written"
	[ "$(q "$db" "SELECT value FROM meta WHERE key='unwinder'")" = "$unwinder" ] || fail "$unwinder: meta.unwinder"
	stacks "$db" >"$WORK/$unwinder.all"
	# libunwind's own frame cache keeps A's rules after the dlclose and
	# cuts B's stacks short: the plugins' stacks are checked apart
	grep -v '@libcfi_plugin_' "$WORK/$unwinder.all" >"$WORK/$unwinder.stacks"
	[ -s "$WORK/$unwinder.stacks" ] || fail "$unwinder: no stacks"
done
db=$(last_snapshot "$WORK/cfi")
for f in 'recurse@cfi_stacks < recurse@cfi_stacks' 'chain_c@cfi_stacks < chain_b@cfi_stacks < chain_a@cfi_stacks' \
	thrower@cfi_stacks on_signal@cfi_stacks 'thread_main(void*)@cfi_stacks' \
	; do
	grep -qF "$f" "$WORK/cfi.stacks" || fail "cfi: no stack with '$f'"
done
# B is mapped where A was (same layout): A's stacks, captured before its
# dlclose, are named after A, B's after B (the module epoch), each whole
plugin=$(grep '@libcfi_plugin_' "$WORK/cfi.all")
[ "$plugin" = "plugin_alloc@libcfi_plugin_a.so < main@cfi_stacks < __libc_start_call_main@libc.so.6 < __libc_start_main@libc.so.6 < _start@cfi_stacks
plugin_alloc@libcfi_plugin_b.so < main@cfi_stacks < __libc_start_call_main@libc.so.6 < __libc_start_main@libc.so.6 < _start@cfi_stacks" ] ||
	fail "cfi: the plugins' stacks are '$plugin'"
if ! cmp -s "$WORK/cfi.stacks" "$WORK/libunwind.stacks"; then
	diff "$WORK/libunwind.stacks" "$WORK/cfi.stacks" | head -20
	fail "cfi and libunwind recorded different stacks (diff above: < libunwind, > cfi)"
fi
samples=$(q "$db" "SELECT value FROM meta WHERE key='unwind_samples'")
fallbacks=$(q "$db" "SELECT value FROM meta WHERE key='unwind_fallbacks'")
[ -n "$samples" ] && [ "$samples" -gt 1000 ] || fail "cfi: unwind_samples is '$samples', expected more than 1000"
[ $((fallbacks * 100)) -lt "$samples" ] || fail "cfi: $fallbacks of $samples samples fell back (1% allowed)"
[ "$fallbacks" -ge 10 ] || fail "cfi: $fallbacks fallbacks: the 10 signal-handler samples should fall back"
echo "ok: cfi and libunwind recorded the same $(wc -l <"$WORK/cfi.stacks") stacks; $fallbacks of $samples samples fell back"
