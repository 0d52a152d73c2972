/*
 * torture_longjmp.c: siglongjmp out of a signal handler that interrupted
 * malloc-heavy code, over and over.
 *   torture_longjmp JUMPS
 * A ticker thread sends SIGALRM to the main thread every 20 us while it
 * churns malloc/calloc/realloc/free. The handler jumps back to the loop's
 * sigsetjmp only when the interrupted instruction is in the program's own
 * code or in libheapsnap.so (the hooks, the sampled path, the tracker's
 * locks): jumping out of the C library's allocator would corrupt glibc's
 * heap, with or without the tracker; nor out of the tracker's SIGUSR2
 * handler, which may have interrupted glibc. Elsewhere it returns and waits for the
 * next tick. A jump may abandon the block being allocated or freed: the
 * program says on stderr how many jumps it made ("torture: abandoned N",
 * the bound on blocks lost) and how many interrupted libheapsnap.so
 * ("torture: unrecorded N", the bound on blocks the totals count but the
 * live table lacks, or frees counted twice).
 * Then, on the same thread: keep_after_jumps keeps 10 blocks of 1000 bytes
 * until exit and clean_churn allocates and frees 1000, which the exit
 * snapshot must show exactly (the thread is still tracked after the jumps).
 * Prints "torture: JUMPS longjmps, 0 deadlocks".
 */
#define _GNU_SOURCE
#include "torture.h"

#include <link.h>
#include <setjmp.h>
#include <string.h>
#include <ucontext.h>

#define RING 64

static sigjmp_buf env;
static volatile sig_atomic_t armed;
static volatile unsigned long jumps, deferred, in_tracker;
static volatile int ticking = 1;
static pthread_t main_thread;
static void *volatile ring[RING];
static void *kept[10];

struct range {
	uintptr_t lo, hi;
	int tracker;
};
static struct range ranges[16];
static int nranges;

static int add_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	int exe = info->dlpi_name[0] == '\0';
	int tracker = strstr(info->dlpi_name, "libheapsnap") != NULL;
	if (!exe && !tracker)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && nranges < 16; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			ranges[nranges].lo = info->dlpi_addr + ph->p_vaddr;
			ranges[nranges].hi = ranges[nranges].lo + ph->p_memsz;
			ranges[nranges].tracker = tracker;
			nranges++;
		}
	}
	return 0;
}

static void on_alarm(int sig, siginfo_t *si, void *uc_)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = uc_;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	/* interrupted inside the snapshot signal's handler (SIGUSR2 is blocked
	 * while it runs): jumping out of it would also leave whatever that
	 * handler interrupted, glibc's allocator included */
	if (!armed || sigismember(&uc->uc_sigmask, SIGUSR2))
		return;
	for (int i = 0; i < nranges; i++) {
		if (pc >= ranges[i].lo && pc < ranges[i].hi) {
			if (ranges[i].tracker)
				in_tracker++;
			armed = 0;
			siglongjmp(env, 1);
		}
	}
	deferred++;
}

static void *ticker(void *arg)
{
	(void)arg;
	while (ticking) {
		pthread_kill(main_thread, SIGALRM);
		torture_sleep_us(20);
	}
	return NULL;
}

/* Blocks in flight when a jump lands are abandoned (never freed). */
static void abandon_churn(uint32_t *seed)
{
	for (;;) {
		unsigned i = torture_rand(seed) % RING;
		size_t sz = 8 + torture_rand(seed) % 2048;
		void *p = ring[i];
		ring[i] = NULL;
		switch (torture_rand(seed) % 4) {
		case 0:
			free(p);
			ring[i] = malloc(sz);
			break;
		case 1:
			free(p);
			ring[i] = calloc(1, sz);
			break;
		case 2:
			ring[i] = realloc(p, sz);
			break;
		default:
			free(p);
			break;
		}
	}
}

static void keep_after_jumps(void)
{
	for (int i = 0; i < 10; i++)
		kept[i] = malloc(1000);
}

static void clean_churn(void)
{
	for (int i = 0; i < 1000; i++) {
		ring[i % RING] = malloc(100 + (size_t)i);
		free(ring[i % RING]);
		ring[i % RING] = NULL;
	}
}

int main(int argc, char **argv)
{
	unsigned long want = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	dl_iterate_phdr(add_ranges, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	main_thread = pthread_self();
	snapshot_storm_start(2000);
	pthread_t tick;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&tick, NULL, ticker, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	uint32_t seed = 12345;
	if (sigsetjmp(env, 1))
		jumps++;
	if (jumps < want) {
		armed = 1;
		abandon_churn(&seed);
	}
	armed = 0;
	ticking = 0;
	pthread_join(tick, NULL);
	snapshot_storm_stop();
	for (int i = 0; i < RING; i++) {
		free(ring[i]);
		ring[i] = NULL;
	}
	keep_after_jumps();
	clean_churn();
	note("torture: %lu jumps out of libheapsnap.so, %lu ticks deferred\n", in_tracker, deferred);
	/* each jump may lose the block in flight; one out of the tracker may
	 * also leave it counted but unrecorded, or its free counted twice */
	note("torture: abandoned %lu\n", jumps);
	note("torture: unrecorded %lu\n", in_tracker);
	say("torture: %lu longjmps, 0 deadlocks\n", jumps);
	return kept[0] == NULL;
}
