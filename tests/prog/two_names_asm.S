/* two_names_asm.S: for tests/integration/tools-name-functions-as-the-host.sh.
 * One function with two sized names at one address, as hand-written entry
 * points are labelled: the local FUNC asm_keep and the global NOTYPE
 * zz_notype_entry. asm_keep(n) returns malloc(n) and keeps its frame
 * (the call is not a tail call), so the allocation's call site lies in it;
 * CFI directives let unwinders step through it. */
	.text
	.type	asm_keep, @function
asm_keep:
	.globl	zz_notype_entry
zz_notype_entry:
	.cfi_startproc
	push	%rbx
	.cfi_def_cfa_offset 16
	.cfi_offset %rbx, -16
	call	malloc@PLT
	nop
	pop	%rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	asm_keep, .-asm_keep
	.size	zz_notype_entry, .-zz_notype_entry

	.globl	call_keep
	.type	call_keep, @function
call_keep:
	.cfi_startproc
	jmp	asm_keep
	.cfi_endproc
	.size	call_keep, .-call_keep
	.section .note.GNU-stack,"",@progbits
