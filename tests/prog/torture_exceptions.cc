/*
 * torture_exceptions.cc: C++ exceptions thrown through deep stacks while
 * allocations are sampled.
 *   torture_exceptions THROWS
 * 3 threads each throw THROWS exceptions from 60 frames down (descend()
 * recursion; every frame holds a std::string and a heap-owning guard object
 * whose destructor allocates and frees during unwinding); every 4th throw
 * is caught half-way, rethrown as a new exception with a longer heap
 * message. Exception objects come from malloc (__cxa_allocate_exception).
 * keep_tail keeps 5 blocks of 64 bytes until exit; everything else is freed.
 * Prints "torture: N exceptions through 60 frames, 0 deadlocks".
 */
#include "torture.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#define DEPTH 60
#define THREADS 3

static void *volatile kept[5];
static volatile int sink;

struct guard {
	char *p;
	explicit guard(size_t n) : p(static_cast<char *>(malloc(n))) { memset(p, 1, n); }
	~guard()
	{
		/* allocation while the exception unwinds through this frame */
		char *q = static_cast<char *>(malloc(48));
		q[0] = p[0];
		sink += q[0];
		free(q);
		free(p);
	}
	guard(const guard &) = delete;
	guard &operator=(const guard &) = delete;
};

struct deep_error : std::runtime_error {
	explicit deep_error(const std::string &m) : std::runtime_error(m) {}
};

__attribute__((noinline)) static int descend(int level, int n)
{
	std::string s(40 + level, 'x');
	guard g(16 + (size_t)level * 8);
	if (level == DEPTH)
		throw deep_error("bottom of " + s + " at throw " + std::to_string(n));
	if (level == DEPTH / 2 && n % 4 == 0) {
		try {
			return descend(level + 1, n) + (int)s.size();
		} catch (const deep_error &e) {
			throw std::runtime_error(std::string("rethrown: ") + e.what() + s);
		}
	}
	return descend(level + 1, n) + (int)s.size() + g.p[0];
}

static void *thrower(void *arg)
{
	long throws = (long)(intptr_t)arg;
	long caught = 0;
	for (long n = 0; n < throws; n++) {
		try {
			sink += descend(0, (int)n);
		} catch (const std::exception &e) {
			std::vector<char> copy(e.what(), e.what() + strlen(e.what()));
			caught += copy.size() > 0;
		}
	}
	return (void *)(intptr_t)caught;
}

static void keep_tail(void)
{
	for (int i = 0; i < 5; i++)
		kept[i] = malloc(64);
}

int main(int argc, char **argv)
{
	long throws = argc > 1 ? atol(argv[1]) : 1000;
	snapshot_storm_start(3000);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, thrower, (void *)(intptr_t)throws);
	long caught = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		caught += (long)(intptr_t)r;
	}
	snapshot_storm_stop();
	keep_tail();
	say("torture: %ld exceptions through %d frames, 0 deadlocks\n", caught, DEPTH);
	return caught == throws * THREADS ? 0 : 1;
}
