/* cfi_plugin.c: built twice as plugins of cfi_stacks.cc, A and B
 * (-DCFI_PLUGIN_B). plugin_alloc is written in assembly so that both have
 * the same code layout up to the call of malloc, hence the same return
 * address when B is mapped where A was, under different unwind rules: A
 * keeps a frame pointer (CFA = rbp+16), B a 4 KiB frame (CFA = rsp+4112).
 * A rule cached for A and kept after its dlclose would walk B's frames
 * wrong, or give up. */
#include <stdlib.h>

__asm__(".text\n"
	".globl plugin_alloc\n"
	".type plugin_alloc, @function\n"
	".p2align 4\n"
	"plugin_alloc:\n"
	".cfi_startproc\n"
#ifndef CFI_PLUGIN_B
	"push %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"mov %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"sub $16, %rsp\n"
	"call malloc@PLT\n"
	"leave\n"
	".cfi_def_cfa %rsp, 8\n"
	"ret\n"
#else
	"sub $4104, %rsp\n" /* 7 bytes: with the nop, as long as A's 8 */
	".cfi_def_cfa_offset 4112\n"
	"nop\n"
	"call malloc@PLT\n"
	"add $4104, %rsp\n"
	".cfi_def_cfa_offset 8\n"
	"ret\n"
#endif
	".cfi_endproc\n"
	".size plugin_alloc, .-plugin_alloc\n");
