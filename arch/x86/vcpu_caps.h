/* SPDX-License-Identifier: MIT */
/*
 * Which vcpu backend this CPU can run, decided from CPUID and MSR values
 * alone (pure logic, unit-tested on the host with fake values). The reads
 * go through callbacks, in an order that never touches an MSR the CPU does
 * not implement (a VMX capability MSR on a CPU without VMX raises #GP).
 */
#ifndef IOMON_X86_VCPU_CAPS_H
#define IOMON_X86_VCPU_CAPS_H

#include "kernel/types.h"

struct vcpu_caps_hw {
	void (*cpuid)(void *ctx, uint32_t leaf, uint32_t regs[4]);   /* EAX, EBX, ECX, EDX */
	uint64_t (*rdmsr)(void *ctx, uint32_t msr);
	void *ctx;
};

enum vcpu_backend_kind {
	VCPU_BACKEND_NONE,
	VCPU_BACKEND_SVM,
	VCPU_BACKEND_VMX,
};

struct vcpu_caps {
	enum vcpu_backend_kind kind;
	const char *missing;        /* NONE: the capability that is missing, for the error line */
	bool lock_feature_control;  /* VMX: IA32_FEATURE_CONTROL is unlocked; lock it with VMX on */
	bool vpid;                  /* VMX: VPID and INVVPID (single-context or all) usable */
	bool invept_single;         /* VMX: single-context INVEPT (else all-contexts) */
};

/*
 * SVM when the CPU says SVM, else VMX when it says VMX; then every
 * capability the chosen backend needs must be there. On failure kind is
 * VCPU_BACKEND_NONE and `missing` names the first capability absent.
 */
void vcpu_caps_decide(const struct vcpu_caps_hw *hw, struct vcpu_caps *out);

#define CPUID_80000001_ECX_SVM  BIT(2)
#define CPUID_8000000A_EDX_NP   BIT(0)
#define MSR_VM_CR               0xc0010114
#define  VM_CR_SVMDIS           BIT(4)

#endif
