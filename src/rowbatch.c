/*
 * rowbatch.c: bulk inserts of rows (see rowbatch.h).
 *
 * Why a virtual table: a table of a million rows (an exact-mode compile's
 * call-site trie) made SQLite's per-value work the biggest cost of its
 * snapshot. A multi-row INSERT ... VALUES binds every value (a call, a
 * check and a copy each) and runs a coroutine per row; an INSERT ... SELECT
 * from a virtual table hands each value over in one xColumn call and steps
 * once per ROWBATCH_ROWS rows.
 * Context: writer thread only. Invariants: (1) never malloc: SQLite's
 * allocator (the tracker arena) for the batch and the virtual table's
 * objects; (2) the module is eponymous-only (no xCreate): it exists on the
 * connection, never in the file's schema; (3) a cursor reads the batch it
 * was connected for and only while the INSERT steps; (4) a text column's
 * value is an offset and a length into the batch's text buffer, which only
 * grows (SQLite's allocator) and is emptied when the rows are inserted.
 */
#include "rowbatch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ROWBATCH_ROWS 2048

struct rowbatch {
	sqlite3_stmt *insert;
	int ncols, n;
	unsigned reals; /* bit i: column i holds a double's bits */
	unsigned texts; /* bit i: column i holds rowbatch_text()'s offset << 32 | length */
	char *text;     /* the rows' text values, back to back */
	size_t tlen, tcap;
	int64_t v[ROWBATCH_ROWS * ROWBATCH_COLS_MAX];
	unsigned char nulls[ROWBATCH_ROWS]; /* bit i: column i is NULL */
};

/* ---- the virtual table over one batch ---- */

struct rows_vtab {
	sqlite3_vtab base;
	struct rowbatch *b;
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	const struct rowbatch *b;
	int row;
};

static int rows_connect(sqlite3 *h, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
			char **err)
{
	(void)argc;
	(void)argv;
	(void)err;
	struct rowbatch *b = aux;
	char decl[32 + 4 * ROWBATCH_COLS_MAX];
	size_t k = (size_t)snprintf(decl, sizeof(decl), "CREATE TABLE x(");
	for (int i = 0; i < b->ncols; i++)
		k += (size_t)snprintf(decl + k, sizeof(decl) - k, "%sc%d", i ? "," : "", i);
	snprintf(decl + k, sizeof(decl) - k, ")");
	int rc = sqlite3_declare_vtab(h, decl);
	if (rc != SQLITE_OK)
		return rc;
	struct rows_vtab *t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->b = b;
	*out = &t->base;
	return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *t)
{
	sqlite3_free(t);
	return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
	(void)t;
	info->estimatedCost = ROWBATCH_ROWS;
	info->estimatedRows = ROWBATCH_ROWS;
	return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->b = ((struct rows_vtab *)t)->b;
	*out = &c->base;
	return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *c, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	((struct rows_cursor *)c)->row = 0;
	return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *c)
{
	((struct rows_cursor *)c)->row++;
	return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *c)
{
	const struct rows_cursor *rc = (const struct rows_cursor *)c;
	return rc->row >= rc->b->n;
}

static int rows_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	const struct rows_cursor *rc = (const struct rows_cursor *)c;
	const struct rowbatch *b = rc->b;
	if (b->nulls[rc->row] >> col & 1)
		sqlite3_result_null(ctx);
	else if (b->reals >> col & 1) {
		double x;
		memcpy(&x, &b->v[rc->row * b->ncols + col], sizeof(x));
		sqlite3_result_double(ctx, x);
	} else if (b->texts >> col & 1) {
		uint64_t t = (uint64_t)b->v[rc->row * b->ncols + col];
		sqlite3_result_text(ctx, b->text + (t >> 32), (int)(t & 0xffffffffu), SQLITE_STATIC);
	} else
		sqlite3_result_int64(ctx, b->v[rc->row * b->ncols + col]);
	return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out)
{
	*out = ((const struct rows_cursor *)c)->row;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
	.iVersion = 0,
	.xConnect = rows_connect, /* no xCreate: eponymous only */
	.xBestIndex = rows_best_index,
	.xDisconnect = rows_disconnect,
	.xOpen = rows_open,
	.xClose = rows_close,
	.xFilter = rows_filter,
	.xNext = rows_next,
	.xEof = rows_eof,
	.xColumn = rows_column,
	.xRowid = rows_rowid,
};

/* ---- the batch ---- */

int rowbatch_new(sqlite3 *h, const char *name, const char *table_cols, int ncols, unsigned reals,
		 unsigned texts, bool replace, struct rowbatch **out)
{
	*out = NULL;
	if (ncols < 1 || ncols > ROWBATCH_COLS_MAX)
		return -EINVAL;
	struct rowbatch *b = sqlite3_malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	memset(b, 0, sizeof(*b));
	b->ncols = ncols;
	b->reals = reals;
	b->texts = texts;
	char sql[512];
	size_t k = (size_t)snprintf(sql, sizeof(sql), "INSERT OR %s INTO %s SELECT ", replace ? "REPLACE" : "FAIL",
				    table_cols);
	for (int i = 0; i < ncols; i++)
		k += (size_t)snprintf(sql + k, sizeof(sql) - k, "%sc%d", i ? "," : "", i);
	snprintf(sql + k, sizeof(sql) - k, " FROM %s", name);
	bool module = false;
	if (k >= sizeof(sql) - 64 || !(module = sqlite3_create_module(h, name, &rows_module, b) == SQLITE_OK) ||
	    sqlite3_prepare_v2(h, sql, -1, &b->insert, NULL) != SQLITE_OK) {
		int nomem = (sqlite3_errcode(h) & 0xff) == SQLITE_NOMEM;
		if (module) /* it would point at the freed batch */
			sqlite3_create_module(h, name, NULL, NULL);
		rowbatch_free(b);
		return nomem ? -ENOMEM : -EIO;
	}
	*out = b;
	return 0;
}

int rowbatch_flush(struct rowbatch *b)
{
	if (b->n == 0)
		return 0;
	int rc = sqlite3_step(b->insert);
	sqlite3_reset(b->insert);
	b->n = 0;
	b->tlen = 0;
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int64_t rowbatch_real(double x)
{
	int64_t v;
	memcpy(&v, &x, sizeof(v));
	return v;
}

int64_t rowbatch_text(struct rowbatch *b, const char *s, size_t len)
{
	if (len > 0x7fffffffu || b->tlen + len > 0x7fffffffu)
		return -1;
	if (b->tlen + len > b->tcap) {
		size_t cap = b->tcap ? 2 * b->tcap : 64 * 1024;
		while (cap < b->tlen + len)
			cap *= 2;
		char *t = sqlite3_realloc64(b->text, cap);
		if (!t)
			return -1;
		b->text = t;
		b->tcap = cap;
	}
	memcpy(b->text + b->tlen, s, len);
	int64_t v = (int64_t)((uint64_t)b->tlen << 32 | len);
	b->tlen += len;
	return v;
}

int rowbatch_add(struct rowbatch *b, const int64_t *vals, unsigned nulls)
{
	memcpy(&b->v[b->n * b->ncols], vals, (size_t)b->ncols * sizeof(*vals));
	b->nulls[b->n] = (unsigned char)nulls;
	return ++b->n == ROWBATCH_ROWS ? rowbatch_flush(b) : 0;
}

void rowbatch_free(struct rowbatch *b)
{
	if (b) {
		sqlite3_finalize(b->insert);
		sqlite3_free(b->text);
		sqlite3_free(b);
	}
}
