/*
 * rowbatch.h: bulk inserts of rows (integers, doubles, texts) into one
 * table of a snapshot.
 *
 * Owns the buffered rows of one big table (the call-site trie, stacks,
 * sites, allocations), the text their text columns hold until the rows are
 * inserted, and the statement that moves them into SQLite. Rows are buffered
 * ROWBATCH_ROWS at a time and inserted by one INSERT ... SELECT from an
 * eponymous virtual table that reads the buffer: no parameter is bound per
 * value and one statement step inserts the whole buffer.
 * Context: writer thread (snapfile.c), with the connection it was prepared
 * on. Invariants: (1) memory from SQLite's allocator, which is the tracker
 * arena (snapfile_init), freed by rowbatch_free; (2) rows reach the table in
 * the order they were added; (3) the virtual table lives on the connection
 * only: nothing of it is written into the file's schema.
 */
#ifndef HEAPSNAP_ROWBATCH_H
#define HEAPSNAP_ROWBATCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROWBATCH_COLS_MAX 8

struct rowbatch;

/* A batch for `table(cols)`, ncols columns (<= ROWBATCH_COLS_MAX), integers
 * except those whose bit is set in reals (doubles) or in texts (text), on
 * h; name: the virtual table's name, unique on h; replace: INSERT OR REPLACE
 * (else OR FAIL). Returns 0, -ENOMEM or -EIO; on failure *out is NULL. */
int rowbatch_new(sqlite3 *h, const char *name, const char *table_cols, int ncols, unsigned reals,
		 unsigned texts, bool replace, struct rowbatch **out);

/* One row: vals[ncols]; a column i with bit i of nulls set is NULL; a real
 * column's value is rowbatch_real(x), a text column's rowbatch_text(b, ...),
 * made for this row (the handle is good until b's next rowbatch_add).
 * Inserts the buffer when it is full. Returns 0 or -EIO. */
int64_t rowbatch_real(double x);
int rowbatch_add(struct rowbatch *b, const int64_t *vals, unsigned nulls);

/* Copies len bytes of s (UTF-8, no NUL needed) into b's text buffer, for a
 * text column of the next row added; returns the value to give that column,
 * or -1 when the buffer cannot grow (-ENOMEM for the caller). */
int64_t rowbatch_text(struct rowbatch *b, const char *s, size_t len);

/* Inserts the rows buffered. Returns 0 or -EIO. */
int rowbatch_flush(struct rowbatch *b);

/* Finalizes the statement and frees b (NULL: nothing). */
void rowbatch_free(struct rowbatch *b);

#endif
