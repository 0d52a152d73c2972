// cfi_stacks.cc: stacks of every shape the cfi unwinder must walk as
// libunwind does (tests/integration/cfi-unwinder-matches-libunwind.sh):
// deep recursion, several call chains (one with a large frame), threads, a
// C++ exception thrown and caught between allocations, allocations from a
// signal handler, and two plugins loaded in turn (argv[1] dlopen'ed, used,
// dlclose'd; then argv[2]), their blocks kept live.
// Built -O2 (no frame pointers: rsp-based CFAs); the plugins differ in
// their frames (see cfi_plugin.c).
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdexcept>
#include <stdio.h>
#include <stdlib.h>

#define KEEP_MAX 100000
static void *keep[KEEP_MAX];
static int nkeep;
static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;

static void hold(void *p)
{
	pthread_mutex_lock(&keep_lock);
	if (nkeep < KEEP_MAX)
		keep[nkeep++] = p;
	pthread_mutex_unlock(&keep_lock);
}

extern "C" __attribute__((noinline)) void *leaf_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

extern "C" __attribute__((noinline)) void *recurse(int depth, size_t n)
{
	if (depth == 0)
		return leaf_alloc(n);
	void *p = recurse(depth - 1, n + 1);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call */
	return p;
}

extern "C" __attribute__((noinline)) void *chain_c(size_t n)
{
	volatile char big[20000]; /* a large frame */
	big[n % sizeof(big)] = 1;
	void *p = leaf_alloc(n + big[0]);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

extern "C" __attribute__((noinline)) void *chain_b(size_t n)
{
	void *p = n & 1 ? chain_c(n) : leaf_alloc(n);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

extern "C" __attribute__((noinline)) void *chain_a(size_t n)
{
	void *p = chain_b(n + 1);
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

extern "C" __attribute__((noinline)) void thrower(int i)
{
	hold(leaf_alloc(40 + i));
	throw std::runtime_error("thrown between allocations");
}

extern "C" __attribute__((noinline)) void catcher(int i)
{
	hold(leaf_alloc(24));
	try {
		thrower(i);
	} catch (const std::exception &) {
		hold(leaf_alloc(48));
	}
	hold(leaf_alloc(56));
}

static volatile sig_atomic_t in_handler;

extern "C" void on_signal(int sig)
{
	(void)sig;
	in_handler = 1;
	hold(leaf_alloc(72)); /* the program owns every lock it takes here */
	in_handler = 0;
}

extern "C" __attribute__((noinline)) void workload(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		hold(recurse(100 + i % 5, 16));
		hold(chain_a((size_t)i));
		hold(chain_b((size_t)i));
		if (i % 50 == 0)
			catcher(i);
	}
}

static void *thread_main(void *arg)
{
	workload((int)(long)arg);
	return NULL;
}

static void use_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "cfi_stacks: dlopen %s: %s\n", path, dlerror());
		exit(2);
	}
	void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "plugin_alloc");
	if (!alloc) {
		fprintf(stderr, "cfi_stacks: %s has no plugin_alloc\n", path);
		exit(2);
	}
	for (int i = 0; i < 200; i++)
		hold(alloc((size_t)i + 8));
	dlclose(h);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cfi_stacks PLUGIN_A PLUGIN_B\n");
		return 2;
	}
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	workload(400);
	for (int i = 0; i < 10; i++)
		raise(SIGUSR1);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(200 + i)) != 0)
			return 3;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	use_plugin(argv[1]); /* dlclose'd */
	void *h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL); /* likely where the first was */
	if (!h)
		return 4;
	void *(*alloc)(size_t) = (void *(*)(size_t))dlsym(h, "plugin_alloc");
	for (int i = 0; alloc && i < 200; i++)
		hold(alloc((size_t)i + 8));
	printf("kept %d blocks\n", nkeep);
	return 0;
}
