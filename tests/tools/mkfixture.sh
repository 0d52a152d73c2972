#!/bin/sh
# mkfixture.sh: writes a hand-made heapsnap snapshot for the tool tests.
#
# Usage: mkfixture.sh SCHEMA.sql OUT.db VARIANT
#   VARIANT  demo1 demo2 demo3  one process (pid 1234), seq 1..3, 30 s apart
#            other              a later run of the same program (pid 5678,
#                               another build_id, stack ids + 100, the
#                               sites of demo3, 3600 s after demo1)
# The snapshot is built from SCHEMA.sql plus the INSERTs below, so the
# fixtures follow the schema the library writes: version 3 (src/schema.sql,
# a locations table and a call-site trie of runs), version 2
# (tools/schema-v2.sql, a trie of one row per node) or version 1
# (tools/schema-v1.sql, one frames row per address and stack_frames), told
# apart by the schema. Known facts the tests rely
# on (demo1 -> demo3): leak_buffer (demo.c:42) grows most, +1049088 bytes,
# over two stacks (via handle_request and via main); libplugin.so+0x1a2b
# (unsymbolized) +4096; session_new appears (+512); copy_name (behind
# strdup) +128; parse_config is flat; cache_insert shrinks by 49152;
# load_font vanishes (-8192). Exit 99 on a harness error.
set -eu

schema=$1 out=$2 variant=$3
if grep -q 'location_ids' "$schema"; then version=3
elif grep -q 'CREATE TABLE locations' "$schema"; then version=2
else version=1; fi
# Versions 2 and 3 are filled from version-1 rows in temporary tables (the
# same data), converted by SQL at the end: a location per frame row, one
# trie node per stack frame (nodes need not be shared to be a valid trie);
# version 3's runs: each stack's two innermost frames (id STACK * 1000)
# under a run of the others (STACK * 1000 + 1).
if [ $version -ge 2 ]; then F=v1_frames S=v1_stacks SF=v1_stack_frames; else F=frames S=stacks SF=stack_frames; fi

pid=1234 build=5f1e0c2a9b7d4e31 idoff=0 tbase=0
case $variant in
demo1) seq=1 ;;
demo2) seq=2 ;;
demo3) seq=3 ;;
other) seq=3 pid=5678 build=0d4c3b2a19081726 idoff=100 tbase=3600 ;;
*) echo "mkfixture.sh: unknown variant '$variant'" >&2; exit 99 ;;
esac
time=$((1700000000 + tbase + 30 * (seq - 1)))
uptime=$((1 + 30 * (seq - 1)))

# Live bytes/count per stack and snapshot: "bytes count" or "-" (absent).
site() {  # site STACK BYTES1 COUNT1 BYTES2 COUNT2 BYTES3 COUNT3
	stack=$1; shift
	case $seq in 1) b=$1 c=$2 ;; 2) b=$3 c=$4 ;; 3) b=$5 c=$6 ;; esac
	[ "$b" = - ] && return 0
	s=$((stack + idoff))
	echo "INSERT INTO sites VALUES($s, $b, $c, $((b * 2)), $((c * 2)), $b, $c);"
}

stack() {  # stack ID SITE_DEPTH FRAME...   (frames innermost first)
	s=$(($1 + idoff)) sd=$2; shift 2
	echo "INSERT INTO $S VALUES($s, $#, $sd, 0);"
	d=0
	for f in "$@"; do
		echo "INSERT INTO $SF VALUES($s, $d, $f);"
		d=$((d + 1))
	done
}

sites=$(
	site 1  1024 1     524288 512  1048576 1024
	site 2  512 1      1024 2      2048 4
	site 3  4096 2     4096 2      4096 2
	site 4  64 4       128 8       192 12
	site 5  2048 2     4096 4      6144 6
	site 6  65536 16   32768 8     16384 4
	site 7  - -        256 2       512 4
	site 8  8192 1     8192 1      - -
)
# Exact totals: the sites plus 100000 bytes in 50 allocations outside them.
totb=$(echo "$sites" | awk '{ gsub(/[(),;]/, " "); s += $6 } END { print s + 100000 }')
totc=$(echo "$sites" | awk '{ gsub(/[(),;]/, " "); s += $7 } END { print s + 50 }')

rm -f "$out"
{
	cat "$schema"
	echo "BEGIN;"
	if [ $version -ge 2 ]; then
		cat <<SQL
CREATE TEMP TABLE v1_frames (id INTEGER PRIMARY KEY, address, module_id, offset, function, file, line, is_allocator);
CREATE TEMP TABLE v1_stacks (id INTEGER PRIMARY KEY, nframes, site_depth, truncated);
CREATE TEMP TABLE v1_stack_frames (stack_id, raw_depth, frame_id);
SQL
	fi
	cat <<SQL
INSERT INTO meta VALUES('schema_version', $version), ('heapsnap_version', '0.1.0'),
  ('pid', $pid), ('ppid', 1), ('exe', '/usr/bin/demo'),
  ('cmdline', 'demo --serve "port 80"'), ('build_id', '$build'),
  ('seq', $seq), ('time', $time.5), ('uptime', $uptime.5), ('trigger', 'interval'),
  ('sample', 1), ('depth', 64), ('unwinder', 'libunwind'), ('interval', 30.0),
  ('options', 'sample=1:interval=30'), ('live_bytes', $totb), ('live_count', $totc),
  ('alloc_count', $((totc * 3))), ('alloc_bytes', $((totb * 3))),
  ('free_count', $((totc * 2))), ('free_bytes', $((totb * 2))),
  ('tracker_bytes', 1048576), ('threads', 2);
INSERT INTO modules VALUES
  (1, '/usr/bin/demo', '$build', 93824992231424, 65536),
  (2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'e1a2b3c4', 139637976727552, 2031616),
  (3, '/opt/demo/lib/libplugin.so', NULL, 139637980000000, 40960);
INSERT INTO $F VALUES
  (1, 139637976827552, 2, 100000, 'malloc', NULL, NULL, 1),
  (2, 139637976837552, 2, 110000, 'strdup', NULL, NULL, 1),
  (3, 93824992235520, 1, 4096, 'leak_buffer', 'demo.c', 42, 0),
  (4, 93824992236544, 1, 5120, 'handle_request', 'server.c', 88, 0),
  (5, 93824992237568, 1, 6144, 'main', 'main.c', 120, 0),
  (6, 93824992238592, 1, 7168, 'parse_config', 'config.c', 17, 0),
  (7, 93824992239616, 1, 8192, 'copy_name', 'names.c', 9, 0),
  (8, 139637980006699, 3, 6699, NULL, NULL, NULL, 0),
  (9, 139637980008192, 3, 8192, NULL, NULL, NULL, 0),
  (10, 93824992240640, 1, 9216, 'cache_insert', 'cache.c', 31, 0),
  (11, 93824992241664, 1, 10240, 'session_new', 'session.c', 12, 0),
  (12, 93824992242688, 1, 11264, 'load_font', 'font.c', 5, 0),
  (13, 139637976871936, 2, 144384, '__libc_start_main', NULL, NULL, 0);
SQL
	stack 1 1  1 3 4 5 13
	stack 2 1  1 3 5 13
	stack 3 1  1 6 5 13
	stack 4 2  1 2 7 5 13
	stack 5 1  1 8 9 5 13
	stack 6 1  1 10 5 13
	stack 7 1  1 11 4 5 13
	stack 8 1  1 12 5 13
	echo "$sites"
	if [ $version -ge 2 ]; then
		cat <<'SQL'
INSERT INTO locations SELECT id, address, module_id, offset, function, 0,
  CASE WHEN file IS NOT NULL THEN 'lines' WHEN function IS NOT NULL THEN 'symbol' ELSE 'unresolved' END
  FROM v1_frames;
INSERT INTO frames SELECT id, 0, function, file, line, is_allocator FROM v1_frames;
INSERT INTO stacks SELECT st.id, st.id * 1000, st.nframes, st.site_depth,
  (SELECT frame_id FROM v1_stack_frames WHERE stack_id = st.id AND raw_depth = st.site_depth), 0, st.truncated, NULL
  FROM v1_stacks st;
SQL
	fi
	if [ $version = 3 ]; then
		cat <<'SQL'
INSERT INTO callsites SELECT st.id * 1000 + 1, NULL, 0,
  (SELECT json_group_array(frame_id) FROM (SELECT frame_id FROM v1_stack_frames
    WHERE stack_id = st.id AND raw_depth >= 2 ORDER BY raw_depth DESC))
  FROM v1_stacks st;
INSERT INTO callsites SELECT st.id * 1000, st.id * 1000 + 1, st.nframes - 2,
  (SELECT json_group_array(frame_id) FROM (SELECT frame_id FROM v1_stack_frames
    WHERE stack_id = st.id AND raw_depth < 2 ORDER BY raw_depth DESC))
  FROM v1_stacks st;
SQL
	elif [ $version = 2 ]; then
		cat <<'SQL'
INSERT INTO callsites SELECT sf.stack_id * 1000 + sf.raw_depth,
  CASE WHEN sf.raw_depth + 1 < st.nframes THEN sf.stack_id * 1000 + sf.raw_depth + 1 END,
  sf.frame_id, st.nframes - 1 - sf.raw_depth
  FROM v1_stack_frames sf JOIN v1_stacks st ON st.id = sf.stack_id;
SQL
	fi
	echo "COMMIT;"
} | sqlite3 "$out" || exit 99
