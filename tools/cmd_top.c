/*
 * cmd_top.c: heapsnap top PID: a live view of a traced process's heap.
 *
 * Owns the view: every --interval seconds it asks the process's control
 * channel for "top" (control_proto.h: the exact totals and the sites with
 * the most live bytes), and draws the exact live heap, RSS, tracker memory
 * and the sites that grew most since the view started, each with its rate.
 * It writes no file: nothing is asked of the process but that reply.
 * Invariants: (1) the terminal is put in non-canonical, no-echo mode only
 * when standard input is one, and restored on every way out: return, exit
 * (atexit) and SIGINT/SIGTERM/SIGHUP (the handler restores with tcsetattr,
 * async-signal-safe, then dies of the signal); (2) a site's growth counts
 * from the first reply that named it, so a site that enters the top list
 * late is never credited with bytes it held before. Single-threaded.
 */
#include "cmd.h"
#include "ctlclient.h"
#include "msgs.h"

#include "control_proto.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define TOP_KNOWN_MAX 4096 /* sites remembered for their growth */

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void tty_restore(void)
{
	if (tty_changed) {
		/* TCSADRAIN, not TCSAFLUSH: what the user typed after quitting
		 * belongs to the shell */
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tty);
		tty_changed = 0;
	}
}

static void on_exit_restore(void)
{
	tty_restore();
}

static void on_signal(int sig)
{
	tty_restore();
	static const char show_cursor[] = "\033[?25h\n";
	if (write(STDOUT_FILENO, show_cursor, sizeof(show_cursor) - 1) < 0) {
		/* nothing more to do: dying anyway */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void tty_raw(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return;
	struct termios raw = saved_tty;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	atexit(on_exit_restore);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
		tty_changed = 1;
}

/* Reply of top: the value of key in the first line's key=value words. */
static long long field(const char *line, const char *key, char *text, size_t len)
{
	size_t k = strlen(key);
	if (!strncmp(line, "top ", 4))
		line += 4;
	for (const char *p = line; p && *p && *p != '\n';) {
		if (!strncmp(p, key, k) && p[k] == '=') {
			const char *v = p + k + 1;
			size_t n = strcspn(v, "\t\n");
			if (text)
				snprintf(text, len, "%.*s", (int)(n < len ? n : len - 1), v);
			return strtoll(v, NULL, 10);
		}
		p += strcspn(p, "\t\n");
		if (*p == '\t')
			p++;
	}
	if (text)
		snprintf(text, len, "?");
	return 0;
}

/* b in B, KiB...; sign: a '+' before a positive or zero value. */
static const char *human_signed(double b, bool sign, char *buf, size_t len)
{
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double a = b < 0 ? -b : b;
	int u = 0;
	while (a >= 1024 && u < 4)
		a /= 1024, b /= 1024, u++;
	snprintf(buf, len, u ? "%s%.1f %s" : "%s%.0f %s", sign && b >= 0 ? "+" : "", b, unit[u]);
	return buf;
}

static const char *human(double b, char *buf, size_t len)
{
	return human_signed(b, false, buf, len);
}

struct known {
	unsigned id;
	long long base;
	double since;
};

struct row {
	unsigned id;
	long long live, growth;
	double rate;
	char name[CONTROL_TOP_NAME_MAX];
};

static int by_growth(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->growth != y->growth)
		return x->growth < y->growth ? 1 : -1;
	return x->live < y->live ? 1 : x->live > y->live ? -1 : 0;
}

static void usage(FILE *out)
{
	fputs("usage: heapsnap top [--interval SECS] [--sites N] PID\n"
	      "A live view of traced process PID, refreshed every SECS seconds: the exact\n"
	      "live heap, RSS and tracker memory, and the sites that grew most since the\n"
	      "view started, each with its growth rate. Writes no file. Press q to quit.\n\n"
	      "  -i, --interval SECS  refresh every SECS seconds (0.1 to 3600; default 1)\n"
	      "  -n, --sites N        ask the process for its N largest sites (1 to 50;\n"
	      "                       default 50); as many as fit are shown\n"
	      "  -h, --help           show this help and exit\n\n"
	      "Exit status: 0 quit with q, 1 usage error, 3 no such process, not traced,\n"
	      "another user's, or the process went away.\n", out);
}

int cmd_top(int argc, char **argv)
{
	const char *pidarg = NULL;
	double interval = 1;
	long nsites = CONTROL_TOP_MAX;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return MSGS_EXIT_OK;
		} else if (!strcmp(a, "--interval") || !strcmp(a, "-i") || !strcmp(a, "--sites") ||
			   !strcmp(a, "-n")) {
			bool is_interval = a[1] == 'i' || a[2] == 'i';
			if (i + 1 >= argc) {
				msgs_error("top: %s needs a value; try 'heapsnap top --help'", a);
				return MSGS_EXIT_USAGE;
			}
			const char *v = argv[++i];
			char *end;
			errno = 0;
			if (is_interval) {
				interval = strtod(v, &end);
				if (errno || end == v || *end || !(interval >= 0.1) || interval > 3600) {
					msgs_error("top: invalid --interval '%s': expected seconds from 0.1 to 3600", v);
					return MSGS_EXIT_USAGE;
				}
			} else {
				nsites = strtol(v, &end, 10);
				if (errno || end == v || *end || nsites < 1 || nsites > CONTROL_TOP_MAX) {
					msgs_error("top: invalid --sites '%s': expected a count from 1 to %d", v,
						   CONTROL_TOP_MAX);
					return MSGS_EXIT_USAGE;
				}
			}
		} else if (a[0] == '-' && a[1]) {
			msgs_error("top: unknown option '%s'; try 'heapsnap top --help'", a);
			return MSGS_EXIT_USAGE;
		} else if (pidarg) {
			msgs_error("top: expected one process id, got '%s' and '%s'", pidarg, a);
			return MSGS_EXIT_USAGE;
		} else {
			pidarg = a;
		}
	}
	if (!pidarg) {
		msgs_error("top: missing the process id; try 'heapsnap top --help'");
		return MSGS_EXIT_USAGE;
	}
	long pid = ctl_parse_pid("top", pidarg);
	if (pid < 0)
		return MSGS_EXIT_USAGE;
	char req[32];
	snprintf(req, sizeof(req), "top %ld", nsites);
	static char reply[CONTROL_TOP_REPLY_MAX];
	/* the first reply before the terminal changes: a bad pid is a plain error */
	int rc = ctl_request_lines(pid, req, 10, reply, sizeof(reply));
	if (rc != MSGS_EXIT_OK)
		return rc;
	tty_raw();
	static struct known known[TOP_KNOWN_MAX];
	static struct row rows[CONTROL_TOP_MAX];
	size_t nknown = 0;
	long long live0 = 0;
	double t0 = 0;
	bool first = true;
	for (;;) {
		char state[32], text[64];
		field(reply, "state", state, sizeof(state));
		double now = strtod(strstr(reply, "uptime=") ? strstr(reply, "uptime=") + 7 : "0", NULL);
		long long live = field(reply, "live_bytes", NULL, 0);
		if (first) {
			live0 = live;
			t0 = now;
		}
		size_t nrows = 0;
		for (char *line = strchr(reply, '\n'); line && nrows < CONTROL_TOP_MAX; line = strchr(line, '\n')) {
			line++;
			struct row *r = &rows[nrows];
			long long lcount, alloc;
			int off = 0;
			if (sscanf(line, "site\t%u\t%lld\t%lld\t%lld\t%n", &r->id, &r->live, &lcount, &alloc, &off) < 4 ||
			    !off)
				continue;
			size_t n = strcspn(line + off, "\n");
			snprintf(r->name, sizeof(r->name), "%.*s", (int)(n < sizeof(r->name) ? n : sizeof(r->name) - 1),
				 line + off);
			struct known *k = NULL;
			for (size_t j = 0; j < nknown; j++)
				if (known[j].id == r->id)
					k = &known[j];
			if (!k && nknown < TOP_KNOWN_MAX) {
				k = &known[nknown++];
				*k = (struct known){r->id, r->live, now};
			}
			r->growth = k ? r->live - k->base : 0;
			r->rate = k && now > k->since ? (double)r->growth / (now - k->since) : 0;
			nrows++;
		}
		qsort(rows, nrows, sizeof(rows[0]), by_growth);
		struct winsize ws;
		int height = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 24;
		char b1[32], b2[32], b3[32];
		fputs("\033[H\033[2J", stdout);
		printf("heapsnap top: pid %ld, %s, uptime %.1f s, refresh %g s, view %.1f s old\n", pid, state, now,
		       interval, now - t0);
		printf("live heap: %s in %lld blocks (exact), %s/s since the view started\n",
		       human((double)live, b1, sizeof(b1)), field(reply, "live_count", NULL, 0),
		       human_signed(now > t0 ? (double)(live - live0) / (now - t0) : 0, true, b2, sizeof(b2)));
		printf("rss: %s   tracker memory: %s   sample: %s   stacks: %lld\n",
		       human((double)field(reply, "rss_bytes", NULL, 0), b1, sizeof(b1)),
		       human((double)field(reply, "tracker_bytes", NULL, 0), b2, sizeof(b2)),
		       (field(reply, "sample", text, sizeof(text)), text), field(reply, "stacks", NULL, 0));
		printf("\n%12s %14s %12s  %s\n", "GROWTH", "RATE", "LIVE", "SITE (top growing since the view started)");
		int room = height - 7;
		for (size_t i = 0; i < nrows && (int)i < (room > 1 ? room : 1); i++)
			printf("%12s %12s/s %12s  %s\n", human_signed((double)rows[i].growth, true, b1, sizeof(b1)),
			       human_signed(rows[i].rate, true, b2, sizeof(b2)),
			       human((double)rows[i].live, b3, sizeof(b3)), rows[i].name);
		if (!nrows)
			printf("%12s  (no sampled live block yet)\n", "");
		printf("\nq quits\n");
		fflush(stdout);
		first = false;
		/* wait for the next refresh, or a q */
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int left = (int)(interval * 1000);
		while (left > 0) {
			int r = poll(&p, 1, left > 100 ? 100 : left);
			left -= 100;
			if (r > 0 && (p.revents & POLLIN)) {
				char c;
				ssize_t n = read(STDIN_FILENO, &c, 1);
				if (n == 1 && (c == 'q' || c == 'Q')) {
					tty_restore();
					return MSGS_EXIT_OK;
				}
				if (n == 0) /* end of input: not a terminal; keep refreshing, without polling it */
					p.fd = -1;
			} else if (r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
				p.fd = -1;
			}
		}
		rc = ctl_request_lines(pid, req, 10, reply, sizeof(reply));
		if (rc != MSGS_EXIT_OK) {
			tty_restore();
			return rc;
		}
	}
}
