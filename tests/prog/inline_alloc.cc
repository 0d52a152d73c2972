/*
 * inline_alloc.cc: a C++ program built -O2 -g whose allocations sit at the
 * bottom of a forced inline chain main -> fill_table -> store::make_entry
 * (both always_inline, so the traced process sees main only): it keeps
 * 200 entries of 64 bytes from operator new and 200 buffers of 100 bytes
 * from malloc live, prints "kept 400" and exits. "@name" comments mark the
 * lines the tests expect. Used by tests/integration/symbolize-*.sh.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct entry {
	char bytes[64];
};

static entry *volatile keep[200];
static char *volatile bufs[200];

namespace store {

__attribute__((always_inline)) static inline entry *make_entry(int i)
{
	entry *e = new entry; /* @make-entry-new */
	memset(e->bytes, i, sizeof(e->bytes));
	return e;
}

__attribute__((always_inline)) static inline char *make_buffer(int i)
{
	char *b = static_cast<char *>(malloc(100)); /* @make-buffer-malloc */
	if (b)
		memset(b, i, 100);
	return b;
}

} // namespace store

__attribute__((always_inline)) static inline void fill_table(int n)
{
	for (int i = 0; i < n; i++) {
		keep[i] = store::make_entry(i); /* @fill-calls-make-entry */
		bufs[i] = store::make_buffer(i); /* @fill-calls-make-buffer */
	}
}

int main(int argc, char **)
{
	fill_table(argc > 0 ? 200 : 0); /* @main-calls-fill */
	printf("kept %d\n", 2 * 200);
	return 0;
}
