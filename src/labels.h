/*
 * labels.h: request labels (heapsnap_set_label), interned in a capped table.
 *
 * Owns the process's distinct label names, each with a small id: 0 is "no
 * label", 1..LABELS_MAX the names in order of first sight, LABELS_OTHER the
 * "(other)" label that every new name gets once the table is full (said
 * once on stderr). A thread's current label id lives in its tstate
 * (tstate.h); a sampled stack is interned with it (stacktab.h), so the
 * label of an allocation is its stack's.
 * Invariants: (1) the table is static: nothing here ever allocates; (2) a
 * slot is written once, under the table lock, and published with a release
 * store of the count, so readers scan names without the lock; (3) a name is
 * at most LABELS_NAME_MAX bytes (longer ones are cut at a UTF-8 character
 * boundary); (4) the lock is a leaf, taken only by heapsnap_set_label on an
 * application thread outside every hook, and reset in a forked child.
 */
#ifndef HEAPSNAP_LABELS_H
#define HEAPSNAP_LABELS_H

#include <stdint.h>

#define LABELS_MAX 256
#define LABELS_NAME_MAX 63
#define LABELS_OTHER (LABELS_MAX + 1)
#define LABELS_OTHER_NAME "(other)"

/* Context: any thread but a signal handler. Never allocates. Returns the id
 * of name: 0 for NULL or "", LABELS_OTHER when the table is full. */
uint16_t labels_intern(const char *name);

/* Context: any thread. Never allocates, lock-free. The name of id, NULL for
 * 0 or an id never handed out. */
const char *labels_name(uint16_t id);

/* Context: fork handler of the child. */
void labels_postfork_child(void);

#endif
