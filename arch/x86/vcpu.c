// SPDX-License-Identifier: MIT
/* Choosing the vcpu backend at boot (vcpu.h), from the decision in vcpu_caps.c. */
#define LOG_TAG "vcpu"
#include "arch/x86/vcpu.h"
#include "arch/x86/vcpu_caps.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/io.h"
#include "kernel/log.h"
#include "kernel/options.h"

static void hw_cpuid(void *ctx, uint32_t leaf, uint32_t r[4])
{
	(void)ctx;
	cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
}

static uint64_t hw_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	return rdmsr(msr);
}

const struct vcpu_ops *vcpu_backend_probe(void)
{
	const struct vcpu_caps_hw hw = { hw_cpuid, hw_rdmsr, NULL };
	struct vcpu_caps caps;

	vcpu_caps_decide(&hw, &caps);
	switch (caps.kind) {
	case VCPU_BACKEND_SVM:
		pr_info("virtualization: SVM with nested paging");
		return &svm_vcpu_ops;
	case VCPU_BACKEND_VMX:
		if (caps.lock_feature_control)
			wrmsr(MSR_IA32_FEATURE_CONTROL, rdmsr(MSR_IA32_FEATURE_CONTROL) |
			      FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
		vmx_configure(caps.vpid, caps.invept_single);
		pr_info("virtualization: VMX with EPT, unrestricted guest, INVEPT %s, VPID %s%s",
			caps.invept_single ? "single-context" : "all-contexts", caps.vpid ? "on" : "off",
			caps.lock_feature_control ? " (IA32_FEATURE_CONTROL locked here)" : "");
		return &vmx_vcpu_ops;
	case VCPU_BACKEND_NONE:
		break;
	}
	pr_err("no partition can run: this CPU lacks %s", caps.missing);
	return NULL;
}

bool vcpu_backend_has_periodic_exit(void)
{
	const struct vcpu_caps_hw hw = { hw_cpuid, hw_rdmsr, NULL };
	struct vcpu_caps caps;

	vcpu_caps_decide(&hw, &caps);
	/* vmx.c turns the timer on whenever the CPU can (selftest=kick runs without it). */
	return caps.kind == VCPU_BACKEND_VMX && boot_options.selftest != SELFTEST_KICK &&
	       (VMX_CTL_MAY1(rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS)) & PIN_PREEMPTION_TIMER);
}
