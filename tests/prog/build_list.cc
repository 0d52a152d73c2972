/*
 * build_list.cc: a C++ program built with g++ -O2 -g whose one leak site
 * is build_list(int) (mangled _Z10build_listi): it keeps N 64-byte nodes
 * (N = argv[1], default 1000). It uses nothing from libstdc++, so the
 * linker may leave libstdc++ out (--as-needed) and no __cxa_demangle is in
 * the process: demangling must not depend on it.
 * Used by tests/integration/cxx-names-demangled-without-libstdcxx.sh.
 */
#include <cstdlib>
#include <cstring>

struct node {
	node *next;
	char pad[56];
};

__attribute__((noinline)) node *build_list(int n)
{
	node *head = nullptr;
	for (int i = 0; i < n; i++) {
		node *x = static_cast<node *>(malloc(sizeof(node)));
		if (!x)
			abort();
		memset(x, 0, sizeof *x);
		x->next = head;
		head = x;
	}
	return head;
}

int main(int argc, char **argv)
{
	node *volatile keep = build_list(argc > 1 ? atoi(argv[1]) : 1000);
	(void)keep;
	return 0;
}
