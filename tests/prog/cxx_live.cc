/*
 * cxx_live.cc: a C++ program whose stacks run through libstdc++ (operator
 * new, std::vector, std::string). keep_objects keeps 1000 objects of 48
 * bytes live, keep_vector one std::vector<int> of 1000 elements (its object
 * and its buffer), keep_strings 100 std::string of 100 characters (object
 * and buffer each): 1202 blocks. It prints "ready", then waits until the file
 * named by argv[1] exists (at most about 60 s, else exits 3) and exits 0.
 * Used by tests/integration/no-debuginfod-in-host.sh.
 */
#include <cstdio>
#include <string>
#include <time.h>
#include <unistd.h>
#include <vector>

struct obj48 {
	char bytes[48];
};

static obj48 *keep[1000];
static std::vector<int> *volatile vkeep;
static std::string *skeep[100];

static void keep_objects()
{
	for (auto &p : keep)
		p = new obj48();
}

static void keep_vector() { vkeep = new std::vector<int>(1000, 7); }

static void keep_strings()
{
	for (auto &s : skeep)
		s = new std::string(100, 'x');
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: cxx_live STOPFILE\n");
		return 2;
	}
	keep_objects();
	keep_vector();
	keep_strings();
	std::printf("ready\n");
	std::fflush(stdout);
	for (int i = 0; access(argv[1], F_OK) != 0; i++) {
		if (i == 6000)
			return 3;
		struct timespec tick = {0, 10 * 1000 * 1000};
		nanosleep(&tick, nullptr);
	}
	return keep[0] == keep[1]; /* 0 */
}
