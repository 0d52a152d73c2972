/*
 * labels.c: the interned label table (see labels.h) and heapsnap_set_label.
 *
 * A fixed array of LABELS_MAX names; `count` is the number of published
 * slots. Lookups scan the published slots without a lock (at most 256
 * short compares, once per heapsnap_set_label call, never in a hook);
 * a miss takes the lock, scans again and appends.
 * Invariants: see labels.h; never allocates, never calls into the
 * application's allocator, keeps errno.
 */
#include "labels.h"

#include "log.h"
#include "tstate.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define HEAPSNAP_DEFINING_API
#include "heapsnap.h"

static char names[LABELS_MAX + 2][LABELS_NAME_MAX + 1];
static unsigned count; /* published slots: names[1..count] */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int full_said;

/* Length of name cut to LABELS_NAME_MAX bytes, never inside a UTF-8
 * sequence. */
static size_t cut_length(const char *name)
{
	size_t n = strnlen(name, LABELS_NAME_MAX + 1);
	if (n <= LABELS_NAME_MAX)
		return n;
	n = LABELS_NAME_MAX;
	while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static uint16_t find(const char *name, size_t len, unsigned upto)
{
	for (unsigned i = 1; i <= upto; i++)
		if (strncmp(names[i], name, len) == 0 && names[i][len] == '\0')
			return (uint16_t)i;
	return 0;
}

uint16_t labels_intern(const char *name)
{
	if (!name || !*name)
		return 0;
	size_t len = cut_length(name);
	if (len == 0)
		return 0;
	uint16_t id = find(name, len, __atomic_load_n(&count, __ATOMIC_ACQUIRE));
	if (id)
		return id;
	int saved = errno;
	pthread_mutex_lock(&lock);
	unsigned n = __atomic_load_n(&count, __ATOMIC_RELAXED);
	id = find(name, len, n);
	if (!id && n < LABELS_MAX) {
		memcpy(names[n + 1], name, len);
		names[n + 1][len] = '\0';
		id = (uint16_t)(n + 1);
		__atomic_store_n(&count, n + 1, __ATOMIC_RELEASE);
	} else if (!id) {
		id = LABELS_OTHER;
		if (!full_said) {
			full_said = 1;
			log_msg("more than %d distinct labels given to heapsnap_set_label; "
				"later new labels are recorded as \"%s\" (use fewer, coarser labels, "
				"such as the endpoint rather than the full URL)",
				LABELS_MAX, LABELS_OTHER_NAME);
		}
	}
	pthread_mutex_unlock(&lock);
	errno = saved;
	return id;
}

const char *labels_name(uint16_t id)
{
	if (id == LABELS_OTHER)
		return LABELS_OTHER_NAME;
	if (id == 0 || id > __atomic_load_n(&count, __ATOMIC_ACQUIRE))
		return NULL;
	return names[id];
}

void labels_postfork_child(void)
{
	pthread_mutex_init(&lock, NULL);
}

/* The public entry point (include/heapsnap.h). Works whatever the
 * tracker's state: a label set while tracking is off is there when a window
 * opens. */
__attribute__((visibility("default"))) void heapsnap_set_label(const char *label)
{
	struct tstate *ts = &tstate_tls;
	ts->label = labels_intern(label);
}
