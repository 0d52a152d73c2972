/*
 * cfiprog.h: .eh_frame reading for the table-driven unwinder (x86-64).
 *
 * Owns the parsing of a module's .eh_frame_hdr search table, of CIE/FDE
 * records and the interpretation of their CFA programs up to a pc, reduced
 * to the one rule the walker needs: CFA = rsp+N or rbp+N, the return address
 * at CFA-8, rbp saved at CFA-M or unchanged. Anything else says FALLBACK.
 * Context: any thread (cfiunwind.c's cache miss, under dl_iterate_phdr so
 * the module stays mapped; unit tests on hand-made bytes).
 * Invariants: (1) pure: no global state, never allocates, no syscall, no
 * lock, async-signal-safe; (2) reads only the records it is given (their
 * own lengths bound every read) and the search table's declared entries.
 */
#ifndef HEAPSNAP_CFIPROG_H
#define HEAPSNAP_CFIPROG_H

#include <stdint.h>

/* DWARF register numbers of x86-64 */
#define CFIPROG_REG_RBP 6
#define CFIPROG_REG_RSP 7
#define CFIPROG_REG_RA 16

enum cfiprog_result {
	CFIPROG_RULE = 0,       /* *out holds the frame's rule */
	CFIPROG_OUTERMOST = 1,  /* the return address is undefined: the stack ends here */
	CFIPROG_FALLBACK = -1,  /* something this reader does not follow */
	CFIPROG_NOT_COVERED = -2, /* the pc is outside the FDE */
};

struct cfiprog_rule {
	int cfa_reg;      /* CFIPROG_REG_RSP or CFIPROG_REG_RBP */
	int64_t cfa_off;  /* CFA = cfa_reg + cfa_off */
	int rbp_saved;    /* 1: the caller's rbp is at CFA + rbp_off; 0: rbp unchanged */
	int64_t rbp_off;
};

/* Context: any. fde points at an FDE's length field in mapped memory (its
 * CIE is found through its CIE pointer). The rule in force at pc. */
enum cfiprog_result cfiprog_eval_fde(const uint8_t *fde, uintptr_t pc, struct cfiprog_rule *out);

/* Context: any. hdr points at a module's .eh_frame_hdr (PT_GNU_EH_FRAME).
 * The FDE whose range may hold pc (the entry with the greatest initial
 * location <= pc), or NULL when there is none or the table's encoding is
 * not the usual datarel sdata4 one. */
const uint8_t *cfiprog_find_fde(const uint8_t *hdr, uintptr_t pc);

#endif
