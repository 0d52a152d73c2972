/*
 * branch_stacks.c: keeps blocks live from stacks that share callers and
 * part at many depths, recurse (the same return address dozens of times in
 * a row), and where one stack is the outer part of another (the same call
 * through a function pointer reaches malloc directly or through my_alloc).
 * For each block it prints "SIZE FUNCTION..." : its size and the functions
 * of its stack from the call site outwards up to main, as the program
 * knows them, for the test to compare with the snapshot's v_stack_frames.
 * Built with PROG_CFLAGS (-fno-inline, frame pointers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *keep[1024];
static int nkeep;
static size_t next_size = 1000; /* block sizes: 1000, 1008, ... below 2000 */

static void *my_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return p;
}

/* one call instruction for both: the stacks through malloc directly end
 * where the ones through my_alloc go on */
static void *(*volatile alloc_fns[2])(size_t) = {malloc, my_alloc};
static int use_wrapper;

static void leaf(void)
{
	keep[nkeep++] = alloc_fns[use_wrapper](next_size);
	__asm__ volatile("" ::: "memory");
}

static void step_a(const char *p);
static void step_b(const char *p);
static void step_c(const char *p);
static void step_r(const char *p);

/* the next step of the path, from a call of its own per step letter */
#define DISPATCH(p)                        \
	do {                               \
		switch (*(p)) {            \
		case 'a': step_a((p) + 1); break; \
		case 'b': step_b((p) + 1); break; \
		case 'c': step_c((p) + 1); break; \
		case 'r': step_r((p) + 1); break; \
		default: leaf(); break;    \
		}                          \
		__asm__ volatile("" ::: "memory"); \
	} while (0)

/* each leaves its mark, so that no two have the same code (identical
 * functions may be folded into one) */
static volatile char mark;
static void step_a(const char *p) { mark = 'a'; DISPATCH(p); }
static void step_b(const char *p) { mark = 'b'; DISPATCH(p); }
static void step_c(const char *p) { mark = 'c'; DISPATCH(p); }
static void step_r(const char *p) { mark = 'r'; DISPATCH(p); }

static void walk(const char *path, int wrapper)
{
	use_wrapper = wrapper;
	DISPATCH(path);
	printf("%zu%s leaf", next_size, wrapper ? " my_alloc" : "");
	for (size_t i = strlen(path); i-- > 0;)
		printf(" step_%c", path[i]);
	printf(" walk main\n");
	next_size += 8;
}

/* the walks to make: all from one call in main, so that stacks part only
 * where their paths do */
static char paths[128][64];
static int wrappers[128];
static volatile int nwalks;

static void add(const char *path, int wrapper)
{
	strcpy(paths[nwalks], path);
	wrappers[nwalks] = wrapper;
	nwalks++;
}

int main(void)
{
	static const char *const fixed[] = {
		"", "a", "ab", "abc", "abca", "abcab", "b", "ba", "bb", "bc", "cab", "cba", "ca",
	};
	char path[64];
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		for (int w = 0; w < 2; w++)
			add(fixed[i], w);
	/* recursion 0..42 deep, parting with a, b or bc at each depth */
	for (int d = 0; d <= 42; d += 3) {
		memset(path, 'r', (size_t)d);
		strcpy(path + d, d % 2 ? "a" : "bc");
		add(path, d % 4 == 0);
		strcpy(path + d, "b");
		add(path, 0);
		path[d] = '\0';
		add(path, 1);
	}
	/* 40 deep with no other stack beside it: one long run */
	path[0] = 'c';
	memset(path + 1, 'r', 40);
	path[41] = '\0';
	add(path, 0);
	add(path, 1);
	/* the same stack twice: two blocks, one stack */
	add("abab", 0);
	add("abab", 0);
	for (int i = 0; i < nwalks; i++)
		walk(paths[i], wrappers[i]);
	fflush(stdout);
	return nkeep > 0 ? 0 : 1;
}
