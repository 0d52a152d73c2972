/*
 * cfiprog.c: CIE/FDE parsing and the CFA-program interpreter (x86-64).
 *
 * Owns the reading of .eh_frame records for cfiunwind.c: the search table
 * of .eh_frame_hdr, the CIE's augmentation (z, R, P, L; S, a signal frame,
 * and anything unknown fall back), and the DW_CFA opcodes that compilers
 * emit for ordinary functions. Only rsp, rbp and the return address are
 * followed; the other registers' rules are read and dropped (the CFA never
 * depends on them, or the rule falls back).
 * Invariants: (1) pure: no global state, never allocates, no syscall, no
 * lock: async-signal-safe; (2) every read stays inside the record being
 * read (its length field bounds it), the table inside its declared count;
 * (3) an opcode, encoding or rule it does not know gives CFIPROG_FALLBACK,
 * never a guess.
 */
#include "cfiprog.h"

#include <stddef.h>
#include <string.h>

#define DW_EH_PE_omit 0xff
#define DW_EH_PE_absptr 0x00
#define DW_EH_PE_uleb128 0x01
#define DW_EH_PE_udata2 0x02
#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_udata8 0x04
#define DW_EH_PE_sleb128 0x09
#define DW_EH_PE_sdata2 0x0a
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_sdata8 0x0c
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30

/* A bounded byte reader: any read past end sets bad and returns 0. */
struct rd {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t rd_bytes(struct rd *r, unsigned n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, r->p, n); /* little-endian */
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		if (r->bad || r->p >= r->end || shift > 63) {
			r->bad = 1;
			return 0;
		}
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t rd_sleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		if (r->bad || r->p >= r->end || shift > 63) {
			r->bad = 1;
			return 0;
		}
		b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* An encoded pointer: absolute or pc-relative (indirect and the other bases
 * are never used for pc_begin in .eh_frame: they set bad). value_only: the
 * FDE's pc_range, which uses the format but not the base. */
static uint64_t rd_encoded(struct rd *r, uint8_t enc, int value_only)
{
	uintptr_t here = (uintptr_t)r->p;
	uint64_t v;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: v = rd_bytes(r, 8); break;
	case DW_EH_PE_uleb128: v = rd_uleb(r); break;
	case DW_EH_PE_udata2: v = rd_bytes(r, 2); break;
	case DW_EH_PE_udata4: v = rd_bytes(r, 4); break;
	case DW_EH_PE_udata8: v = rd_bytes(r, 8); break;
	case DW_EH_PE_sleb128: v = (uint64_t)rd_sleb(r); break;
	case DW_EH_PE_sdata2: v = (uint64_t)(int64_t)(int16_t)rd_bytes(r, 2); break;
	case DW_EH_PE_sdata4: v = (uint64_t)(int64_t)(int32_t)rd_bytes(r, 4); break;
	case DW_EH_PE_sdata8: v = rd_bytes(r, 8); break;
	default: r->bad = 1; return 0;
	}
	if (value_only)
		return v;
	switch (enc & 0x70) {
	case 0: break;
	case DW_EH_PE_pcrel: v += here; break;
	default: r->bad = 1; return 0;
	}
	if (enc & 0x80) /* indirect */
		r->bad = 1;
	return v;
}

/* A record's body: [p, end) after its 4-byte length; 64-bit records and
 * the zero terminator give 0. */
static int record(const uint8_t *at, struct rd *out)
{
	uint32_t len;
	memcpy(&len, at, 4);
	if (len == 0 || len == 0xffffffffu)
		return 0;
	out->p = at + 4;
	out->end = at + 4 + len;
	out->bad = 0;
	return 1;
}

enum how { HOW_SAME, HOW_OFFSET, HOW_UNDEF };

struct state {
	int cfa_reg;
	int64_t cfa_off;
	int rbp_how, ra_how;
	int64_t rbp_off, ra_off;
};

#define REMEMBER_MAX 8

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	int has_z;
	const uint8_t *insns, *insns_end;
};

static int parse_cie(const uint8_t *at, struct cie *c)
{
	struct rd r;
	if (!record(at, &r))
		return -1;
	if (rd_bytes(&r, 4) != 0) /* CIE id */
		return -1;
	unsigned version = (unsigned)rd_bytes(&r, 1);
	if (version != 1 && version != 3)
		return -1;
	const char *aug = (const char *)r.p;
	size_t alen = 0;
	while (r.p + alen < r.end && aug[alen])
		alen++;
	if (r.p + alen >= r.end)
		return -1;
	r.p += alen + 1;
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	uint64_t ra = version == 1 ? rd_bytes(&r, 1) : rd_uleb(&r);
	if (ra != CFIPROG_REG_RA)
		return -1;
	c->fde_enc = DW_EH_PE_absptr;
	c->has_z = 0;
	if (alen > 0) {
		if (aug[0] != 'z')
			return -1;
		c->has_z = 1;
		uint64_t zlen = rd_uleb(&r);
		if (r.bad || zlen > (uint64_t)(r.end - r.p))
			return -1;
		struct rd z = {.p = r.p, .end = r.p + zlen};
		for (size_t i = 1; i < alen; i++) {
			switch (aug[i]) {
			case 'R': c->fde_enc = (uint8_t)rd_bytes(&z, 1); break;
			case 'L': rd_bytes(&z, 1); break;
			case 'P': {
				uint8_t enc = (uint8_t)rd_bytes(&z, 1);
				rd_encoded(&z, enc & 0x7f, 1); /* skipped: only its size matters */
				break;
			}
			default: return -1; /* S (signal frame), B, unknown */
			}
		}
		if (z.bad)
			return -1;
		r.p += zlen;
	}
	if (r.bad || c->code_align == 0)
		return -1;
	c->insns = r.p;
	c->insns_end = r.end;
	return 0;
}

static int set_reg(struct state *s, uint64_t reg, int how, int64_t off)
{
	if (reg == CFIPROG_REG_RBP) {
		s->rbp_how = how;
		s->rbp_off = off;
	} else if (reg == CFIPROG_REG_RA) {
		s->ra_how = how;
		s->ra_off = off;
	} else if (reg > CFIPROG_REG_RA) {
		return -1; /* not a general register of x86-64 */
	}
	return 0;
}

static void restore_reg(struct state *s, const struct state *init, uint64_t reg)
{
	if (reg == CFIPROG_REG_RBP) {
		s->rbp_how = init->rbp_how;
		s->rbp_off = init->rbp_off;
	} else if (reg == CFIPROG_REG_RA) {
		s->ra_how = init->ra_how;
		s->ra_off = init->ra_off;
	}
}

/*
 * Runs a CFA program on s until the location passes pc (init: the CIE's
 * state for DW_CFA_restore; NULL while running the CIE itself, where an
 * advance or a restore falls back). 0, or -1 to fall back.
 */
static int run(struct rd *r, struct state *s, const struct state *init, const struct cie *c,
	       uintptr_t loc, uintptr_t pc)
{
	struct state stack[REMEMBER_MAX];
	unsigned depth = 0;
	while (r->p < r->end) {
		uint8_t op = (uint8_t)rd_bytes(r, 1);
		uint64_t delta = 0, reg;
		int64_t off;
		switch (op & 0xc0) {
		case 0x40: delta = op & 0x3f; goto advance;
		case 0x80:
			off = (int64_t)rd_uleb(r) * c->data_align;
			if (set_reg(s, op & 0x3f, HOW_OFFSET, off))
				return -1;
			continue;
		case 0xc0:
			if (!init)
				return -1;
			restore_reg(s, init, op & 0x3f);
			continue;
		}
		switch (op) {
		case 0x00: break; /* nop */
		case 0x02: delta = rd_bytes(r, 1); goto advance;
		case 0x03: delta = rd_bytes(r, 2); goto advance;
		case 0x04: delta = rd_bytes(r, 4); goto advance;
		case 0x05: /* offset_extended */
			reg = rd_uleb(r);
			off = (int64_t)rd_uleb(r) * c->data_align;
			if (set_reg(s, reg, HOW_OFFSET, off))
				return -1;
			break;
		case 0x06: /* restore_extended */
			reg = rd_uleb(r);
			if (!init)
				return -1;
			restore_reg(s, init, reg);
			break;
		case 0x07: /* undefined */
			if (set_reg(s, rd_uleb(r), HOW_UNDEF, 0))
				return -1;
			break;
		case 0x08: /* same_value */
			if (set_reg(s, rd_uleb(r), HOW_SAME, 0))
				return -1;
			break;
		case 0x0a: /* remember_state */
			if (depth == REMEMBER_MAX)
				return -1;
			stack[depth++] = *s;
			break;
		case 0x0b: /* restore_state: the whole row, CFA included (as libgcc
			    * and libunwind do, and as GCC's and LLVM's output expects) */
			if (depth == 0)
				return -1;
			*s = stack[--depth];
			break;
		case 0x0c: /* def_cfa */
			s->cfa_reg = (int)rd_uleb(r);
			s->cfa_off = (int64_t)rd_uleb(r);
			break;
		case 0x0d: /* def_cfa_register */
			s->cfa_reg = (int)rd_uleb(r);
			break;
		case 0x0e: /* def_cfa_offset */
			s->cfa_off = (int64_t)rd_uleb(r);
			break;
		case 0x11: /* offset_extended_sf */
			reg = rd_uleb(r);
			off = rd_sleb(r) * c->data_align;
			if (set_reg(s, reg, HOW_OFFSET, off))
				return -1;
			break;
		case 0x12: /* def_cfa_sf */
			s->cfa_reg = (int)rd_uleb(r);
			s->cfa_off = rd_sleb(r) * c->data_align;
			break;
		case 0x13: /* def_cfa_offset_sf */
			s->cfa_off = rd_sleb(r) * c->data_align;
			break;
		case 0x2e: /* GNU_args_size: what a landing pad pops, not the CFA */
			rd_uleb(r);
			break;
		default: /* set_loc, register, expressions, val_*, negative_offset... */
			return -1;
		}
		if (r->bad)
			return -1;
		continue;
advance:
		if (r->bad || !init)
			return -1;
		if (delta * c->code_align > pc - loc)
			return 0; /* the next row starts past pc */
		loc += delta * c->code_align;
	}
	return r->bad ? -1 : 0;
}

enum cfiprog_result cfiprog_eval_fde(const uint8_t *fde, uintptr_t pc, struct cfiprog_rule *out)
{
	struct rd r;
	if (!record(fde, &r))
		return CFIPROG_FALLBACK;
	const uint8_t *idp = r.p;
	uint32_t cie_ptr = (uint32_t)rd_bytes(&r, 4);
	if (cie_ptr == 0 || cie_ptr > (uintptr_t)idp)
		return CFIPROG_FALLBACK; /* a CIE, not an FDE */
	struct cie c;
	if (parse_cie(idp - cie_ptr, &c) != 0)
		return CFIPROG_FALLBACK;
	uintptr_t begin = (uintptr_t)rd_encoded(&r, c.fde_enc, 0);
	uintptr_t range = (uintptr_t)rd_encoded(&r, c.fde_enc, 1);
	if (r.bad)
		return CFIPROG_FALLBACK;
	if (pc < begin || pc - begin >= range)
		return CFIPROG_NOT_COVERED;
	if (c.has_z) {
		uint64_t zlen = rd_uleb(&r);
		if (r.bad || zlen > (uint64_t)(r.end - r.p))
			return CFIPROG_FALLBACK;
		r.p += zlen;
	}
	struct state s = {.cfa_reg = -1, .rbp_how = HOW_SAME, .ra_how = HOW_SAME};
	struct rd ci = {.p = c.insns, .end = c.insns_end};
	if (run(&ci, &s, NULL, &c, begin, pc) != 0)
		return CFIPROG_FALLBACK;
	struct state init = s;
	if (run(&r, &s, &init, &c, begin, pc) != 0)
		return CFIPROG_FALLBACK;
	if (s.ra_how == HOW_UNDEF)
		return CFIPROG_OUTERMOST;
	if (s.ra_how != HOW_OFFSET || s.ra_off != -8)
		return CFIPROG_FALLBACK;
	if (s.cfa_reg != CFIPROG_REG_RSP && s.cfa_reg != CFIPROG_REG_RBP)
		return CFIPROG_FALLBACK;
	if (s.rbp_how == HOW_UNDEF || (s.rbp_how == HOW_OFFSET && s.rbp_off >= 0))
		return CFIPROG_FALLBACK;
	out->cfa_reg = s.cfa_reg;
	out->cfa_off = s.cfa_off;
	out->rbp_saved = s.rbp_how == HOW_OFFSET;
	out->rbp_off = out->rbp_saved ? s.rbp_off : 0;
	return CFIPROG_RULE;
}

const uint8_t *cfiprog_find_fde(const uint8_t *hdr, uintptr_t pc)
{
	if (hdr[0] != 1)
		return NULL;
	uint8_t ptr_enc = hdr[1], count_enc = hdr[2], table_enc = hdr[3];
	if (table_enc != (DW_EH_PE_datarel | DW_EH_PE_sdata4) || ptr_enc == DW_EH_PE_omit ||
	    count_enc == DW_EH_PE_omit)
		return NULL;
	struct rd r = {.p = hdr + 4, .end = hdr + 4 + 16}; /* two pointers at most 8 bytes each */
	rd_encoded(&r, ptr_enc, 0);
	uint64_t count = rd_encoded(&r, count_enc, 0);
	if (r.bad || count == 0 || count > (1u << 28))
		return NULL;
	const uint8_t *table = r.p;
	int64_t key = (int64_t)(pc - (uintptr_t)hdr);
	size_t lo = 0, hi = (size_t)count; /* the answer is in [lo, hi) */
	int32_t e[2];
	memcpy(e, table, 8);
	if (key < e[0])
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		memcpy(e, table + mid * 8, 8);
		if (e[0] <= key)
			lo = mid;
		else
			hi = mid;
	}
	memcpy(e, table + lo * 8, 8);
	return hdr + e[1];
}
