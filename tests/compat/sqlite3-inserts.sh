#!/bin/sh
# sqlite3: 300000 rows inserted into an on-disk database (100000 statements
# parsed one by one, the rest from a recursive query), an index, queries.
. "$(dirname "$0")/lib.sh"
need sqlite3 sqlite3
setup() {
	{
		echo 'CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);'
		echo 'BEGIN;'
		seq 1 100000 | sed 's/.*/INSERT INTO t(a,b,c) VALUES(&, printf("row%08d", &), & * 0.5);/'
		echo 'COMMIT;'
		echo 'WITH RECURSIVE n(i) AS (SELECT 100001 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)'
		echo '  INSERT INTO t SELECT i, hex(i * 2654435761 % 1000003), i % 977 FROM n;'
		echo 'CREATE INDEX tb ON t(b);'
		echo 'SELECT count(*), sum(a), min(b), max(b), round(avg(c), 3) FROM t;'
		echo 'SELECT b, count(*) FROM t GROUP BY substr(b, 1, 2) ORDER BY 2 DESC, 1 LIMIT 5;'
		echo 'SELECT a FROM t WHERE b = "row00054321";'
		echo 'PRAGMA integrity_check;'
	} >work.sql
}

compat_run sqlite3 sqlite3 -batch work.db -init work.sql .quit
