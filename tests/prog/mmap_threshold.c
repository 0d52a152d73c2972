/*
 * mmap_threshold.c: prints what glibc's dynamic mmap threshold decides, to
 * be compared with and without the preload. A block of 1,000,000 bytes is
 * mmapped under glibc's start-up threshold (128 KiB) unless something freed
 * a larger mmapped block first, which raises the threshold; and freeing
 * 1 MB + 4 MB of heap blocks returns them to the system unless they came
 * from the brk heap.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static int mmapped(const void *p)
{
	return (((const size_t *)p)[-1] & 2) != 0;
}

int main(void)
{
	void *a = malloc(1000000);
	void *b = malloc(4000000);
	printf("1000000: mmapped %d\n4000000: mmapped %d\n", mmapped(a), mmapped(b));
	struct mallinfo2 before = mallinfo2();
	free(a);
	free(b);
	struct mallinfo2 after = mallinfo2();
	printf("mmapped blocks %zu -> %zu\n", before.hblks, after.hblks);
	void *c = malloc(1000000);
	printf("1000000 again: mmapped %d\n", mmapped(c));
	free(c);
	return 0;
}
