/* two_names.c: keeps 100 blocks of 1000 bytes allocated by the assembler
 * function of two_names_asm.S (two names at one address), then exits:
 * its exit snapshot names that call site, and the tools must name it as
 * the host did (tests/integration/tools-name-functions-as-the-host.sh). */
#include <stdio.h>
#include <string.h>

void *call_keep(size_t n);

int main(void)
{
	static void *kept[100];
	for (int i = 0; i < 100; i++) {
		kept[i] = call_keep(1000);
		if (!kept[i])
			return 1;
		memset(kept[i], i, 1000);
	}
	printf("kept 100\n");
	return 0;
}
