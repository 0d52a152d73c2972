/*
 * leaky-server.c: the bundled demo, a pretend request handler that leaks.
 *
 * Each "request" parses a header (transient memory, freed), renders a reply
 * into a buffer pool (reused: warm-up growth that stops), and remembers the
 * session in a cache that is never trimmed: remember_session() is the leak
 * (about 4 KiB per request). heapdiff of its first and last snapshots must
 * name remember_session on its first line.
 *
 * Usage: leaky-server [seconds] (default 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct session {
	struct session *next;
	char token[64];
	char payload[4000];
};

static struct session *cache;
static char *pool[64];

static char *parse_header(int id)
{
	char *h = malloc(2048);
	snprintf(h, 2048, "GET /item/%d HTTP/1.1", id);
	return h;
}

static void render_reply(int id, const char *header)
{
	char **slot = &pool[id % 64];
	if (!*slot)
		*slot = malloc(16384); /* grows during warm-up only */
	snprintf(*slot, 16384, "200 OK for %s", header);
}

static void remember_session(int id)
{
	struct session *s = malloc(sizeof(*s)); /* never freed: the leak */
	snprintf(s->token, sizeof(s->token), "session-%d", id);
	memset(s->payload, 'x', sizeof(s->payload));
	s->next = cache;
	cache = s;
}

static void handle_request(int id)
{
	char *header = parse_header(id);
	render_reply(id, header);
	remember_session(id);
	free(header);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	struct timespec start, now, pause = {0, 1000000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	int id = 0;
	do {
		for (int i = 0; i < 10; i++)
			handle_request(id++);
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) * 1e-9 < seconds);
	printf("leaky-server: handled %d requests\n", id);
	return 0;
}
