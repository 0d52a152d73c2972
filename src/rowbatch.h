/*
 * rowbatch.h: bulk inserts of integer rows into one table of a snapshot.
 *
 * Owns the buffered rows of one big table (the call-site trie, stacks,
 * sites, allocations) and the statement that moves them into SQLite. Rows are buffered
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
#include <stdint.h>

#define ROWBATCH_COLS_MAX 8

struct rowbatch;

/* A batch for `table(cols)`, ncols columns (<= ROWBATCH_COLS_MAX), integers
 * except those whose bit is set in reals (doubles), on h; name: the virtual
 * table's name, unique on h; replace: INSERT OR REPLACE (else OR FAIL).
 * Returns 0, -ENOMEM or -EIO; on failure *out is NULL. */
int rowbatch_new(sqlite3 *h, const char *name, const char *table_cols, int ncols, unsigned reals, bool replace,
		 struct rowbatch **out);

/* One row: vals[ncols]; a column i with bit i of nulls set is NULL; a real
 * column's value is rowbatch_real(x). Inserts the buffer when it is full.
 * Returns 0 or -EIO. */
int64_t rowbatch_real(double x);
int rowbatch_add(struct rowbatch *b, const int64_t *vals, unsigned nulls);

/* Inserts the rows buffered. Returns 0 or -EIO. */
int rowbatch_flush(struct rowbatch *b);

/* Finalizes the statement and frees b (NULL: nothing). */
void rowbatch_free(struct rowbatch *b);

#endif
