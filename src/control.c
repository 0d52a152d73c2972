/*
 * control.c: the control thread: accepts requests on "heapsnap.<pid>.<start>"
 * (control_proto.h).
 *
 * Invariants: (1) only a peer with this process's real or effective uid, or
 * root, is served (SO_PEERCRED); (2) a request is one bounded line read with
 * a timeout: bad, oversized or slow input gets an error reply (or nothing)
 * and leaves the host untouched; (3) replies are sent with MSG_NOSIGNAL, so
 * a client that went away never raises SIGPIPE in the host; (4) the program
 * may close or reuse any descriptor: before each accept the listening
 * descriptor is checked to still be our socket (same inode), and when it is
 * not, it is forgotten (never closed: the number is the program's now) and
 * a new socket is bound; (5) never allocates from the program's heap:
 * requests and replies live in stack buffers; only "top" allocates, from
 * the tracker arena, to name its sites (writer_name_sites, under the
 * snapshot lock); (6) every reply is bounded: one line, or for "top" at
 * most CONTROL_TOP_MAX + 2 lines.
 */
#include "control.h"

#include "control_proto.h"
#include "core.h"
#include "arena.h"
#include "log.h"
#include "stacktab.h"
#include "sampler.h"
#include "triggers.h"
#include "tstate.h"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int listen_fd = -1;
static dev_t listen_dev;
static ino_t listen_ino;
static bool failure_reported;
/* The control thread's CPU clock, for control_cpu_seconds: set by the
 * thread itself, cleared before it exits (atomic). */
static clockid_t ctl_clock;
static int ctl_clock_set;

static bool still_ours(int fd)
{
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == listen_dev && st.st_ino == listen_ino;
}

static int open_listener(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* above the small numbers programs pick and reuse */
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 64);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	struct sockaddr_un addr;
	long pid = (long)getpid();
	socklen_t len = control_address(&addr, pid, control_start_ticks(pid));
	struct stat st;
	if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 8) != 0 || fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	listen_dev = st.st_dev;
	listen_ino = st.st_ino;
	listen_fd = fd;
	return 0;
}

static void reply(int c, const char *text)
{
	char buf[CONTROL_REPLY_MAX + 2];
	int n = snprintf(buf, sizeof(buf) - 1, "%s", text);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	for (const char *p = buf; n > 0;) {
		ssize_t w = send(c, p, (size_t)n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (int)w;
	}
}

static bool peer_allowed(int c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == 0 || cred.uid == getuid() || cred.uid == geteuid();
}

/* Reads one line into buf (NUL-terminated, without '\n'). 0, -E2BIG when
 * longer than the buffer, or -EIO on timeout, error or early close. */
static int read_line(int c, char *buf, size_t len)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = recv(c, buf + n, len - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		char *nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
		if (nl) {
			*nl = '\0';
			return 0;
		}
		if (n >= len - 1)
			return -E2BIG;
	}
}

static void status_reply(int c)
{
	char reason[256], text[CONTROL_REPLY_MAX];
	struct writer_status ws;
	struct triggers_status ts;
	int running = core_state(reason, sizeof(reason));
	writer_status(&ws);
	triggers_status(&ts);
	double now = writer_now();
	int n = snprintf(text, sizeof(text), "ok state=%s\tpid=%d\tseq=%u\tfiles=%u\tout=%s\tlast=%s"
			 "\ttracker_bytes=%llu\tsample=%llu\tinterval=%g\tuptime=%.3f\tsamples_dropped=%llu",
			 ts.state, (int)getpid(), ws.seq, ts.files, ws.out, ws.last,
			 (unsigned long long)arena_bytes(), (unsigned long long)core_sample_mean(), ts.interval,
			 now, (unsigned long long)ts.samples_dropped);
	if (n > 0 && (size_t)n < sizeof(text) && ts.window_start >= 0)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "\twindow_start=%.3f\twindow_end=%.3f",
			      ts.window_start, ts.window_end);
	if (n > 0 && (size_t)n < sizeof(text) && !running)
		snprintf(text + n, sizeof(text) - (size_t)n, "\treason=%s", reason);
	reply(c, text);
}

/* Reads "key=value" words of a start request: for=SECONDS, sample=BYTES,
 * interval=SECONDS (the client has checked their form; this checks again,
 * as any peer may send anything). 0, or -EINVAL with the word in bad. */
static int parse_start(char *args, double *dur, unsigned long long *sample, double *interval,
		       const char **bad)
{
	*dur = 0, *sample = 0, *interval = -1;
	for (char *save = NULL, *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *end;
		*bad = w;
		if (!strncmp(w, "for=", 4)) {
			*dur = strtod(w + 4, &end);
			if (end == w + 4 || *end || !(*dur > 0) || *dur > 1e9)
				return -EINVAL;
		} else if (!strncmp(w, "sample=", 7)) {
			if (w[7] < '0' || w[7] > '9')
				return -EINVAL;
			*sample = strtoull(w + 7, &end, 10);
			if (*end || *sample == 0 || *sample > (1ull << 40))
				return -EINVAL;
		} else if (!strncmp(w, "interval=", 9)) {
			*interval = strtod(w + 9, &end);
			if (end == w + 9 || *end || !(*interval >= 0) || *interval > 1e9 ||
			    (*interval > 0 && *interval < 0.01))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static void start_reply(int c, char *args)
{
	char text[CONTROL_REPLY_MAX], path[sizeof(((struct writer_status *)0)->last)];
	double dur, interval;
	unsigned long long sample;
	const char *bad = "";
	if (parse_start(args, &dur, &sample, &interval, &bad) != 0) {
		char word[48];
		size_t i = 0;
		for (; bad[i] && i < sizeof(word) - 1; i++)
			word[i] = (unsigned char)bad[i] < 32 || (unsigned char)bad[i] > 126 ? '?' : bad[i];
		word[i] = '\0';
		snprintf(text, sizeof(text), "error bad start argument '%s' (known: for=SECONDS, sample=BYTES, "
			 "interval=SECONDS)", word);
		reply(c, text);
		return;
	}
	int rc = triggers_window_open(dur, sample, interval, path, sizeof(path));
	struct triggers_status ts;
	triggers_status(&ts);
	if (rc == 0)
		snprintf(text, sizeof(text), "ok started for=%.3f interval=%g sample=%llu baseline=%s",
			 ts.window_end - ts.window_start, ts.interval, (unsigned long long)core_sample_mean(), path);
	else if (rc == -EALREADY)
		snprintf(text, sizeof(text), "error a window is already open (%.0f s left); "
			 "'heapsnap stop PID' closes it", ts.window_end > 0 ? ts.window_end - writer_now() : 0);
	else if (rc == -EDQUOT)
		snprintf(text, sizeof(text), "error max_snapshots is reached: no more files can be written");
	else if (rc == -ESHUTDOWN) {
		char reason[256];
		core_state(reason, sizeof(reason));
		snprintf(text, sizeof(text), "error tracking has stopped for good (%s)", reason);
	} else
		snprintf(text, sizeof(text), "error the window opened but its baseline snapshot could not "
			 "be written: %s", strerror(-rc));
	reply(c, text);
}

static void stop_reply(int c)
{
	char text[CONTROL_REPLY_MAX], path[sizeof(((struct writer_status *)0)->last)];
	int rc = triggers_window_close(path, sizeof(path));
	if (rc == 0)
		snprintf(text, sizeof(text), "ok stopped last=%s", path);
	else if (rc == -EALREADY)
		snprintf(text, sizeof(text), "error no window is open: the tracker is not tracking");
	else
		snprintf(text, sizeof(text), "error tracking stopped, but its last snapshot could not be "
			 "written: %s", strerror(-rc));
	reply(c, text);
}

/* "top [N]": the exact totals, then the N sites (stacks) holding the most
 * estimated live bytes, named by the writer's location cache, then "end".
 * The walk keeps the N largest in a stack array; nothing here allocates
 * (naming does, in the tracker arena, under the snapshot lock). */
static void top_reply(int c, const char *args)
{
	char text[CONTROL_REPLY_MAX];
	unsigned n = CONTROL_TOP_DEFAULT;
	if (*args) {
		char *end;
		unsigned long v = strtoul(args, &end, 10);
		if (args[0] < '0' || args[0] > '9' || *end || v == 0 || v > CONTROL_TOP_MAX) {
			snprintf(text, sizeof(text), "error bad top argument: expected a count from 1 to %d",
				 CONTROL_TOP_MAX);
			reply(c, text);
			return;
		}
		n = (unsigned)v;
	}
	struct stacktab_entry *top[CONTROL_TOP_MAX];
	int64_t live[CONTROL_TOP_MAX];
	unsigned k = 0;
	for (struct stacktab_entry *e = stacktab_first(); e; e = stacktab_next(e)) {
		int64_t b = (int64_t)(__atomic_load_n(&e->alloc_bytes, __ATOMIC_RELAXED) -
				      __atomic_load_n(&e->free_bytes, __ATOMIC_RELAXED));
		if (b <= 0 || (k == n && b <= live[k - 1]))
			continue;
		unsigned i = k < n ? k++ : k - 1;
		for (; i > 0 && live[i - 1] < b; i--) {
			top[i] = top[i - 1];
			live[i] = live[i - 1];
		}
		top[i] = e;
		live[i] = b;
	}
	static char names[CONTROL_TOP_MAX][CONTROL_TOP_NAME_MAX];
	writer_name_sites(top, k, names[0], sizeof(names[0]));
	struct tstate_totals t;
	tstate_totals(&t);
	struct triggers_status ts;
	triggers_status(&ts);
	unsigned long long rss = 0;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char buf[128];
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		unsigned long vsz, pages;
		if (r > 0) {
			buf[r] = '\0';
			if (sscanf(buf, "%lu %lu", &vsz, &pages) == 2)
				rss = (unsigned long long)pages * (unsigned long long)sysconf(_SC_PAGESIZE);
		}
		close(fd);
	}
	snprintf(text, sizeof(text), "ok top state=%s\tuptime=%.3f\tlive_bytes=%lld\tlive_count=%lld"
		 "\talloc_bytes=%llu\trss_bytes=%llu\ttracker_bytes=%llu\tsample=%llu\tstacks=%u\tsites=%u",
		 ts.state, writer_now(), (long long)(t.alloc_bytes - t.free_bytes),
		 (long long)(t.alloc_count - t.free_count), (unsigned long long)t.alloc_bytes, rss,
		 (unsigned long long)arena_bytes(), (unsigned long long)core_sample_mean(), stacktab_count(), k);
	reply(c, text);
	for (unsigned i = 0; i < k; i++) {
		for (char *p = names[i]; *p; p++)
			if ((unsigned char)*p < 32 || *p == 127)
				*p = '?'; /* one line per site, whatever a name holds */
		uint64_t ac = __atomic_load_n(&top[i]->alloc_count_fx, __ATOMIC_RELAXED);
		uint64_t fc = __atomic_load_n(&top[i]->free_count_fx, __ATOMIC_RELAXED);
		snprintf(text, sizeof(text), "site\t%u\t%lld\t%lld\t%llu\t%.*s", top[i]->id, (long long)live[i],
			 (long long)((ac - fc) / SAMPLER_FX), (unsigned long long)top[i]->alloc_bytes, CONTROL_TOP_NAME_MAX - 1, names[i]);
		reply(c, text);
	}
	reply(c, "end");
}

static void serve(int c)
{
	char line[CONTROL_LINE_MAX], text[CONTROL_REPLY_MAX], reason[256];
	if (!peer_allowed(c)) {
		reply(c, "error permission denied: the process belongs to another user "
			 "(run as its user or root)");
		return;
	}
	struct timeval tv = {1, 0};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int rc = read_line(c, line, sizeof(line));
	if (rc == -E2BIG) {
		reply(c, "error request too long");
		return;
	}
	if (rc)
		return;
	if (strcmp(line, "ping") == 0) {
		reply(c, "ok heapsnap " PACKAGE_VERSION);
	} else if (strcmp(line, "status") == 0) {
		status_reply(c);
	} else if (strcmp(line, "start") == 0 || strncmp(line, "start ", 6) == 0) {
		start_reply(c, line + 5);
	} else if (strcmp(line, "stop") == 0) {
		stop_reply(c);
	} else if (strcmp(line, "top") == 0 || strncmp(line, "top ", 4) == 0) {
		top_reply(c, line[3] ? line + 4 : "");
	} else if (strcmp(line, "snapshot") == 0 || strcmp(line, "snapshot wait") == 0) {
		if (!core_state(reason, sizeof(reason))) {
			snprintf(text, sizeof(text), "error tracking has stopped (%s); no snapshot written", reason);
			reply(c, text);
			return;
		}
		if (strcmp(line, "snapshot") == 0) {
			struct writer_status ws;
			writer_status(&ws);
			writer_request_sigsafe(WRITER_REQ_REQUEST);
			snprintf(text, sizeof(text), "ok requested %s", ws.out);
			reply(c, text);
			return;
		}
		char path[sizeof(((struct writer_status *)0)->last)];
		rc = writer_snapshot_wait_path("request", NULL, path, sizeof(path));
		if (rc == 0)
			snprintf(text, sizeof(text), "ok %s", path);
		else
			snprintf(text, sizeof(text), "error the snapshot could not be written: %s", strerror(-rc));
		reply(c, text);
	} else {
		/* name the request without echoing control characters back */
		size_t i = 0;
		for (; line[i] && i < 40; i++)
			if ((unsigned char)line[i] < 32 || (unsigned char)line[i] > 126)
				line[i] = '?';
		line[i] = '\0';
		snprintf(text, sizeof(text), "error unknown request '%s' (known: ping, status, start, stop, snapshot, snapshot wait, top)", line);
		reply(c, text);
	}
}

__attribute__((noreturn)) static void *control_main(void *arg)
{
	(void)arg;
	tstate_guard_enter(&tstate_tls);
	if (pthread_getcpuclockid(pthread_self(), &ctl_clock) == 0)
		__atomic_store_n(&ctl_clock_set, 1, __ATOMIC_RELEASE);
	for (;;) {
		if (!still_ours(listen_fd)) {
			/* not bound yet (the name was taken at start-up), or the
			 * program closed or reused our descriptor: bind anew */
			listen_fd = -1;
			int rc, tries = 0;
			/* a name still held is freed once its holder lets go
			 * (poll, an exec under way): try for about ten seconds */
			while ((rc = open_listener()) == -EADDRINUSE && ++tries < 100)
				usleep(100 * 1000);
			if (rc) {
				if (!failure_reported) {
					failure_reported = true;
					log_msg("no control channel: %s; 'heapsnap snapshot' cannot reach this process, "
						"send the snapshot signal instead",
						strerror(-rc));
				}
				__atomic_store_n(&ctl_clock_set, 0, __ATOMIC_RELEASE);
				pthread_exit(NULL);
			}
		}
		struct pollfd p = {.fd = listen_fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0 || !(p.revents & POLLIN) || !still_ours(listen_fd))
			continue;
		int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve(c);
		close(c);
	}
}

static int start_thread(void)
{
	return tstate_start_thread(control_main, "heapsnap-ctl");
}

int control_init(void)
{
	int rc = open_listener();
	if (rc && rc != -EADDRINUSE)
		return rc;
	/* EADDRINUSE: the control thread keeps trying, without holding up
	 * the program's start */
	rc = start_thread();
	if (rc && listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	return rc;
}

double control_cpu_seconds(void)
{
	struct timespec t;
	if (!__atomic_load_n(&ctl_clock_set, __ATOMIC_ACQUIRE) || clock_gettime(ctl_clock, &t) != 0)
		return 0;
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void control_postfork_drop(void)
{
	__atomic_store_n(&ctl_clock_set, 0, __ATOMIC_RELEASE); /* the parent's thread is not here */
	if (still_ours(listen_fd))
		close(listen_fd); /* the parent's socket: the parent keeps serving it */
	listen_fd = -1;
}

void control_postfork_child(void)
{
	failure_reported = false;
	int rc = control_init();
	if (rc)
		log_msg("no control channel in the forked child %d: %s", (int)getpid(), strerror(-rc));
}
