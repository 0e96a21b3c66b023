// SPDX-License-Identifier: MIT
/*
 * The backend decision (vcpu_caps.h). VMX follows ACRN's explicit checks:
 * every control the VMX backend sets must be allowed-1 in its capability
 * MSR, and EPT must walk 4 levels, map write-back and support INVEPT
 * (SDM vol. 3D appendix A). SVM needs nested paging (APM vol. 2, 15.4).
 */
#include "arch/x86/vcpu_caps.h"
#include "arch/x86/vmx/vmcs.h"

static void cpuid_leaf(const struct vcpu_caps_hw *hw, uint32_t leaf, uint32_t r[4])
{
	r[0] = r[1] = r[2] = r[3] = 0;
	hw->cpuid(hw->ctx, leaf, r);
}

static const char *svm_missing(const struct vcpu_caps_hw *hw)
{
	uint32_t r[4];

	cpuid_leaf(hw, 0x80000000, r);
	if (r[0] < 0x8000000a)
		return "SVM feature leaf (CPUID 8000_000A)";
	cpuid_leaf(hw, 0x8000000a, r);
	if (!(r[3] & CPUID_8000000A_EDX_NP))
		return "SVM nested paging (CPUID 8000_000A EDX.NP)";
	if (hw->rdmsr(hw->ctx, MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM enabled by firmware (VM_CR.SVMDIS is set)";
	return NULL;
}

/* Every bit of `want` may be 1 in the control MSR. */
static bool ctl_allows(uint64_t ctl_msr, uint32_t want)
{
	return (VMX_CTL_MAY1(ctl_msr) & want) == want;
}

static const char *vmx_controls_missing(const struct vcpu_caps_hw *hw)
{
	uint64_t proc = hw->rdmsr(hw->ctx, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	uint64_t proc2, exit_ctl, entry_ctl;

	if (!ctl_allows(proc, PROC_SECONDARY_CONTROLS))
		return "VMX secondary processor-based controls";
	if (!ctl_allows(proc, PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_HLT_EXITING))
		return "VMX I/O bitmaps, MSR bitmaps and HLT exiting";
	proc2 = hw->rdmsr(hw->ctx, MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!ctl_allows(proc2, PROC2_ENABLE_EPT))
		return "EPT (secondary control 'enable EPT')";
	if (!ctl_allows(proc2, PROC2_UNRESTRICTED_GUEST))
		return "VMX unrestricted guest";
	exit_ctl = hw->rdmsr(hw->ctx, MSR_IA32_VMX_TRUE_EXIT_CTLS);
	if (!ctl_allows(exit_ctl, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER |
			EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT))
		return "VMX exit controls: 64-bit host, save/load EFER and PAT";
	entry_ctl = hw->rdmsr(hw->ctx, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	if (!ctl_allows(entry_ctl, ENTRY_IA32E_MODE_GUEST | ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT))
		return "VMX entry controls: IA-32e guest, load EFER and PAT";
	return NULL;
}

static const char *vmx_ept_missing(uint64_t cap)
{
	if (!(cap & EPT_CAP_WALK_4))
		return "EPT 4-level page walk";
	if (!(cap & EPT_CAP_MEMTYPE_WB))
		return "EPT write-back memory type";
	if (!(cap & EPT_CAP_INVEPT) || !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
		return "INVEPT";
	return NULL;
}

static const char *vmx_missing(const struct vcpu_caps_hw *hw, struct vcpu_caps *out)
{
	uint64_t fc = hw->rdmsr(hw->ctx, MSR_IA32_FEATURE_CONTROL);
	uint64_t basic, proc2, cap;
	const char *m;

	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
			return "VMX enabled by firmware (IA32_FEATURE_CONTROL locked with VMX off)";
	} else {
		out->lock_feature_control = true;
	}
	basic = hw->rdmsr(hw->ctx, MSR_IA32_VMX_BASIC);
	if (!(basic & VMX_BASIC_TRUE_CTLS))
		return "VMX true controls (IA32_VMX_BASIC bit 55)";
	if (FIELD_GET(VMX_BASIC_MEMTYPE, basic) != VMX_BASIC_MEMTYPE_WB)
		return "VMCS write-back memory type";
	if (basic & VMX_BASIC_PA_32BIT)
		return "VMX structures above 4 GiB (IA32_VMX_BASIC bit 48 is set)";
	m = vmx_controls_missing(hw);
	if (m)
		return m;
	/* EPT allowed-1 implies IA32_VMX_EPT_VPID_CAP exists (SDM A.10). */
	cap = hw->rdmsr(hw->ctx, MSR_IA32_VMX_EPT_VPID_CAP);
	m = vmx_ept_missing(cap);
	if (m)
		return m;
	out->invept_single = (cap & EPT_CAP_INVEPT_SINGLE) != 0;
	proc2 = hw->rdmsr(hw->ctx, MSR_IA32_VMX_PROCBASED_CTLS2);
	out->vpid = ctl_allows(proc2, PROC2_ENABLE_VPID) && (cap & VPID_CAP_INVVPID) &&
		    (cap & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
	return NULL;
}

void vcpu_caps_decide(const struct vcpu_caps_hw *hw, struct vcpu_caps *out)
{
	uint32_t r[4];
	bool svm = false, vmx;

	*out = (struct vcpu_caps){ .kind = VCPU_BACKEND_NONE };
	cpuid_leaf(hw, 0x80000000, r);
	if (r[0] >= 0x80000001) {
		cpuid_leaf(hw, 0x80000001, r);
		svm = (r[2] & CPUID_80000001_ECX_SVM) != 0;
	}
	cpuid_leaf(hw, 1, r);
	vmx = (r[2] & CPUID_1_ECX_VMX) != 0;
	if (svm) {
		out->missing = svm_missing(hw);
		if (!out->missing)
			out->kind = VCPU_BACKEND_SVM;
	} else if (vmx) {
		out->missing = vmx_missing(hw, out);
		if (!out->missing)
			out->kind = VCPU_BACKEND_VMX;
	} else {
		out->missing = "hardware virtualization (CPUID: neither SVM nor VMX)";
	}
	if (out->kind == VCPU_BACKEND_NONE) {
		out->lock_feature_control = false;
		out->vpid = out->invept_single = false;
	}
}
