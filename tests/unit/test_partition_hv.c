// SPDX-License-Identifier: MIT
/*
 * The partition's Hyper-V discovery surface (kernel/partition/hv.c: CPUID
 * leaves, synthetic MSRs, the hypercall page) and the IPI filter
 * (kernel/partition/vapic.c), over fake CPUs, APIC and guest memory.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/exits.h"
#include "arch/x86/apic.h"
#include "iommu/iommu.h"

/* ---- Fakes ------------------------------------------------------------------------------ */

const struct vcpu_ops svm_vcpu_ops = { .name = "SVM" };
const struct vcpu_ops vmx_vcpu_ops = { .name = "VMX" };
struct partition partitions[PART_MAX];
unsigned partition_count;

static uint8_t guest_ram[2 * 4096];
#define GUEST_RAM_GPA 0x10000

int copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len)
{
	(void)p;
	if (gpa < GUEST_RAM_GPA || gpa + len > GUEST_RAM_GPA + sizeof(guest_ram))
		return -EFAULT;
	memcpy(guest_ram + (gpa - GUEST_RAM_GPA), src, len);
	return 0;
}

bool iommu_present(void) { return true; }

/* CPU 0 and 1 are the root's (APIC ids 0, 1), CPU 2 is c1's (APIC id 2). */
unsigned smp_cpu_count(void) { return 3; }
int smp_cpu_of_apic(uint32_t apic_id) { return apic_id < 3 ? (int)apic_id : -1; }
bool part_owns_cpu(const struct partition *p, unsigned cpu) { return p == &partitions[cpu == 2 ? 1 : 0]; }

int part_cpu_index(const struct partition *p, unsigned cpu)
{
	return p == &partitions[0] && cpu < 2 ? (int)cpu : p == &partitions[1] && cpu == 2 ? 0 : -1;
}

static unsigned ap_started_index, ap_started_vector, aps_started;
int part_start_ap(struct partition *p, unsigned index, uint8_t vector)
{
	(void)p;
	ap_started_index = index;
	ap_started_vector = vector;
	aps_started++;
	return 0;
}

static uint32_t sent_high, sent_low;
static unsigned sent;
void apic_send_ipi(uint32_t icr_high, uint32_t icr_low)
{
	sent_high = icr_high;
	sent_low = icr_low;
	sent++;
}

static struct part_vcpu root_vcpu, child_vcpu;

static int setup(void **state)
{
	(void)state;
	memset(partitions, 0, sizeof(partitions));
	partitions[0] = (struct partition){ .id = 1, .name = "root", .is_root = true, .ncpus = 2 };
	partitions[1] = (struct partition){ .id = 2, .name = "c1", .ncpus = 1 };
	partition_count = 2;
	memset(&root_vcpu, 0, sizeof(root_vcpu));
	memset(&child_vcpu, 0, sizeof(child_vcpu));
	root_vcpu.vcpu.part = &partitions[0];
	child_vcpu.vcpu.part = &partitions[1];
	child_vcpu.vcpu.vp_index = 0;
	part_vops = &svm_vcpu_ops;
	sent = 0;
	aps_started = 0;
	memset(guest_ram, 0, sizeof(guest_ram));
	log_capture_reset();
	return 0;
}

/* ---- CPUID -------------------------------------------------------------------------------- */

static void test_cpuid_vendor_and_interface(void **state)
{
	uint32_t r[4];

	(void)state;
	hv_cpuid(&partitions[0], 0x40000000, 0, r);
	assert_true(r[0] >= 0x40000005);
	assert_memory_equal(&r[1], "Microsoft Hv", 12);
	hv_cpuid(&partitions[0], 0x40000001, 0, r);
	assert_int_equal(r[0], 0x31237648);   /* "Hv#1" */
	hv_cpuid(&partitions[0], 0x40000100, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_cpuid_privileges(void **state)
{
	uint32_t r[4];

	(void)state;
	hv_cpuid(&partitions[0], 0x40000003, 0, r);
	assert_true(r[0] & (1u << 5));          /* hypercall MSRs */
	assert_true(r[0] & (1u << 6));          /* VP_INDEX */
	/*
	 * CreatePartitions and AccessMemoryPool; never CpuManagement, and not
	 * AccessPartitionId (Linux 6.1 would then call GetPartitionId at boot
	 * with an output page only a CpuManagement root has).
	 */
	assert_int_equal(r[1], (1u << 0) | (1u << 2));
	hv_cpuid(&partitions[1], 0x40000003, 0, r);
	assert_int_equal(r[1], 0);
}

static void test_cpuid_hides_virtualization(void **state)
{
	uint32_t r[4];

	(void)state;
	hv_cpuid(&partitions[1], 1, 0, r);
	assert_true(r[2] & (1u << 31));         /* hypervisor present */
	assert_false(r[2] & (1u << 5));         /* no VMX */
	assert_false(r[2] & (1u << 21));        /* no x2APIC: the ICR is trapped in the xAPIC page */
	hv_cpuid(&partitions[1], 0x80000001, 0, r);
	assert_false(r[2] & (1u << 2));         /* no SVM */
}

/* ---- Synthetic MSRs ------------------------------------------------------------------------ */

static void test_hypercall_page_needs_guest_os_id(void **state)
{
	uint64_t v;

	(void)state;
	/* Enable without a guest OS id: accepted, enable bit stays clear, nothing written. */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000001, GUEST_RAM_GPA | 1), 0);
	assert_int_equal(hv_msr_read(&child_vcpu, 0x40000001, &v), 0);
	assert_int_equal(v & 1, 0);
	assert_int_equal(guest_ram[0], 0);
	/* With one: the page holds VMMCALL; RET. */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000000, 0x8100ULL << 48), 0);
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000001, GUEST_RAM_GPA | 1), 0);
	assert_int_equal(hv_msr_read(&child_vcpu, 0x40000001, &v), 0);
	assert_int_equal(v, GUEST_RAM_GPA | 1);
	assert_memory_equal(guest_ram, "\x0f\x01\xd9\xc3", 4);
	/* Clearing the guest OS id disables the page. */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000000, 0), 0);
	assert_int_equal(hv_msr_read(&child_vcpu, 0x40000001, &v), 0);
	assert_int_equal(v & 1, 0);
}

static void test_hypercall_page_vmx_and_outside_ram(void **state)
{
	(void)state;
	part_vops = &vmx_vcpu_ops;
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000000, 1), 0);
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000001, (GUEST_RAM_GPA + 4096) | 1), 0);
	assert_memory_equal(guest_ram + 4096, "\x0f\x01\xc1\xc3", 4);
	/* A page that is not the partition's RAM: #GP. */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000001, 0x7000000 | 1), -1);
}

static void test_msr_rules(void **state)
{
	uint64_t v;

	(void)state;
	child_vcpu.vcpu.vp_index = 3;
	assert_int_equal(hv_msr_read(&child_vcpu, 0x40000002, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000002, 1), -1);      /* VP_INDEX is read-only */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000073, 0x5000 | 1), 0);
	assert_int_equal(hv_msr_read(&child_vcpu, 0x40000073, &v), 0);
	assert_int_equal(v, 0x5001);
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000073, 0x5000 | 2), -1);   /* reserved bit */
	assert_int_equal(hv_msr_read(&child_vcpu, 0x400000ff, &v), -1);      /* unknown synthetic MSR */
	assert_int_equal(hv_msr_write(&child_vcpu, 0x40000080, 0), -1);
}

/* ---- The IPI filter ----------------------------------------------------------------------- */

static uint32_t icr(unsigned mode, unsigned shorthand, bool logical, unsigned vector)
{
	return (mode << 8) | (shorthand << 18) | (logical ? APIC_ICR_LOGICAL : 0) | vector | APIC_ICR_ASSERT;
}

static void test_ipi_to_own_cpu_is_sent(void **state)
{
	(void)state;
	root_vcpu.icr_high = 1u << 24;   /* APIC id 1: the root's second CPU */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_NONE, false, 0xee));
	assert_int_equal(sent, 1);
	assert_int_equal(sent_high, 1u << 24);
	assert_int_equal(sent_low & 0xff, 0xee);
	vapic_icr_write(&root_vcpu, icr(APIC_DM_NMI, APIC_SH_SELF, false, 0));
	assert_int_equal(sent, 2);
	assert_int_equal(partitions[0].ipis_sent, 2);
}

static void test_cross_partition_ipis_are_dropped(void **state)
{
	(void)state;
	root_vcpu.icr_high = 2u << 24;   /* APIC id 2: the child's CPU */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_NONE, false, 0xee));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_NMI, APIC_SH_NONE, false, 0));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_INIT, APIC_SH_NONE, false, 0));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_STARTUP, APIC_SH_NONE, false, 0x08));
	root_vcpu.icr_high = 0xffu << 24;   /* broadcast by id */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_NONE, false, 0xee));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_ALL, false, 0xee));       /* c1 owns a CPU */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_OTHERS, false, 0xee));
	root_vcpu.icr_high = 1u << 24;
	vapic_icr_write(&root_vcpu, icr(APIC_DM_FIXED, APIC_SH_NONE, true, 0xee));      /* logical: unresolved */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_SMI, APIC_SH_SELF, false, 0));
	assert_int_equal(sent, 0);
	assert_int_equal(partitions[0].ipis_dropped, 9);
	assert_true(log_captured("IPI dropped (ICR 0x02000000:"));
	assert_true(log_captured("further drops counted only"));
	/* Eight lines at most: a guest cannot flood the console. */
	assert_int_equal(log_captured_count(LOG_WARN), 8);
}

static void test_own_init_then_startup_starts_the_ap(void **state)
{
	(void)state;
	root_vcpu.vcpu.cpu = 0;
	root_vcpu.icr_high = 1u << 24;
	/* STARTUP without INIT first: ignored, as a CPU does. */
	vapic_icr_write(&root_vcpu, icr(APIC_DM_STARTUP, APIC_SH_NONE, false, 0x08));
	assert_int_equal(aps_started, 0);
	vapic_icr_write(&root_vcpu, icr(APIC_DM_INIT, APIC_SH_NONE, false, 0));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_STARTUP, APIC_SH_NONE, false, 0x08));
	vapic_icr_write(&root_vcpu, icr(APIC_DM_STARTUP, APIC_SH_NONE, false, 0x08));   /* the second SIPI */
	assert_int_equal(aps_started, 1);
	assert_int_equal(ap_started_index, 1);
	assert_int_equal(ap_started_vector, 0x08);
	/* Nothing reaches the real APIC, and nothing was dropped. */
	assert_int_equal(sent, 0);
	assert_int_equal(partitions[0].ipis_dropped, 0);
	/* INIT at itself, or STARTUP at the child's CPU: dropped. */
	root_vcpu.icr_high = 0;
	vapic_icr_write(&root_vcpu, icr(APIC_DM_INIT, APIC_SH_NONE, false, 0));
	assert_int_equal(partitions[0].ipis_dropped, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpuid_vendor_and_interface, setup),
		cmocka_unit_test_setup(test_cpuid_privileges, setup),
		cmocka_unit_test_setup(test_cpuid_hides_virtualization, setup),
		cmocka_unit_test_setup(test_hypercall_page_needs_guest_os_id, setup),
		cmocka_unit_test_setup(test_hypercall_page_vmx_and_outside_ram, setup),
		cmocka_unit_test_setup(test_msr_rules, setup),
		cmocka_unit_test_setup(test_ipi_to_own_cpu_is_sent, setup),
		cmocka_unit_test_setup(test_cross_partition_ipis_are_dropped, setup),
		cmocka_unit_test_setup(test_own_init_then_startup_starts_the_ap, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
