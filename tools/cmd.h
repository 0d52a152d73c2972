/*
 * cmd.h: the subcommands of heapsnap(1), one file each.
 *
 * heapsnap.c owns the dispatch table and calls exactly one of these from
 * main() with argv[0] set to the subcommand's name. Single-threaded.
 * Each returns an exit code from enum msgs_exit (cmd_run returns only when
 * exec fails or before it) and prints errors through msgs_error().
 */
#ifndef HEAPSNAP_TOOLS_CMD_H
#define HEAPSNAP_TOOLS_CMD_H

/* heapsnap run [OPTIONS] -- CMD [ARGS...]: preload the tracker and exec CMD. */
int cmd_run(int argc, char **argv);

/* heapsnap snapshot PID: ask a tracked process for a snapshot. */
int cmd_snapshot(int argc, char **argv);

/* heapsnap info [--top N] [--debug-dir DIR]... DB: totals and top sites of
 * one snapshot. */
int cmd_info(int argc, char **argv);

/* heapsnap symbolize [--debug-dir DIR]... DB...: write lines into
 * names-only snapshots. */
int cmd_symbolize(int argc, char **argv);

/* cmd_control.c: heapsnap start | stop | status | ps (the tracking window). */
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_ps(int argc, char **argv);

/* cmd_top.c: heapsnap top PID: the live view (no file written). */
int cmd_top(int argc, char **argv);

/* heapsnap export --pprof|--heapprofile|--folded|--svg OUT [--base OLD] DB. */
int cmd_export(int argc, char **argv);

#endif
