/*
 * torture_queues.c: 16 threads allocating on one thread and freeing on
 * another (producer/consumer queues) under a storm of signals from another
 * process.
 *   torture_queues MESSAGES
 * 8 producers each malloc MESSAGES messages of varying sizes, fill them and
 * push them on their queue (mutex + condition variable); 8 consumers pop,
 * check and free them. A forked child process sends SIGUSR1 to the program
 * in a tight loop, and SIGUSR2 (the snapshot signal) too when
 * TORTURE_SNAPSHOT_SIGNAL is set, until the program stops it. SIGUSR1's
 * handler allocates and frees; only two idle threads take it (every other
 * thread blocks it: a handler that allocates must not interrupt an
 * allocator call). keep_messages keeps 16 blocks of 128 bytes.
 * Prints "torture: 16 threads, N messages across threads, 0 deadlocks".
 */
#include "torture.h"

#include <string.h>
#include <sys/wait.h>

#define PAIRS 8
#define QLEN 256

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	unsigned char *slot[QLEN];
	unsigned head, tail;
};

static struct queue queues[PAIRS];
static long messages;
static volatile long handled;
static volatile int idle_stop;
static void *volatile kept[16];

static void on_usr1(int sig)
{
	(void)sig;
	int saved = errno;
	void *a = malloc(48);
	void *b = calloc(2, 200);
	free(a);
	free(realloc(b, 1000));
	handled++;
	errno = saved;
}

static void *producer(void *arg)
{
	struct queue *q = arg;
	uint32_t seed = (uint32_t)(q - queues) + 1;
	for (long n = 0; n < messages; n++) {
		size_t sz = 8 + torture_rand(&seed) % 2000;
		unsigned char *m = malloc(sz);
		memset(m, (int)(sz & 0xff), sz);
		m[0] = (unsigned char)(sz & 0xff);
		m[sz - 1] = (unsigned char)(sz & 0xff);
		pthread_mutex_lock(&q->lock);
		while (q->tail - q->head == QLEN)
			pthread_cond_wait(&q->nonfull, &q->lock);
		q->slot[q->tail++ % QLEN] = m;
		pthread_cond_signal(&q->nonempty);
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct queue *q = arg;
	long bad = 0;
	for (long n = 0; n < messages; n++) {
		pthread_mutex_lock(&q->lock);
		while (q->tail == q->head)
			pthread_cond_wait(&q->nonempty, &q->lock);
		unsigned char *m = q->slot[q->head++ % QLEN];
		pthread_cond_signal(&q->nonfull);
		pthread_mutex_unlock(&q->lock);
		bad += m[0] != m[1];
		free(m);
	}
	return (void *)(intptr_t)bad;
}

static void *idle(void *arg)
{
	(void)arg;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	while (!idle_stop)
		torture_sleep_us(2000);
	return NULL;
}

static volatile sig_atomic_t signaller_stop;
static void on_term(int sig)
{
	(void)sig;
	signaller_stop = 1;
}

/* the child: signals its parent in a tight loop until SIGTERM */
static int signaller(pid_t parent, int snapshots)
{
	unsigned long sent = 0;
	signal(SIGTERM, on_term);
	while (!signaller_stop) {
		if (kill(parent, SIGUSR1) != 0)
			break;
		if (snapshots && sent % 8 == 0)
			kill(parent, SIGUSR2);
		sent++;
		torture_sleep_us(50);
	}
	note("torture: signaller sent %lu SIGUSR1%s\n", sent, snapshots ? " (and every 8th a SIGUSR2)" : "");
	_exit(0);
}

static void keep_messages(void)
{
	for (int i = 0; i < 16; i++)
		kept[i] = malloc(128);
}

int main(int argc, char **argv)
{
	messages = argc > 1 ? atol(argv[1]) : 20000;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	/* every thread but the idle ones blocks SIGUSR1 (inherited mask) */
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0)
		return signaller(parent, getenv("TORTURE_SNAPSHOT_SIGNAL") != NULL);
	pthread_t idles[2], prod[PAIRS], cons[PAIRS];
	for (int i = 0; i < 2; i++)
		pthread_create(&idles[i], NULL, idle, NULL);
	for (int i = 0; i < PAIRS; i++) {
		pthread_mutex_init(&queues[i].lock, NULL);
		pthread_cond_init(&queues[i].nonempty, NULL);
		pthread_cond_init(&queues[i].nonfull, NULL);
		pthread_create(&cons[i], NULL, consumer, &queues[i]);
		pthread_create(&prod[i], NULL, producer, &queues[i]);
	}
	long bad = 0;
	for (int i = 0; i < PAIRS; i++) {
		void *r;
		pthread_join(prod[i], NULL);
		pthread_join(cons[i], &r);
		bad += (long)(intptr_t)r;
	}
	kill(child, SIGTERM);
	int status;
	waitpid(child, &status, 0);
	idle_stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(idles[i], NULL);
	keep_messages();
	note("torture: %ld SIGUSR1 handlers ran\n", handled);
	if (bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		say("torture_queues: %ld damaged messages, signaller status %d\n", bad, status);
		return 1;
	}
	say("torture: %d threads, %ld messages across threads, 0 deadlocks\n", 2 * PAIRS, messages * PAIRS);
	return 0;
}
