#!/bin/sh
# A program that runs on jemalloc (linked with -ljemalloc, or jemalloc
# preloaded after libheapsnap) gets jemalloc's own figures in meta
# (heapsnap-snapshot(5)): jemalloc_version and jemalloc_allocated, _active,
# _resident, _mapped, _retained, read after an epoch refresh, consistent
# with each other and with the exact live bytes; glibc's mallinfo_* keys
# are left out (they would describe a heap the program does not use). On
# glibc it is the other way round.
. "$(dirname "$0")/lib.sh"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT
JE=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -n 1)
[ -n "$JE" ] || { echo "skip: libjemalloc.so.2 missing (apt-get install libjemalloc2)"; exit 77; }

snap() { # DIR PRELOAD PROGRAM: the path of a snapshot of PROGRAM running
	mkdir "$1"
	LD_PRELOAD="$2" HEAPSNAP_OPTIONS="out=$1:at_exit=0" "$3" &
	pid=$!
	i=0
	until "$HEAPSNAP" status "$pid" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "$3: no control channel"; sleep 0.1
	done
	sleep 0.3 # some leaked blocks
	db=$(timeout 60 "$HEAPSNAP" snapshot --wait "$pid") || fail "$3: snapshot --wait failed"
	kill "$pid"; wait "$pid" 2>/dev/null; pid=
	[ -f "$db" ] || fail "snapshot --wait printed '$db'"
	echo "$db"
}
check() { # DB KEY CONDITION
	[ "$(q "$1" "SELECT ($3) FROM meta WHERE key='$2'")" = 1 ] ||
		fail "$1: $2 = '$(q "$1" "SELECT value FROM meta WHERE key='$2'")' fails $3"
}
v() { echo "(SELECT value FROM meta WHERE key='$1')"; }
on_jemalloc() { # DB
	check "$1" jemalloc_version "value LIKE '5.%'"
	check "$1" jemalloc_allocated "typeof(value)='integer' AND value > 0 AND value * 2 >= $(v live_bytes)"
	check "$1" jemalloc_active "typeof(value)='integer' AND value >= $(v jemalloc_allocated)"
	check "$1" jemalloc_mapped "typeof(value)='integer' AND value >= $(v jemalloc_active)"
	check "$1" jemalloc_resident "typeof(value)='integer' AND value > 0"
	check "$1" jemalloc_retained "typeof(value)='integer' AND value >= 0"
	check "$1" live_bytes "value > 0" # the hooks did see the program's calls
	[ "$(q "$1" "SELECT count(*) FROM meta WHERE key LIKE 'mallinfo%'")" = 0 ] ||
		fail "$1: glibc's mallinfo keys in a snapshot of a jemalloc program"
}
linked=$(snap "$WORK/linked" "$LIB" "$PROG/leak_steadily_je") || { echo "$linked"; exit 1; }
on_jemalloc "$linked"
preloaded=$(snap "$WORK/preloaded" "$LIB $JE" "$PROG/leak_steadily") || { echo "$preloaded"; exit 1; }
on_jemalloc "$preloaded"
glibc=$(snap "$WORK/glibc" "$LIB" "$PROG/leak_steadily") || { echo "$glibc"; exit 1; }
[ "$(q "$glibc" "SELECT count(*) FROM meta WHERE key LIKE 'jemalloc%'")" = 0 ] ||
	fail "jemalloc keys in a snapshot of a glibc program"
check "$glibc" mallinfo_in_use "value > 0"
echo "ok: jemalloc's stats in meta on jemalloc (linked and preloaded), mallinfo on glibc"
