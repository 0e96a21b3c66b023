// SPDX-License-Identifier: MIT
/*
 * The Hyper-V discovery surface (Hyper-V TLFS, "Feature and Interface
 * Discovery" and "Hypercall Interface"): CPUID leaves 0x40000000-0x40000006,
 * the synthetic MSRs GUEST_OS_ID, HYPERCALL, VP_INDEX and VP_ASSIST_PAGE,
 * and the hypercall page. The hypercall entry is kernel/hvcall/ (hvcall_exit).
 *
 * Privileges: the root may create and manage device domains and deposit
 * memory (CreatePartitions, AccessMemoryPool); it never gets CpuManagement,
 * which would send Linux down Hyper-V root-partition paths that expect a
 * hypervisor-managed scheduler. Everyone may read its partition id.
 */
#define LOG_TAG "hv"
#include <string.h>

#include "kernel/partition/exits.h"
#include "arch/x86/io.h"
#include "iommu/iommu.h"
#include "kernel/log.h"

#define HV_CPUID_VENDOR            0x40000000
#define HV_CPUID_INTERFACE         0x40000001
#define HV_CPUID_VERSION           0x40000002
#define HV_CPUID_FEATURES          0x40000003
#define HV_CPUID_RECOMMENDATIONS   0x40000004
#define HV_CPUID_LIMITS            0x40000005
#define HV_CPUID_HW_FEATURES       0x40000006
#define HV_CPUID_MAX               HV_CPUID_HW_FEATURES
#define HV_INTERFACE_HV1           0x31237648   /* "Hv#1" */

/* 0x40000003 EAX: partition privileges 31:0. */
#define HV_ACCESS_HYPERCALL_MSRS   BIT(5)
#define HV_ACCESS_VP_INDEX         BIT(6)
/* 0x40000003 EBX: partition privileges 63:32. */
#define HV_CREATE_PARTITIONS       BIT(0)
#define HV_ACCESS_PARTITION_ID     BIT(1)
#define HV_ACCESS_MEMORY_POOL      BIT(2)
#define HV_CPU_MANAGEMENT          BIT(12)   /* never granted */
/* 0x40000006 EAX. */
#define HV_HW_SLAT                 BIT(3)
#define HV_HW_DMA_REMAPPING        BIT(4)

#define HV_MSR_GUEST_OS_ID         0x40000000
#define HV_MSR_HYPERCALL           0x40000001
#define  HV_HYPERCALL_ENABLE       BIT(0)
#define  HV_HYPERCALL_LOCKED       BIT(1)
#define  HV_HYPERCALL_GPFN         GENMASK(63, 12)
#define HV_MSR_VP_INDEX            0x40000002
#define HV_MSR_VP_ASSIST_PAGE      0x40000073
#define  HV_VP_ASSIST_ENABLE       BIT(0)
#define  HV_VP_ASSIST_RESERVED     GENMASK(11, 1)

#define CPUID_1_ECX_VMX            BIT(5)
#define CPUID_1_ECX_X2APIC         BIT(21)
#define CPUID_1_ECX_HYPERVISOR     BIT(31)
#define CPUID_80000001_ECX_SVM     BIT(2)

const struct vcpu_ops *part_vops;

static void hv_leaf(struct partition *p, uint32_t leaf, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(r[0]));
	switch (leaf) {
	case HV_CPUID_VENDOR:
		r[0] = HV_CPUID_MAX;
		memcpy(&r[1], "Microsoft Hv", 12);
		break;
	case HV_CPUID_INTERFACE:
		r[0] = HV_INTERFACE_HV1;
		break;
	case HV_CPUID_VERSION:
		r[0] = 1;                 /* build */
		r[1] = (1u << 16) | 0;    /* iomon's interface version 1.0 */
		break;
	case HV_CPUID_FEATURES:
		r[0] = HV_ACCESS_HYPERCALL_MSRS | HV_ACCESS_VP_INDEX;
		r[1] = HV_ACCESS_PARTITION_ID;
		if (p->is_root)
			r[1] |= HV_CREATE_PARTITIONS | HV_ACCESS_MEMORY_POOL;
		break;
	case HV_CPUID_RECOMMENDATIONS:
		r[1] = 0xffffffff;        /* never notify on spinlock retries */
		break;
	case HV_CPUID_LIMITS:
		r[0] = p->ncpus;
		r[1] = smp_cpu_count();
		break;
	case HV_CPUID_HW_FEATURES:
		r[0] = HV_HW_SLAT | (iommu_present() ? HV_HW_DMA_REMAPPING : 0);
		break;
	default:
		break;                    /* every other hypervisor leaf reads zero */
	}
}

void hv_cpuid(struct partition *p, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if (leaf >= 0x40000000 && leaf <= 0x4fffffff) {
		hv_leaf(p, leaf, r);
		return;
	}
	cpuid(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	if (leaf == 1) {
		r[2] |= CPUID_1_ECX_HYPERVISOR;
		/* No nested virtualization, and the APIC stays in xAPIC mode (its ICR is trapped there). */
		r[2] &= ~(uint32_t)(CPUID_1_ECX_VMX | CPUID_1_ECX_X2APIC);
	} else if (leaf == 0x80000001) {
		r[2] &= ~(uint32_t)CPUID_80000001_ECX_SVM;
	}
}

/* The page holds VMCALL (Intel) or VMMCALL (AMD) and a near RET, as the TLFS describes. */
static int write_hypercall_page(struct partition *p, uint64_t gpa)
{
	static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9, 0xc3 };
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1, 0xc3 };
	const uint8_t *code = part_vops == &svm_vcpu_ops ? vmmcall : vmcall;
	uint8_t page[64];

	memset(page, 0xcc, sizeof(page));   /* int3 after the RET */
	memcpy(page, code, 4);
	return copy_to_guest(p, gpa, page, sizeof(page));
}

static int hypercall_msr_write(struct partition *p, uint64_t value)
{
	uint64_t gpfn_gpa = value & HV_HYPERCALL_GPFN;

	if (p->hypercall_msr & HV_HYPERCALL_LOCKED)
		return 0;   /* locked: writes are ignored */
	if ((value & HV_HYPERCALL_ENABLE) && p->guest_os_id) {
		if (write_hypercall_page(p, gpfn_gpa) < 0)
			return -1;   /* not the partition's RAM */
	} else {
		value &= ~HV_HYPERCALL_ENABLE;   /* no guest OS id yet: the page stays off */
	}
	p->hypercall_msr = value & (HV_HYPERCALL_GPFN | HV_HYPERCALL_ENABLE);
	return 0;
}

int hv_msr_read(struct part_vcpu *pv, uint32_t msr, uint64_t *value)
{
	struct partition *p = pv->vcpu.part;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		*value = p->guest_os_id;
		return 0;
	case HV_MSR_HYPERCALL:
		*value = p->hypercall_msr;
		return 0;
	case HV_MSR_VP_INDEX:
		*value = pv->vcpu.vp_index;
		return 0;
	case HV_MSR_VP_ASSIST_PAGE:
		*value = pv->vp_assist_msr;
		return 0;
	default:
		return -1;
	}
}

int hv_msr_write(struct part_vcpu *pv, uint32_t msr, uint64_t value)
{
	struct partition *p = pv->vcpu.part;

	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		p->guest_os_id = value;
		if (!value)
			p->hypercall_msr &= ~HV_HYPERCALL_ENABLE;
		return 0;
	case HV_MSR_HYPERCALL:
		return hypercall_msr_write(p, value);
	case HV_MSR_VP_ASSIST_PAGE:
		/* Accepted and remembered (Linux writes it on every CPU); nothing is placed there yet. */
		if (value & HV_VP_ASSIST_RESERVED)
			return -1;
		pv->vp_assist_msr = value;
		return 0;
	default:
		return -1;   /* VP_INDEX is read-only; every other MSR is unknown */
	}
}
