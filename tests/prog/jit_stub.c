/*
 * jit_stub.c: JIT code that allocates. Maps executable anonymous memory
 * (right after the executable's own image when that address is free, where
 * a symbolizer that trusts the nearest module's symbols goes wrong), copies
 * into it a stub that calls the function in %rdi with the argument in %rsi
 * (malloc, 4096) with a frame pointer, and calls it 8 times, keeping the
 * blocks. With argv[1] = "map" it first writes /tmp/perf-PID.map naming the
 * stub "jit_stub_alloc" (perf map convention: START SIZE NAME, hex). Prints
 * "START END" of the stub (hex) and exits 0 (the exit snapshot is written).
 * Used by tests/integration/jit-frames-named-by-perf-map.sh.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

extern char _end[];

static const unsigned char stub_code[] = {
	0x55,             /* push %rbp */
	0x48, 0x89, 0xe5, /* mov %rsp,%rbp */
	0x48, 0x89, 0xf8, /* mov %rdi,%rax */
	0x48, 0x89, 0xf7, /* mov %rsi,%rdi */
	0xff, 0xd0,       /* call *%rax */
	0x5d,             /* pop %rbp */
	0xc3,             /* ret */
};

typedef void *(*stub_fn)(void *(*)(size_t), size_t);

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t hint = ((uintptr_t)_end + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	void *mem = mmap((void *)hint, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (mem == MAP_FAILED)
		mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memcpy(mem, stub_code, sizeof(stub_code));
	if (mprotect(mem, (size_t)page, PROT_READ | PROT_EXEC) != 0) {
		perror("mprotect");
		return 2;
	}
	uintptr_t start = (uintptr_t)mem, end = start + sizeof(stub_code);
	if (argc > 1 && strcmp(argv[1], "map") == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			return 2;
		}
		fprintf(f, "%lx %lx jit_stub_alloc\n", (unsigned long)start, (unsigned long)sizeof(stub_code));
		fclose(f);
	}
	stub_fn stub;
	memcpy(&stub, &mem, sizeof(stub));
	static void *keep[8];
	for (int i = 0; i < 8; i++)
		keep[i] = stub(malloc, 4096);
	printf("%lx %lx\n", (unsigned long)start, (unsigned long)end);
	fflush(stdout);
	return keep[7] ? 0 : 3;
}
