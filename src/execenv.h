/*
 * execenv.h: which processes of a traced command are traced.
 *
 * By default only the command is: the process `heapsnap run` started (and
 * whatever that process execs under the same pid, such as a shim that
 * execs the real program), and its forked children until they exec. A
 * program the command runs (fork + exec, posix_spawn, system) is not: it
 * starts untracked and silent, and the library is removed from its
 * LD_PRELOAD so that its own children do not even load it. With
 * follow_exec=1 every descendant is traced, as LD_PRELOAD alone would do.
 * `heapsnap run` marks the command with HEAPSNAP_RUN_PID=<its pid>; under
 * a plain LD_PRELOAD (no mark) the process that loads the library is the
 * command, and the library leaves the LD_PRELOAD of its children at once.
 * Context: start-up (the constructor, one thread), guard held.
 * Invariants: never allocates; edits the environment in place only
 * (shortens the LD_PRELOAD string, or drops the entry from environ).
 */
#ifndef HEAPSNAP_EXECENV_H
#define HEAPSNAP_EXECENV_H

#include <stdbool.h>

/* Decides for this process. Returns true when it is to be traced; removes
 * the library from LD_PRELOAD when its children are not to load it. */
bool execenv_start(bool follow_exec);

#endif
