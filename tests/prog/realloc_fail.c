/*
 * realloc_fail.c: reallocs that fail and keep the old block.
 * keep_after_failed_realloc: 20 x malloc(100), each followed by a realloc
 * to a size no allocator can give (NULL, errno ENOMEM, the block stays);
 * every block is kept. Then grow_ok: one realloc that succeeds (the old
 * block is released, the new one kept). Exits 0 when every result was as
 * expected, 1 otherwise.
 * Used by tests/integration/realloc-failure-keeps-the-old-block-live.sh.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *keep[21];

static int keep_after_failed_realloc(void)
{
	int bad = 0;
	for (int i = 0; i < 20; i++) {
		keep[i] = malloc(100);
		errno = 0;
		void *q = realloc(keep[i], SIZE_MAX / 2);
		if (q || errno != ENOMEM || !keep[i])
			bad = 1;
	}
	return bad;
}

static int grow_ok(void)
{
	void *p = malloc(10);
	keep[20] = realloc(p, 1000);
	return keep[20] == NULL;
}

int main(void)
{
	int bad = keep_after_failed_realloc();
	bad |= grow_ok();
	return bad;
}
