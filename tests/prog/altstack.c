/*
 * altstack.c: samples taken inside a signal handler that runs on a
 * sigaltstack (mmap'ed, with PROT_NONE guard pages on both sides), while
 * the interrupted code left garbage in rbp: addresses in the guard pages,
 * in unmapped memory between the alternate stack and the thread's stack,
 * and ordinary garbage. The signal is raised by a bare tgkill syscall made
 * with that rbp, so the handler's frame chain leads straight to it. Under
 * unwinder=fp the walker must never read unmapped memory. The handler
 * mallocs (sampled with sample=1) and frees; one block per signal is kept
 * (keep_in_handler) to check attribution.
 * Prints "altstack: N signals handled".
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)
#define PAGE 4096

static volatile int handled;
static void *keep[64];

static void keep_in_handler(void)
{
	if (handled < 64)
		keep[handled] = malloc(48);
	free(malloc(100));
}

static void on_usr1(int sig)
{
	(void)sig;
	keep_in_handler();
	handled++;
}

/* tgkill(pid, tid, sig) with rbp = garbage for the duration of the call. */
long tgkill_bad_rbp(long pid, long tid, long sig, uintptr_t rbp);
__asm__(".text\n"
	".globl tgkill_bad_rbp\n"
	".type tgkill_bad_rbp, @function\n"
	"tgkill_bad_rbp:\n"
	"	push %rbp\n"
	"	mov %rcx, %rbp\n"
	"	mov $234, %eax\n" /* SYS_tgkill */
	"	syscall\n"
	"	pop %rbp\n"
	"	ret\n"
	".size tgkill_bad_rbp, .-tgkill_bad_rbp\n");

int main(void)
{
	char *region = mmap(NULL, ALT_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 2;
	/* guard | stack | guard */
	if (mprotect(region, PAGE, PROT_NONE) || mprotect(region + PAGE + ALT_SIZE, PAGE, PROT_NONE))
		return 2;
	/* a hole: unmapped memory just above the upper guard page */
	char *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED || munmap(hole, PAGE))
		return 2;
	stack_t ss = {.ss_sp = region + PAGE, .ss_size = ALT_SIZE};
	if (sigaltstack(&ss, NULL))
		return 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 2;
	volatile uintptr_t here = 0;
	uintptr_t sp = (uintptr_t)&here;
	const uintptr_t values[] = {
		(uintptr_t)(region + PAGE + ALT_SIZE),            /* upper guard */
		(uintptr_t)(region + PAGE + ALT_SIZE + PAGE - 16), /* its end */
		(uintptr_t)region,                                 /* lower guard */
		(uintptr_t)hole,                                   /* unmapped */
		(uintptr_t)(region + PAGE + ALT_SIZE - 16),        /* top of the alt stack */
		sp - 4096, sp + 8, 0, 8, (uintptr_t)-16,
	};
	size_t n = sizeof(values) / sizeof(values[0]);
	long pid = getpid(), tid = syscall(SYS_gettid);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			tgkill_bad_rbp(pid, tid, SIGUSR1, values[i]);
	printf("altstack: %d signals handled\n", handled);
	return handled == (int)(4 * n) ? 0 : 1;
}
