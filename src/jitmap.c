/*
 * jitmap.c: perf map parsing and lookup.
 *
 * Invariants: (1) memory only from the caller's allocator, no stdio, no
 * malloc, no qsort; (2) entries beyond JITMAP_MAX_ENTRIES or
 * JITMAP_MAX_NAME_BYTES are skipped, so the map's size is bounded whatever
 * the file holds; (3) after jitmap_lookup sorts, v[] is ordered by start
 * with one entry per start (the latest); (4) the file is read with pread
 * from the remembered offset, only up to the last complete line.
 */
#include "jitmap.h"

#include "textbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void jitmap_init(struct jitmap *j, int pid, const struct elfsym_allocator *a)
{
	memset(j, 0, sizeof(*j));
	j->a = *a;
	j->sorted = true;
	jitmap_set_pid(j, pid);
}

void jitmap_set_pid(struct jitmap *j, int pid)
{
	struct textbuf tb;
	textbuf_init(&tb, j->path, sizeof(j->path));
	textbuf_printf(&tb, "/tmp/perf-%d.map", pid);
	j->offset = 0;
	j->skip_to_nl = false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex number at *p (optional 0x), up to end; false when none or overflow. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	uint64_t v = 0;
	const char *d = s;
	for (int h; s < end && (h = hexval(*s)) >= 0; s++) {
		if (v >> 60)
			return false;
		v = v << 4 | (uint64_t)h;
	}
	if (s == d)
		return false;
	*out = v;
	*p = s;
	return true;
}

static bool add_entry(struct jitmap *j, uint64_t start, uint64_t size, const char *name, size_t len)
{
	if (len > JITMAP_NAME_MAX)
		len = JITMAP_NAME_MAX;
	if (j->n >= JITMAP_MAX_ENTRIES || j->name_bytes + len + 1 > JITMAP_MAX_NAME_BYTES)
		return false;
	if (j->n == j->cap) {
		size_t ncap = j->cap ? j->cap * 2 : 256;
		if (ncap > JITMAP_MAX_ENTRIES)
			ncap = JITMAP_MAX_ENTRIES;
		struct jitmap_entry *nv = j->a.alloc(ncap * sizeof(*nv), j->a.ctx);
		if (!nv)
			return false;
		if (j->n)
			memcpy(nv, j->v, j->n * sizeof(*nv));
		if (j->v)
			j->a.free(j->v, j->a.ctx);
		j->v = nv;
		j->cap = ncap;
	}
	char *s = j->a.alloc(len + 1, j->a.ctx);
	if (!s)
		return false;
	memcpy(s, name, len);
	s[len] = '\0';
	struct jitmap_entry *e = &j->v[j->n++];
	e->start = start;
	e->size = size;
	e->seq = ++j->seq;
	e->name = s;
	j->name_bytes += len + 1;
	if (j->n > 1 && (e[-1].start > start || e[-1].start == start))
		j->sorted = false;
	return true;
}

/* One line without its newline. */
static bool parse_line(struct jitmap *j, const char *p, const char *end)
{
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	uint64_t start, size;
	if (!parse_hex(&p, end, &start) || p == end || *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;
	if (!parse_hex(&p, end, &size) || p == end || *p != ' ' || size == 0 || start + size < start)
		return false;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	return add_entry(j, start, size, p, (size_t)(end - p));
}

long jitmap_feed(struct jitmap *j, const char *text, size_t len)
{
	long added = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (j->skip_to_nl)
			j->skip_to_nl = false; /* the tail of a cut line */
		else if (parse_line(j, p, le))
			added++;
		else
			j->skipped++;
		p = nl ? nl + 1 : end;
	}
	return added;
}

long jitmap_update(struct jitmap *j)
{
	int fd = open(j->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	long added = 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -EPERM; /* another user's file: its names are not trusted */
	}
	if ((uint64_t)st.st_size < j->offset)
		j->offset = 0; /* replaced or truncated: read it anew */
	char buf[16384];
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)j->offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		const char *last = memrchr(buf, '\n', (size_t)n);
		size_t use;
		if (last) {
			use = (size_t)(last - buf) + 1;
		} else if ((size_t)n == sizeof(buf)) {
			/* a line longer than the buffer: its head is parsed
			 * (the name cut), the rest skipped up to its newline */
			added += jitmap_feed(j, buf, (size_t)n);
			j->skip_to_nl = true;
			j->offset += (uint64_t)n;
			continue;
		} else {
			break; /* a partial last line: wait for its newline */
		}
		added += jitmap_feed(j, buf, use);
		j->offset += use;
		if ((size_t)n < sizeof(buf) && use == (size_t)n)
			break;
	}
	close(fd);
	return added;
}

static int entry_less(const struct jitmap_entry *a, const struct jitmap_entry *b)
{
	return a->start < b->start || (a->start == b->start && a->seq < b->seq);
}

static void sift(struct jitmap_entry *v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && entry_less(&v[child], &v[child + 1]))
			child++;
		if (!entry_less(&v[root], &v[child]))
			return;
		struct jitmap_entry t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void sort_unique(struct jitmap *j)
{
	struct jitmap_entry *v = j->v;
	size_t n = j->n;
	for (size_t i = n / 2; i-- > 0;)
		sift(v, i, n);
	for (size_t end = n; end-- > 1;) {
		struct jitmap_entry t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift(v, 0, end);
	}
	/* one per start: the latest (the last of equal starts) */
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		if (nd > 0 && v[nd - 1].start == v[i].start) {
			j->name_bytes -= strlen(v[nd - 1].name) + 1;
			j->a.free((void *)v[nd - 1].name, j->a.ctx);
			v[nd - 1] = v[i];
		} else {
			v[nd++] = v[i];
		}
	}
	j->n = nd;
	j->sorted = true;
}

const struct jitmap_entry *jitmap_lookup(struct jitmap *j, uint64_t addr)
{
	if (!j->sorted)
		sort_unique(j);
	size_t lo = 0, hi = j->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* the latest of the entries containing addr, among the few before */
	const struct jitmap_entry *best = NULL;
	for (size_t k = lo; k-- > 0 && lo - k <= 16;) {
		const struct jitmap_entry *e = &j->v[k];
		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best;
}

void jitmap_free(struct jitmap *j)
{
	for (size_t i = 0; i < j->n; i++)
		j->a.free((void *)j->v[i].name, j->a.ctx);
	if (j->v)
		j->a.free(j->v, j->a.ctx);
	j->v = NULL;
	j->n = j->cap = 0;
	j->name_bytes = 0;
	j->sorted = true;
}
