/*
 * log.c: diagnostics without stdio streams or malloc.
 *
 * Called from any thread, including inside hooks. Invariants: (1) never
 * allocates and never uses stdio: the line is formatted by textbuf.c into a
 * stack buffer (its printf subset, no libc formatter) and written with
 * write(2); (2) never writes to a descriptor that is not the stderr seen at
 * start-up; (3) one message is one line: a message cut at the buffer's end
 * still ends with its newline; (4) never a cancellation point: the write
 * runs with cancellation off.
 */
#include "log.h"

#include "debug.h"
#include "textbuf.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;

void log_init(void)
{
	struct stat st;
	if (fstat(2, &st) != 0)
		return;
	int fd = fcntl(2, F_DUPFD_CLOEXEC, 64);
	if (fd < 0)
		return;
	log_fd = fd;
	log_dev = st.st_dev;
	log_ino = st.st_ino;
}

static int usable_fd(void)
{
	struct stat st;
	if (log_fd >= 0 && fstat(log_fd, &st) == 0 && st.st_dev == log_dev && st.st_ino == log_ino)
		return log_fd;
	if (log_fd < 0 && fstat(2, &st) == 0)
		return 2;
	return -1;
}

void log_msg(const char *fmt, ...)
{
	char buf[512];
	struct textbuf b;
	DEBUG_NOMALLOC_ENTER("log_msg");
	/* one byte kept for the newline */
	textbuf_init(&b, buf, sizeof(buf) - 1);
	textbuf_puts(&b, "heapsnap: ");
	va_list ap;
	va_start(ap, fmt);
	textbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	size_t len = b.len;
	buf[len++] = '\n';
	int fd = usable_fd();
	if (fd < 0) {
		DEBUG_NOMALLOC_LEAVE();
		return;
	}
	/* write(2) is a cancellation point: a message from inside the
	 * tracker (a stripe lock held, half a sample) must never end the
	 * thread there */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	pthread_setcancelstate(cancel, NULL);
	DEBUG_NOMALLOC_LEAVE();
}
