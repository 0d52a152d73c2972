/*
 * test_cfiprog.c: the .eh_frame reader on hand-made CIE/FDE bytes: every
 * supported DW_CFA opcode moves the rule as DWARF says, rows after the pc
 * are not run, remember/restore_state nest, and whatever the walker cannot
 * follow (expressions, a CFA on another register, a return address not at
 * CFA-8, signal frames) says FALLBACK; the .eh_frame_hdr search finds the
 * FDE whose range may hold a pc.
 */
#include "cfiprog.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#define BEGIN 0x1000u
#define RANGE 0x100u

static uint8_t buf[512] __attribute__((aligned(8)));

static size_t put(size_t at, const void *p, size_t n)
{
	memcpy(buf + at, p, n);
	return at + n;
}

static size_t put32(size_t at, uint32_t v) { return put(at, &v, 4); }
static size_t put64(size_t at, uint64_t v) { return put(at, &v, 8); }

/* A CIE (augmentation aug, FDE encoding absptr, data alignment -8, initial
 * rule CFA = rsp+8, return address at CFA-8) at 0 and an FDE for
 * [BEGIN, BEGIN+RANGE) running insns; returns the FDE's offset. */
static size_t build(const char *aug, const uint8_t *insns, size_t n)
{
	memset(buf, 0, sizeof(buf));
	size_t at = put32(0, 0); /* length, set below */
	at = put32(at, 0);       /* CIE id */
	buf[at++] = 1;           /* version */
	at = put(at, aug, strlen(aug) + 1);
	buf[at++] = 1;    /* code alignment */
	buf[at++] = 0x78; /* data alignment: -8 */
	buf[at++] = 16;   /* return address register */
	buf[at++] = (uint8_t)(strlen(aug) - 1); /* augmentation data: one byte per letter */
	for (size_t i = 1; aug[i]; i++)
		buf[at++] = 0x00; /* R: absptr (S takes no byte, but the length still bounds it) */
	static const uint8_t init[] = {0x0c, 7, 8, 0x90, 1}; /* def_cfa rsp+8; ra at cfa-8 */
	at = put(at, init, sizeof(init));
	while (at % 8)
		buf[at++] = 0; /* nop */
	put32(0, (uint32_t)(at - 4));
	size_t fde = at;
	at = put32(at, 0);
	at = put32(at, (uint32_t)(at - 0)); /* CIE pointer: back to 0 */
	at = put64(at, BEGIN);
	at = put64(at, RANGE);
	buf[at++] = 0; /* augmentation data length */
	at = put(at, insns, n);
	while ((at - fde) % 8)
		buf[at++] = 0;
	put32(fde, (uint32_t)(at - fde - 4));
	put32(at, 0); /* terminator */
	return fde;
}

static enum cfiprog_result eval(const uint8_t *insns, size_t n, uintptr_t pc, struct cfiprog_rule *r)
{
	size_t fde = build("zR", insns, n);
	memset(r, 0xa5, sizeof(*r));
	return cfiprog_eval_fde(buf + fde, pc, r);
}

#define RULE(insns, pc, reg, off, saved, rbp)                                                  \
	do {                                                                                   \
		struct cfiprog_rule r_;                                                        \
		ck_assert_int_eq(eval(insns, sizeof(insns), (pc), &r_), CFIPROG_RULE);         \
		ck_assert_int_eq(r_.cfa_reg, (reg));                                           \
		ck_assert_int_eq(r_.cfa_off, (off));                                           \
		ck_assert_int_eq(r_.rbp_saved, (saved));                                       \
		if (saved)                                                                     \
			ck_assert_int_eq(r_.rbp_off, (rbp));                                   \
	} while (0)

#define RSP CFIPROG_REG_RSP
#define RBP CFIPROG_REG_RBP

START_TEST(cie_rule_alone)
{
	static const uint8_t none[] = {0};
	RULE(none, BEGIN, RSP, 8, 0, 0);
	RULE(none, BEGIN + RANGE - 1, RSP, 8, 0, 0);
	struct cfiprog_rule r;
	ck_assert_int_eq(eval(none, 1, BEGIN - 1, &r), CFIPROG_NOT_COVERED);
	ck_assert_int_eq(eval(none, 1, BEGIN + RANGE, &r), CFIPROG_NOT_COVERED);
}
END_TEST

START_TEST(frame_pointer_prologue_and_epilogue)
{
	static const uint8_t p[] = {
		0x41,       /* advance_loc 1 (push %rbp) */
		0x0e, 16,   /* def_cfa_offset 16 */
		0x86, 2,    /* offset rbp at cfa-16 */
		0x43,       /* advance_loc 3 (mov %rsp,%rbp) */
		0x0d, 6,    /* def_cfa_register rbp */
		0x54,       /* advance_loc 20 */
		0x0c, 7, 8, /* def_cfa rsp+8 (after leave) */
	};
	RULE(p, BEGIN, RSP, 8, 0, 0);
	RULE(p, BEGIN + 1, RSP, 16, 1, -16);
	RULE(p, BEGIN + 3, RSP, 16, 1, -16);
	RULE(p, BEGIN + 4, RBP, 16, 1, -16);
	RULE(p, BEGIN + 23, RBP, 16, 1, -16);
	RULE(p, BEGIN + 24, RSP, 8, 1, -16);
}
END_TEST

START_TEST(advance_loc_1_2_4)
{
	static const uint8_t p[] = {
		0x02, 0x10, 0x0e, 16,                   /* advance_loc1 16 */
		0x03, 0x00, 0x01, 0x0e, 24,             /* advance_loc2 256: past the range */
	};
	RULE(p, BEGIN + 15, RSP, 8, 0, 0);
	RULE(p, BEGIN + 16, RSP, 16, 0, 0);
	RULE(p, BEGIN + 0xff, RSP, 16, 0, 0);
	static const uint8_t q[] = {0x04, 0x20, 0x00, 0x00, 0x00, 0x0e, 32}; /* advance_loc4 32 */
	RULE(q, BEGIN + 31, RSP, 8, 0, 0);
	RULE(q, BEGIN + 32, RSP, 32, 0, 0);
}
END_TEST

START_TEST(remember_and_restore_state_nest)
{
	static const uint8_t p[] = {
		0x0e, 16, 0x86, 2, /* rsp+16, rbp at -16 */
		0x0a,              /* remember */
		0x41, 0x0e, 24, 0xc6, /* +1: rsp+24, restore rbp (unchanged) */
		0x0a,              /* remember */
		0x41, 0x0e, 32,    /* +2: rsp+32 */
		0x41, 0x0b,        /* +3: restore: rsp+24, rbp unchanged */
		0x41, 0x0b,        /* +4: restore: rsp+16, rbp at -16 */
	};
	RULE(p, BEGIN, RSP, 16, 1, -16);
	RULE(p, BEGIN + 1, RSP, 24, 0, 0);
	RULE(p, BEGIN + 2, RSP, 32, 0, 0);
	RULE(p, BEGIN + 3, RSP, 24, 0, 0);
	RULE(p, BEGIN + 4, RSP, 16, 1, -16);
	static const uint8_t unbalanced[] = {0x0b};
	struct cfiprog_rule r;
	ck_assert_int_eq(eval(unbalanced, sizeof(unbalanced), BEGIN, &r), CFIPROG_FALLBACK);
}
END_TEST

START_TEST(register_rules)
{
	static const uint8_t ext[] = {0x05, 6, 3, 0x41, 0x06, 6}; /* offset_extended rbp -24; restore_extended */
	RULE(ext, BEGIN, RSP, 8, 1, -24);
	RULE(ext, BEGIN + 1, RSP, 8, 0, 0);
	static const uint8_t sf[] = {0x11, 6, 2, 0x41, 0x08, 6}; /* offset_extended_sf rbp 2*-8; same_value */
	RULE(sf, BEGIN, RSP, 8, 1, -16);
	RULE(sf, BEGIN + 1, RSP, 8, 0, 0);
	static const uint8_t other[] = {0x83, 3, 0x8c, 4, 0x07, 12}; /* rbx, r12 saved; r12 undefined */
	RULE(other, BEGIN, RSP, 8, 0, 0);
}
END_TEST

START_TEST(cfa_rules)
{
	static const uint8_t sf[] = {0x12, 7, 0x7e, 0x41, 0x13, 0x7d}; /* def_cfa_sf rsp -2*-8; def_cfa_offset_sf -3*-8 */
	RULE(sf, BEGIN, RSP, 16, 0, 0);
	RULE(sf, BEGIN + 1, RSP, 24, 0, 0);
	static const uint8_t rbp[] = {0x0c, 6, 16, 0x86, 2}; /* def_cfa rbp+16 */
	RULE(rbp, BEGIN, RBP, 16, 1, -16);
	static const uint8_t nops[] = {0x00, 0x2e, 0x10, 0x00, 0x0e, 16}; /* nop, GNU_args_size 16 */
	RULE(nops, BEGIN, RSP, 16, 0, 0);
}
END_TEST

START_TEST(undefined_return_address_is_outermost)
{
	static const uint8_t p[] = {0x07, 16};
	struct cfiprog_rule r;
	ck_assert_int_eq(eval(p, sizeof(p), BEGIN, &r), CFIPROG_OUTERMOST);
}
END_TEST

START_TEST(unsupported_says_fallback)
{
	static const struct {
		const char *what;
		uint8_t insns[8];
		size_t n;
	} cases[] = {
		{"def_cfa_expression", {0x0f, 1, 0x77}, 3},
		{"expression", {0x10, 6, 1, 0x77}, 4},
		{"val_expression", {0x16, 6, 1, 0x77}, 4},
		{"val_offset", {0x14, 6, 2}, 3},
		{"val_offset_sf", {0x15, 6, 2}, 3},
		{"register", {0x09, 6, 3}, 3},
		{"set_loc", {0x01, 0, 0x10, 0, 0, 0, 0, 0}, 8},
		{"GNU_negative_offset_extended", {0x2f, 6, 2}, 3},
		{"unknown opcode", {0x3f}, 1},
		{"CFA on r10", {0x0d, 10}, 2},
		{"CFA on r10 by def_cfa", {0x0c, 10, 0}, 3},
		{"return address at CFA-16", {0x90, 2}, 2},
		{"return address same value", {0x08, 16}, 2},
		{"rbp undefined", {0x07, 6}, 2},
		{"rbp above the CFA", {0x11, 6, 0x7e}, 3},
		{"register beyond rip", {0x05, 17, 1}, 3},
		{"remember too deep", {0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a}, 8},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfiprog_rule r;
		uint8_t p[9];
		memcpy(p, cases[i].insns, cases[i].n);
		size_t n = cases[i].n;
		if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			p[n++] = 0x0a; /* a ninth remember */
		ck_assert_msg(eval(p, n, BEGIN, &r) == CFIPROG_FALLBACK, "%s: not a fallback", cases[i].what);
	}
	/* an unsupported opcode in a row after the pc is never reached */
	static const uint8_t later[] = {0x0e, 16, 0x41, 0x0f, 1, 0x77};
	RULE(later, BEGIN, RSP, 16, 0, 0);
	struct cfiprog_rule r;
	ck_assert_int_eq(eval(later, sizeof(later), BEGIN + 1, &r), CFIPROG_FALLBACK);
	/* a signal frame's CIE */
	static const uint8_t none[] = {0};
	size_t fde = build("zRS", none, 1);
	ck_assert_int_eq(cfiprog_eval_fde(buf + fde, BEGIN, &r), CFIPROG_FALLBACK);
	/* a CIE is not an FDE */
	build("zR", none, 1);
	ck_assert_int_eq(cfiprog_eval_fde(buf, BEGIN, &r), CFIPROG_FALLBACK);
}
END_TEST

/* A table of two FDEs, pc-relative sdata4 as linkers write them. */
START_TEST(search_table_finds_the_fde)
{
	static uint8_t hdr[64] __attribute__((aligned(8)));
	uintptr_t base = (uintptr_t)hdr;
	hdr[0] = 1;
	hdr[1] = 0x1b; /* eh_frame_ptr: pcrel sdata4 */
	hdr[2] = 0x03; /* count: udata4 */
	hdr[3] = 0x3b; /* table: datarel sdata4 */
	int32_t v[6] = {0, 2, 0x100, 40, 0x200, 48}; /* entries: (pc - hdr, fde - hdr) */
	memcpy(hdr + 4, v, sizeof(v));
	ck_assert_ptr_null(cfiprog_find_fde(hdr, base + 0xff));
	ck_assert_ptr_eq(cfiprog_find_fde(hdr, base + 0x100), hdr + 40);
	ck_assert_ptr_eq(cfiprog_find_fde(hdr, base + 0x1ff), hdr + 40);
	ck_assert_ptr_eq(cfiprog_find_fde(hdr, base + 0x200), hdr + 48);
	ck_assert_ptr_eq(cfiprog_find_fde(hdr, base + 0x100000), hdr + 48);
	hdr[3] = 0x1b; /* another table encoding: not read */
	ck_assert_ptr_null(cfiprog_find_fde(hdr, base + 0x100));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cfiprog");
	TCase *tc = tcase_create("interpreter");
	tcase_add_test(tc, cie_rule_alone);
	tcase_add_test(tc, frame_pointer_prologue_and_epilogue);
	tcase_add_test(tc, advance_loc_1_2_4);
	tcase_add_test(tc, remember_and_restore_state_nest);
	tcase_add_test(tc, register_rules);
	tcase_add_test(tc, cfa_rules);
	tcase_add_test(tc, undefined_return_address_is_outermost);
	tcase_add_test(tc, unsupported_says_fallback);
	tcase_add_test(tc, search_table_finds_the_fde);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
