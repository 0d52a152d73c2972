/*
 * test_rowbatch.c: bulk inserts through the virtual table over a batch
 * (src/rowbatch.c): every row arrives, in order, across buffer flushes,
 * with its NULLs, integers, doubles and texts; OR REPLACE replaces, OR FAIL fails;
 * nothing of the virtual table lands in the database's schema.
 */
#include "rowbatch.h"

#include <check.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "check_main.h"

static sqlite3 *open_mem(const char *schema)
{
	sqlite3 *h = NULL;
	ck_assert_int_eq(sqlite3_open(":memory:", &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, schema, NULL, NULL, NULL), SQLITE_OK);
	return h;
}

static int64_t one(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

START_TEST(rows_in_order_across_flushes)
{
	sqlite3 *h = open_mem("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b REAL NOT NULL, c INTEGER)");
	struct rowbatch *b;
	ck_assert_int_eq(rowbatch_new(h, "t_rows", "t(a, b, c)", 3, 2u, 0, false, &b), 0);
	enum { N = 5000 }; /* two full buffers and a remainder */
	for (int i = 0; i < N; i++) {
		int64_t row[3] = {i, rowbatch_real(i + 0.5), -i};
		ck_assert_int_eq(rowbatch_add(b, row, i % 7 == 0 ? 1u : 0u), 0);
	}
	ck_assert_int_eq(rowbatch_flush(b), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t"), N);
	/* ids numbered in the order added: a = id - 1 where not NULL */
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE a IS NOT NULL AND a != id - 1"), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE a IS NULL"), (N + 6) / 7);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE (id - 1) % 7 = 0 AND a IS NOT NULL"), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE typeof(b) != 'real' OR b != id - 0.5"), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE typeof(c) != 'integer' OR c != 1 - id"), 0);
	/* an eponymous virtual table: not in the schema */
	ck_assert_int_eq(one(h, "SELECT count(*) FROM sqlite_master"), 1);
	rowbatch_free(b);
	sqlite3_close(h);
}
END_TEST

START_TEST(replace_replaces_and_fail_fails)
{
	sqlite3 *h = open_mem("CREATE TABLE k (key INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
	struct rowbatch *r, *f;
	ck_assert_int_eq(rowbatch_new(h, "k_replace", "k(key, v)", 2, 0, 0, true, &r), 0);
	ck_assert_int_eq(rowbatch_new(h, "k_fail", "k(key, v)", 2, 0, 0, false, &f), 0);
	int64_t a[2] = {7, 1}, b[2] = {7, 2};
	ck_assert_int_eq(rowbatch_add(r, a, 0), 0);
	ck_assert_int_eq(rowbatch_add(r, b, 0), 0);
	ck_assert_int_eq(rowbatch_flush(r), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM k"), 1);
	ck_assert_int_eq(one(h, "SELECT v FROM k WHERE key = 7"), 2);
	int64_t dup[2] = {7, 3}, null_v[2] = {8, 0};
	ck_assert_int_eq(rowbatch_add(f, dup, 0), 0);
	ck_assert_int_eq(rowbatch_flush(f), -EIO);
	ck_assert_int_eq(rowbatch_add(f, null_v, 2u), 0);
	ck_assert_int_eq(rowbatch_flush(f), -EIO);
	ck_assert_int_eq(one(h, "SELECT v FROM k WHERE key = 7"), 2);
	ck_assert_int_eq(rowbatch_flush(f), 0); /* a failed flush empties the buffer */
	rowbatch_free(r);
	rowbatch_free(f);
	sqlite3_close(h);
}
END_TEST

START_TEST(texts_arrive_whole_across_flushes)
{
	sqlite3 *h = open_mem("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n INTEGER)");
	struct rowbatch *b;
	ck_assert_int_eq(rowbatch_new(h, "t_rows", "t(s, n)", 2, 0, 1u, false, &b), 0);
	enum { N = 5000 }; /* two full buffers and a remainder; texts of 1..1000 bytes */
	char buf[1024];
	for (int i = 0; i < N; i++) {
		size_t len = 1 + (size_t)(i * 37) % 1000;
		for (size_t k = 0; k < len; k++)
			buf[k] = (char)('a' + (i + (int)k) % 26);
		int64_t t = rowbatch_text(b, buf, len);
		ck_assert_int_ge(t, 0);
		int64_t row[2] = {t, (int64_t)len};
		ck_assert_int_eq(rowbatch_add(b, row, i % 11 == 0 ? 1u : 0u), 0);
	}
	ck_assert_int_eq(rowbatch_flush(b), 0);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t"), N);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE s IS NULL"), (N + 10) / 11);
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE s IS NOT NULL AND (typeof(s) != 'text' OR length(s) != n)"), 0);
	/* each text starts with its own letter: 'a' + (id - 1) % 26 */
	ck_assert_int_eq(one(h, "SELECT count(*) FROM t WHERE s IS NOT NULL AND"
				" unicode(s) != 97 + (id - 1) % 26"), 0);
	rowbatch_free(b);
	sqlite3_close(h);
}
END_TEST

START_TEST(bad_arguments_refused)
{
	sqlite3 *h = open_mem("CREATE TABLE t (a)");
	struct rowbatch *b = (struct rowbatch *)1;
	ck_assert_int_eq(rowbatch_new(h, "t_rows", "t(a)", 0, 0, 0, false, &b), -EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(rowbatch_new(h, "t_rows", "nosuch(a)", 1, 0, 0, false, &b), -EIO);
	ck_assert_ptr_null(b);
	rowbatch_free(NULL);
	sqlite3_close(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rowbatch");
	TCase *tc = tcase_create("insert");
	tcase_add_test(tc, rows_in_order_across_flushes);
	tcase_add_test(tc, replace_replaces_and_fail_fails);
	tcase_add_test(tc, texts_arrive_whole_across_flushes);
	tcase_add_test(tc, bad_arguments_refused);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
