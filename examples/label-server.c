/*
 * label-server.c: a pretend server with two endpoints, labelled per request.
 *
 * Two worker threads take turns at simulated requests: "/upload" reads a
 * body into a buffer and keeps it in a store that is never trimmed (the
 * leak, about 1 KiB a request); "/health" reads a body into a buffer of the
 * same helper and frees it. Both allocate through read_body(), so the call
 * sites alone cannot tell the endpoints apart: each request is wrapped in
 * heapsnap_set_label(endpoint) ... heapsnap_set_label(NULL), and
 * `heapdiff --by label` of its first and last snapshots names "/upload"
 * first. Built without linking libheapsnap.so, it runs unchanged without
 * the library (heapsnap_set_label is then a no-op).
 *
 * Usage: label-server [requests per thread] (default 2000). Prints
 * "label-server: N requests, M bytes kept" at the end.
 */
#include "heapsnap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct blob {
	struct blob *next;
	size_t len;
	char data[];
};

static struct blob *store; /* /upload's bodies, never trimmed: the leak */
static size_t kept;
static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static int requests = 2000;

static struct blob *read_body(size_t len, int id)
{
	struct blob *b = malloc(sizeof(*b) + len);
	if (!b)
		abort();
	b->len = len;
	memset(b->data, 'a' + id % 26, len);
	return b;
}

static void handle_upload(int id)
{
	struct blob *b = read_body(1024, id);
	pthread_mutex_lock(&store_lock);
	b->next = store;
	store = b;
	kept += b->len;
	pthread_mutex_unlock(&store_lock);
}

static void handle_health(int id)
{
	struct blob *b = read_body(1024, id);
	volatile char c = b->data[0];
	(void)c;
	free(b);
}

static void *worker(void *arg)
{
	int base = (int)(long)arg * requests;
	struct timespec pause = {0, 200 * 1000}; /* 0.2 ms: let snapshots happen meanwhile */
	for (int i = 0; i < requests; i++) {
		int id = base + i;
		if (id % 2) {
			heapsnap_set_label("/upload");
			handle_upload(id);
		} else {
			heapsnap_set_label("/health");
			handle_health(id);
		}
		heapsnap_set_label(NULL);
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		requests = atoi(argv[1]);
	if (requests <= 0) {
		fprintf(stderr, "label-server: invalid request count '%s': expected a positive integer\n",
			argv[1]);
		return 2;
	}
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			fprintf(stderr, "label-server: cannot start a worker thread\n");
			return 1;
		}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("label-server: %d requests, %zu bytes kept\n", 2 * requests, kept);
	return 0;
}
