/*
 * many_labels.c: through the public header, first one allocation of 200
 * bytes under a label of 100 'x' bytes, then 300 more distinct labels, each
 * for one allocation of 100 bytes, and one of 300 bytes with no label
 * (after heapsnap_set_label(NULL)); all kept live. Prints "many_labels done" at the end.
 * Used by tests/integration/labels-capped-and-cut.sh.
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile keep[302];

int main(void)
{
	char name[32], longname[101];
	memset(longname, 'x', 100);
	longname[100] = '\0';
	heapsnap_set_label(longname);
	keep[300] = malloc(200);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "label-%03d", i);
		heapsnap_set_label(name);
		keep[i] = malloc(100);
	}
	heapsnap_set_label(NULL);
	keep[301] = malloc(300);
	printf("many_labels done\n");
	return 0;
}
