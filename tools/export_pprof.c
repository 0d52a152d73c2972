/*
 * export_pprof.c: a gzipped pprof profile.proto of a snapshot's heap.
 *
 * Owns a minimal protobuf encoder (varints, length-delimited fields, in a
 * growable buffer) and the Profile message as Go's runtime/pprof writes
 * heap profiles: sample types alloc_objects/count, alloc_space/bytes,
 * inuse_objects/count, inuse_space/bytes (inuse_space the default),
 * period_type space/bytes, period = the snapshot's sample rate; one mapping
 * per module with its build-id; a location per distinct (module, address)
 * with one line per inline level, innermost first; one function per
 * (name, file); a labelled stack's sample carries the label "label" with
 * its name as the string value (go tool pprof -tags, -tagfocus).
 * Main thread only.
 * Invariants: (1) ids of mappings, locations and functions are non-zero,
 * unique and every referenced id exists (pprof's CheckValid); (2) every
 * sample has exactly four values; (3) string_table[0] is ""; (4) values
 * are the snapshot's unbiased estimates as stored, never rescaled; with a
 * base, the base's samples are written negated (what `pprof -base` does),
 * so the profile is new minus old.
 */
#include "export.h"

#include "msgs.h"
#include "snapread.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 4096;
		b->p = msgs_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void varint(struct buf *b, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;

	do {
		t[n] = v & 0x7f;
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	put(b, t, n);
}

static void field_varint(struct buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return; /* proto3 default */
	varint(b, (uint64_t)field << 3);
	varint(b, v);
}

static void field_bytes(struct buf *b, unsigned field, const void *d, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2);
	varint(b, n);
	put(b, d, n);
}

static void field_msg(struct buf *b, unsigned field, struct buf *m)
{
	field_bytes(b, field, m->p, m->len);
	m->len = 0;
}

/* String table with a hash index (invariant 3: entry 0 is ""). */
struct strtab {
	char **s;
	size_t len, cap;
	int64_t *idx;
	size_t hcap;
};

static uint64_t hstr(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int64_t intern(struct strtab *t, const char *s)
{
	size_t h;

	if (!s || !*s)
		return 0;
	if (2 * (t->len + 1) > t->hcap) {
		size_t ncap = t->hcap ? 2 * t->hcap : 1024;

		free(t->idx);
		t->idx = msgs_xmalloc(ncap * sizeof(*t->idx));
		for (size_t i = 0; i < ncap; i++)
			t->idx[i] = -1;
		t->hcap = ncap;
		for (size_t i = 1; i < t->len; i++) {
			h = hstr(t->s[i]) & (ncap - 1);
			while (t->idx[h] >= 0)
				h = (h + 1) & (ncap - 1);
			t->idx[h] = (int64_t)i;
		}
	}
	h = hstr(s) & (t->hcap - 1);
	while (t->idx[h] >= 0) {
		if (!strcmp(t->s[t->idx[h]], s))
			return t->idx[h];
		h = (h + 1) & (t->hcap - 1);
	}
	if (t->len == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->s = msgs_xrealloc(t->s, t->cap * sizeof(*t->s));
	}
	t->s[t->len] = msgs_xstrdup(s);
	t->idx[h] = (int64_t)t->len;
	return (int64_t)t->len++;
}

/* Keyed id tables: functions by (name, file) string ids, locations by
 * (mapping, address, first function, depth of the inline chain). A small
 * open-addressing map from a 4-word key to an id. */
struct idmap {
	uint64_t (*k)[4];
	uint64_t *id;
	size_t len, cap;
};

static uint64_t hkey(const uint64_t k[4])
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < 4; i++)
		h = (h ^ k[i]) * 1099511628211ull, h ^= h >> 29;
	return h;
}

/* Returns the id of k, or 0 after storing k with id next (len + 1). */
static uint64_t idmap_get(struct idmap *m, const uint64_t k[4], uint64_t *fresh)
{
	size_t h;

	if (2 * (m->len + 1) > m->cap) {
		struct idmap o = *m;

		m->cap = o.cap ? 2 * o.cap : 1024;
		m->k = msgs_xmalloc(m->cap * sizeof(*m->k));
		m->id = msgs_xmalloc(m->cap * sizeof(*m->id));
		memset(m->id, 0, m->cap * sizeof(*m->id));
		for (size_t i = 0; i < o.cap; i++) {
			if (!o.id[i])
				continue;
			h = hkey(o.k[i]) & (m->cap - 1);
			while (m->id[h])
				h = (h + 1) & (m->cap - 1);
			memcpy(m->k[h], o.k[i], sizeof(*m->k));
			m->id[h] = o.id[i];
		}
		free(o.k);
		free(o.id);
	}
	h = hkey(k) & (m->cap - 1);
	while (m->id[h]) {
		if (!memcmp(m->k[h], k, sizeof(*m->k)))
			return m->id[h];
		h = (h + 1) & (m->cap - 1);
	}
	memcpy(m->k[h], k, sizeof(*m->k));
	m->id[h] = ++m->len;
	*fresh = m->id[h];
	return 0;
}

struct pprof {
	struct buf out, msg, sub, packed;
	struct strtab st;
	struct idmap funcs, locs;
	struct snapread_module *mods;
	size_t nmods;
};

static uint64_t mapping_of(const struct pprof *p, const struct snapread_frame *f)
{
	if (!f->module)
		return 0;
	for (size_t i = 0; i < p->nmods; i++)
		if (p->mods[i].path && !strcmp(p->mods[i].path, f->module))
			return i + 1;
	return 0;
}

static uint64_t function_id(struct pprof *p, const struct snapread_frame *f)
{
	char name[600];
	uint64_t k[4] = { 0 }, fresh = 0, id;

	if (f->function)
		snprintf(name, sizeof(name), "%s", f->function);
	else if (f->module_base && f->has_offset)
		snprintf(name, sizeof(name), "%s+0x%llx", f->module_base,
			 (unsigned long long)f->offset);
	else if (f->jit)
		snprintf(name, sizeof(name), "[jit] 0x%llx", (unsigned long long)f->address);
	else
		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)f->address);
	k[0] = (uint64_t)intern(&p->st, name);
	k[1] = (uint64_t)intern(&p->st, f->file);
	id = idmap_get(&p->funcs, k, &fresh);
	if (id)
		return id;
	/* Function { 1 id; 2 name; 3 system_name; 4 filename } */
	field_varint(&p->sub, 1, fresh);
	field_varint(&p->sub, 2, k[0]);
	field_varint(&p->sub, 3, k[0]);
	field_varint(&p->sub, 4, k[1]);
	field_msg(&p->out, 5, &p->sub);
	return fresh;
}

/* The location of frames f[0..n) (the inline levels of one address,
 * innermost first). */
static uint64_t location_id(struct pprof *p, const struct snapread_frame *f, size_t n)
{
	uint64_t fn[64], k[4], fresh = 0, id, h = 0;
	uint64_t map = mapping_of(p, f);
	uint64_t addr = f->address ? f->address - 1 : 0; /* inside the call */

	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++) {
		fn[i] = function_id(p, &f[i]);
		h = (h ^ fn[i] ^ ((uint64_t)f[i].line << 32)) * 1099511628211ull;
	}
	k[0] = map;
	k[1] = addr;
	k[2] = h;
	k[3] = n;
	id = idmap_get(&p->locs, k, &fresh);
	if (id)
		return id;
	/* Location { 1 id; 2 mapping_id; 3 address; 4 repeated Line } */
	field_varint(&p->msg, 1, fresh);
	field_varint(&p->msg, 2, map);
	field_varint(&p->msg, 3, addr);
	for (size_t i = 0; i < n; i++) {
		/* Line { 1 function_id; 2 line } */
		struct buf line = { 0 };

		field_varint(&line, 1, fn[i]);
		field_varint(&line, 2, (uint64_t)(f[i].line > 0 ? f[i].line : 0));
		field_bytes(&p->msg, 4, line.p, line.len);
		free(line.p);
	}
	field_msg(&p->out, 4, &p->msg);
	return fresh;
}

static int add_samples(struct pprof *p, struct snapread *s, int sign)
{
	struct snapread_pstack *v;
	size_t n;

	if (snapread_profile(s, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct snapread_pstack *st = &v[i];
		int64_t val[4] = { st->alloc_count, st->alloc_bytes, st->live_count, st->live_bytes };
		struct buf locs = { 0 };

		for (size_t a = 0; a < st->nframes;) {
			size_t b = a + 1;

			while (b < st->nframes && st->loc[b] == st->loc[a])
				b++;
			varint(&locs, location_id(p, &st->frames[a], b - a));
			a = b;
		}
		/* Sample { 1 packed location_id (leaf first); 2 packed value } */
		if (locs.len)
			field_bytes(&p->packed, 1, locs.p, locs.len);
		free(locs.p);
		locs = (struct buf){ 0 };
		for (int k = 0; k < 4; k++)
			varint(&locs, (uint64_t)(sign * val[k]));
		field_bytes(&p->packed, 2, locs.p, locs.len);
		free(locs.p);
		if (st->label) {
			/* Sample { 3 Label { 1 key; 2 str } } (string table indices) */
			field_varint(&p->sub, 1, (uint64_t)intern(&p->st, "label"));
			field_varint(&p->sub, 2, (uint64_t)intern(&p->st, st->label));
			field_msg(&p->packed, 3, &p->sub);
		}
		field_msg(&p->out, 2, &p->packed);
	}
	snapread_profile_free(v, n);
	return 0;
}

static void value_type(struct pprof *p, unsigned field, const char *type, const char *unit)
{
	field_varint(&p->sub, 1, (uint64_t)intern(&p->st, type));
	field_varint(&p->sub, 2, (uint64_t)intern(&p->st, unit));
	field_msg(&p->out, field, &p->sub);
}

static int write_gzip(const char *path, const struct buf *b)
{
	gzFile gz = gzopen(path, "wb9");
	int ok;

	if (!gz)
		return msgs_error("cannot write '%s': %s", path, strerror(errno ? errno : ENOMEM));
	ok = b->len == 0 || gzwrite(gz, b->p, (unsigned)b->len) == (int)b->len;
	if (gzclose(gz) != Z_OK || !ok)
		return msgs_error("cannot write '%s': %s; check the disk space and the "
				  "directory's permissions", path, strerror(errno ? errno : EIO));
	return 0;
}

int export_pprof(const char *path, struct snapread *old, struct snapread *new)
{
	struct pprof p;
	double t = snapread_meta_real(new, "time", NAN);
	int64_t sample = snapread_meta_int(new, "sample", 0);
	const char *exe = snapread_meta_text(new, "exe");
	char comment[1200];
	size_t *order = NULL, no = 0;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.st.cap = 256;
	p.st.s = msgs_xmalloc(p.st.cap * sizeof(*p.st.s));
	p.st.s[p.st.len++] = msgs_xstrdup(""); /* invariant 3 */

	/* sample types: the order and names of Go's heap profiles */
	value_type(&p, 1, "alloc_objects", "count");
	value_type(&p, 1, "alloc_space", "bytes");
	value_type(&p, 1, "inuse_objects", "count");
	value_type(&p, 1, "inuse_space", "bytes");

	if (snapread_modules(new, &p.mods, &p.nmods) < 0)
		goto out;
	/* Mapping { 1 id; 2 start; 3 limit; 4 offset; 5 filename; 6 build_id;
	 * 7..10 has_functions, has_filenames, has_line_numbers, has_inline } ;
	 * the main executable first, by pprof's convention */
	order = msgs_xmalloc((p.nmods ? p.nmods : 1) * sizeof(*order));
	for (size_t i = 0; i < p.nmods; i++)
		if (exe && p.mods[i].path && !strcmp(p.mods[i].path, exe))
			order[no++] = i;
	for (size_t i = 0; i < p.nmods; i++)
		if (!(exe && p.mods[i].path && !strcmp(p.mods[i].path, exe)))
			order[no++] = i;
	for (size_t j = 0; j < no; j++) {
		const struct snapread_module *m = &p.mods[order[j]];

		field_varint(&p.sub, 1, order[j] + 1);
		field_varint(&p.sub, 2, m->load_address);
		field_varint(&p.sub, 3, m->load_address + (m->size ? m->size : 1));
		field_varint(&p.sub, 5, (uint64_t)intern(&p.st, m->path));
		field_varint(&p.sub, 6, (uint64_t)intern(&p.st, m->build_id));
		field_varint(&p.sub, 7, 1);
		field_varint(&p.sub, 8, 1);
		field_varint(&p.sub, 9, 1);
		field_varint(&p.sub, 10, 1);
		field_msg(&p.out, 3, &p.sub);
	}

	if (add_samples(&p, new, 1) < 0 || (old && add_samples(&p, old, -1) < 0))
		goto out;

	/* 9 time_nanos; 11 period_type; 12 period; 13 comment; 14 default */
	if (!isnan(t) && t > 0 && t < 1e10)
		field_varint(&p.out, 9, (uint64_t)(t * 1e9));
	value_type(&p, 11, "space", "bytes");
	field_varint(&p.out, 12, (uint64_t)(sample > 0 ? sample : 1));
	snprintf(comment, sizeof(comment), "heapsnap export of %s%s%s", new->path,
		 old ? " minus " : "", old ? old->path : "");
	field_varint(&p.out, 13, (uint64_t)intern(&p.st, comment));
	field_varint(&p.out, 14, (uint64_t)intern(&p.st, "inuse_space"));
	/* 6 string_table, last: the other fields have interned everything */
	for (size_t i = 0; i < p.st.len; i++)
		field_bytes(&p.out, 6, p.st.s[i], strlen(p.st.s[i]));
	rc = write_gzip(path, &p.out);
out:
	free(order);
	free(p.out.p);
	free(p.msg.p);
	free(p.sub.p);
	free(p.packed.p);
	for (size_t i = 0; i < p.st.len; i++)
		free(p.st.s[i]);
	free(p.st.s);
	free(p.st.idx);
	free(p.funcs.k);
	free(p.funcs.id);
	free(p.locs.k);
	free(p.locs.id);
	snapread_modules_free(p.mods, p.nmods);
	return rc;
}
