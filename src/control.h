/*
 * control.h: the per-process control channel (server side).
 *
 * Owns the control thread and its listening socket, an abstract-namespace
 * Unix socket named after the pid and start time (control_proto.h). It is how
 * `heapsnap snapshot PID` reaches a traced process: the tool never sends a
 * signal, so a process whose tracker is off, or whose program took the
 * snapshot signal for itself, can never be killed by it.
 * Context: control_init at start-up (guard held), control_postfork_child in
 * the fork child handler. The control thread blocks every signal, holds the
 * guard for its whole life and serves one connection at a time, each bounded
 * by a one-second receive and send timeout; nothing here runs on an
 * application thread, so the channel can never block one.
 */
#ifndef HEAPSNAP_CONTROL_H
#define HEAPSNAP_CONTROL_H

/* Context: start-up, guard held. Binds the socket and starts the thread.
 * 0 or -errno (the tracker then runs without a channel). */
int control_init(void);

/* Context: fork child handler, always, tracking or not: closes the
 * parent's socket (never a descriptor that is no longer ours), so that no
 * child keeps the parent's name alive after the parent is gone. */
void control_postfork_drop(void);

/* Context: fork child handler, after control_postfork_drop, when the child
 * goes on tracking: serves the child under its own name. */
void control_postfork_child(void);

/* Context: any thread. Never allocates. CPU seconds the control thread has
 * used so far; 0 when it is not running. */
double control_cpu_seconds(void);

#endif
