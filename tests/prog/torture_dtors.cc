/*
 * torture_dtors.cc: allocation and free in TLS destructors (pthread key
 * destructors and C++ thread_local destructors), atexit handlers and signal
 * handlers.
 *   torture_dtors THREADS
 * THREADS short-lived threads, 4 at a time, each set two pthread keys (the
 * first key's destructor frees the value, allocates and frees, and on its
 * first round sets a new value, so the destructor runs a second round) and
 * touch a thread_local object whose destructor frees its blocks and
 * allocates and frees. A sender thread sends SIGUSR1 to a sleeping thread
 * whose handler allocates and frees (it never interrupts an allocator call:
 * that thread only sleeps). atexit handlers allocate and free, free a block
 * main allocated, and keep_in_atexit keeps one block of 200 bytes; keep_main
 * keeps 2 of 100. The main thread's thread_local destructor runs at exit
 * before the tracker's exit snapshot. Prints "torture: N threads, K key
 * destructor rounds, T thread_local destructors, S signal handlers".
 */
#include "torture.h"

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

static pthread_key_t key_a, key_b;
static std::atomic<long> key_rounds{0}, tl_dtors{0}, handled{0};
static void *volatile kept[3];
static void *volatile for_atexit;
static volatile int sink;

struct tl_state {
	std::vector<std::string> names;
	char *buf = nullptr;
	void touch()
	{
		if (!buf) {
			buf = static_cast<char *>(malloc(300));
			for (int i = 0; i < 8; i++)
				names.push_back(std::string(50 + i, 'n'));
		}
		buf[0]++;
	}
	~tl_state()
	{
		free(buf);
		char *p = static_cast<char *>(malloc(77));
		p[0] = 1;
		sink += p[0];
		free(p);
		if (buf)
			tl_dtors++;
	}
};
static thread_local tl_state tl;

struct key_value {
	int round;
	char *extra;
};

static void dtor_a(void *v)
{
	struct key_value *kv = static_cast<struct key_value *>(v);
	free(malloc(33));
	int round = kv->round;
	free(kv->extra);
	free(kv);
	key_rounds++;
	if (round == 0) {
		/* set again: the destructor runs a second round */
		struct key_value *again = static_cast<struct key_value *>(calloc(1, sizeof(*again)));
		again->round = 1;
		again->extra = static_cast<char *>(malloc(10));
		pthread_setspecific(key_a, again);
	}
}

static void dtor_b(void *v)
{
	char *s = static_cast<char *>(realloc(v, 500));
	free(s);
}

static void *short_thread(void *arg)
{
	(void)arg;
	struct key_value *kv = static_cast<struct key_value *>(calloc(1, sizeof(*kv)));
	kv->extra = static_cast<char *>(malloc(120));
	pthread_setspecific(key_a, kv);
	pthread_setspecific(key_b, strdup("key b value"));
	tl.touch();
	for (int i = 0; i < 50; i++)
		free(malloc(16 + (size_t)i * 16));
	return nullptr;
}

/* ---- signal handler that allocates ---- */

static pthread_t sleeper;
static std::atomic<int> sleeping{1};

static void on_usr1(int)
{
	int saved = errno;
	char *a = static_cast<char *>(malloc(64));
	char *b = static_cast<char *>(calloc(4, 32));
	a = static_cast<char *>(realloc(a, 256));
	a[0] = b[0];
	free(b);
	free(a);
	handled++;
	errno = saved;
}

static void *sleeper_main(void *)
{
	while (sleeping)
		torture_sleep_us(1000);
	return nullptr;
}

static void *sender_main(void *arg)
{
	long n = (long)(intptr_t)arg;
	for (long i = 0; i < n; i++) {
		long before = handled.load();
		pthread_kill(sleeper, SIGUSR1);
		while (handled.load() == before) /* one at a time: none coalesce */
			torture_sleep_us(20);
	}
	return nullptr;
}

/* ---- atexit handlers ---- */

static void keep_in_atexit(void) { kept[2] = malloc(200); }

static void atexit_churn(void)
{
	std::string s(1000, 'e');
	std::vector<int> v(500, 1);
	sink += (int)s.size() + v[0];
	free(for_atexit);
	for_atexit = nullptr;
}

static void keep_main(void)
{
	kept[0] = malloc(100);
	kept[1] = malloc(100);
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 200;
	pthread_key_create(&key_a, dtor_a);
	pthread_key_create(&key_b, dtor_b);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, nullptr);
	snapshot_storm_start(3000);
	/* the sleeper takes SIGUSR1; every other thread blocks it */
	pthread_create(&sleeper, nullptr, sleeper_main, nullptr);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
	pthread_t sender;
	const long signals = 3000;
	pthread_create(&sender, nullptr, sender_main, (void *)(intptr_t)signals);
	tl.touch();
	for (int done = 0; done < threads; done += 4) {
		pthread_t th[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&th[i], nullptr, short_thread, nullptr);
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], nullptr);
	}
	pthread_join(sender, nullptr);
	sleeping = 0;
	pthread_join(sleeper, nullptr);
	snapshot_storm_stop();
	for_atexit = malloc(4000);
	atexit(keep_in_atexit);
	atexit(atexit_churn);
	keep_main();
	say("torture: %d threads, %ld key destructor rounds, %ld thread_local destructors, %ld signal handlers\n",
	    threads, key_rounds.load(), tl_dtors.load(), handled.load());
	return 0;
}
