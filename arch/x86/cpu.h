/* SPDX-License-Identifier: MIT */
/* GDT, TSS, IDT and the exception path. */
#ifndef IOMON_X86_CPU_H
#define IOMON_X86_CPU_H

#include "kernel/types.h"

#define GDT_NULL    0x00
#define GDT_CS      0x08
#define GDT_DS      0x10
#define GDT_TSS     0x18   /* 16-byte system descriptor */

/* Interrupt-stack-table slots: faults that must not run on a possibly broken stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3

#define VEC_DE  0
#define VEC_NMI 2
#define VEC_BP  3
#define VEC_UD  6
#define VEC_DF  8
#define VEC_GP  13
#define VEC_PF  14
#define VEC_MC  18
#define NUM_EXCEPTIONS 32

/* Saved by traps.S, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame matches traps.S");

void cpu_init(void);
/*
 * An application processor's GDT, TSS and IST stacks, in CPU_TABLES_SIZE
 * bytes the caller provides (zeroed here); the IDT is shared.
 */
#define CPU_TABLES_SIZE (7 * 4096)
void cpu_init_ap(void *tables);
/* Called from traps.S. Exceptions in the monitor are fatal. */
void trap_handler(struct trap_frame *f);
const char *exception_name(uint64_t vector);

struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	bool vmx, svm, npt, nx, pdpe1gb, x2apic, invariant_tsc;
	uint8_t phys_addr_bits, virt_addr_bits;
};
extern struct cpu_features cpu_features;
void cpu_detect_features(void);
void cpu_report(void);

#endif
