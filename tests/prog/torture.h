/*
 * torture.h: helpers shared by the torture programs (tests/prog/torture_*).
 *
 * say() prints with write(2) from a stack buffer, so that stdio's buffer is
 * never allocated and the exit snapshot of a program that frees everything
 * holds nothing of its own. Output is deterministic (fixed iteration counts),
 * so that a run under the preload can be compared byte for byte with an
 * untraced one; what varies from run to run (signals received) goes to
 * stderr through note(). snapshot_storm() sends the snapshot signal only when
 * TORTURE_SNAPSHOT_SIGNAL is set (the tests set it under the preload only:
 * SIGUSR2 would kill the untraced program).
 */
#ifndef TORTURE_H
#define TORTURE_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void torture_vwrite(int fd, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(fd, buf + off, (size_t)(n - off));
		if (w <= 0)
			return;
		off += (int)w;
	}
}

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	torture_vwrite(1, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	torture_vwrite(2, fmt, ap);
	va_end(ap);
}

/* xorshift: deterministic sizes without rand()'s lock */
static inline uint32_t torture_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static inline void torture_sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* ---- snapshot-signal storm (only under the preload) ---- */

static volatile int torture_storm_stop;
static pthread_t torture_storm_thread;
static int torture_storm_on;
static unsigned long torture_storm_sent;

static void *torture_storm(void *arg)
{
	long us = (long)(intptr_t)arg;
	while (!torture_storm_stop) {
		kill(getpid(), SIGUSR2);
		torture_storm_sent++;
		torture_sleep_us(us);
	}
	return NULL;
}

/* Starts a thread that sends SIGUSR2 to the process every us microseconds,
 * if TORTURE_SNAPSHOT_SIGNAL is set. The thread blocks every signal. */
__attribute__((unused)) static void snapshot_storm_start(long us)
{
	if (!getenv("TORTURE_SNAPSHOT_SIGNAL"))
		return;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	torture_storm_on = pthread_create(&torture_storm_thread, NULL, torture_storm, (void *)(intptr_t)us) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

__attribute__((unused)) static void snapshot_storm_stop(void)
{
	if (!torture_storm_on)
		return;
	torture_storm_stop = 1;
	pthread_join(torture_storm_thread, NULL);
	torture_storm_on = 0;
	note("torture: %lu snapshot signals sent\n", torture_storm_sent);
}

#endif
