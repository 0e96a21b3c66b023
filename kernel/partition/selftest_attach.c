// SPDX-License-Identifier: MIT
/*
 * selftest=attach, with a root and a child partition and QEMU's edu device
 * (1234:11e8, dma_mask=0xffffffffffffffff): the direct-attach mechanism
 * proven on the running machine, TAP lines on the console. Runs on the
 * boot CPU once the child runs (on its own CPU, in a `hold=N` spin, so it
 * never exits by itself) and before the root enters.
 *
 *  - edu's group moves to the child: its BAR and config-space pages leave
 *    the root's stage-2 and appear in the child's, config access follows;
 *  - the monitor drives edu: its DMA to child GPAs lands at the child's
 *    GPA -> HPA (translated by the child's stage-2, shared or mirrored);
 *  - one child page is revoked: the same DMA is blocked (IOTLB flushed) and
 *    the child's CPU was kicked out of its guest to flush its TLB;
 *  - the page is granted back; edu stays attached and is quarantined when
 *    the child stops.
 */
#define LOG_TAG "attach"
#include <errno.h>
#include <string.h>

#include "kernel/partition/selftest_attach.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/exits.h"
#include "iommu/iommu.h"
#include "iommu/edu.h"
#include "arch/x86/io.h"
#include "arch/x86/kick.h"
#include "kernel/idle.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/poll.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define TEST_LOGICAL_ID   0x10
#define ATTACH_TESTS      8

static unsigned tap_n, tap_failed;

static void tap(bool ok, const char *what)
{
	tap_n++;
	tap_failed += !ok;
	log_raw("%sok %u - %s", ok ? "" : "not ", tap_n, what);
}

static int find_edu(struct pci_dev *d, void *ctx)
{
	struct pci_dev **out = ctx;

	if (d->vendor == EDU_VENDOR && d->device == EDU_DEVICE && !*out) {
		*out = pci_dev_get(d);
		return 1;
	}
	return 0;
}

static bool s2_maps(struct partition *p, uint64_t gpa)
{
	paddr_t pa;

	return pt_lookup(&p->s2, gpa, &pa, NULL, NULL) == 0;
}

/* Exits the guest caused: the monitor's own periodic timer exits (VMX) do not count. */
static uint64_t exits_of(const struct partition *p)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < PEXIT_KINDS; k++)
		if (k != PEXIT_TIMER)
			n += __atomic_load_n(&p->exits[k], __ATOMIC_RELAXED);
	return n;
}

/* Until the child, past its first lines of output, spins in its guest without exits for 20 ms (its hold loop); false after 5 s. */
static bool wait_spinning(const struct partition *p, unsigned cpu)
{
	uint64_t start = time_now_us(), quiet_since = start, seen = exits_of(p);

	while (time_now_us() - start < 5000000) {
		uint64_t now = time_now_us(), n = exits_of(p);

		if (n != seen || !part_s2_cpu_in_guest(cpu)) {
			seen = n;
			quiet_since = now;
		} else if (n >= 100 && now - quiet_since >= 20000) {   /* past its boot: it has printed */
			return true;
		}
	}
	return false;
}

/* Move edu, check what moved with it. */
static bool attach_and_check(struct partition *root, struct partition *child, struct pci_dev *edu)
{
	uint64_t bar = edu->bars[0].base, ecam = s2_layout_ecam_page(edu->seg, edu->bus, edu->devfn);

	tap(part_assign_device(child, edu, TEST_LOGICAL_ID, NULL) == 0, "edu's group direct-attached to the child");
	tap(!part_owns_dev(root, edu) && part_owns_dev(child, edu),
	    "config access follows: the child owns edu, the root no longer does");
	tap(!s2_maps(root, bar) && s2_maps(child, bar) && (!ecam || (!s2_maps(root, ecam) && s2_maps(child, ecam))),
	    "BAR and ECAM pages left the root's stage-2 and are in the child's at the same address");
	return tap_failed == 0;
}

/* DMA through the child's stage-2, then the same DMA after the page was revoked. */
static void dma_checks(struct partition *child, uint8_t *mmio)
{
	struct part_chunk *c = &child->ram[0];
	uint64_t src = c->gpa + c->size / 2, dst = src + PAGE_SIZE;
	paddr_t src_hpa = part_gpa_to_hpa(child, src), dst_hpa = part_gpa_to_hpa(child, dst);
	unsigned cpu = child->cpus[0];
	uint64_t kicks_before = cpu_kicks_taken(cpu), t0;
	int rc;

	edu_fill(src_hpa, 0xA77AC4ED00000000ull);
	edu_fill(dst_hpa, 0);
	rc = edu_dma(mmio, src, EDU_BUFFER, 0);
	rc |= edu_dma(mmio, EDU_BUFFER, dst, EDU_DMA_TO_RAM);
	tap(rc == 0 && edu_holds(dst_hpa, 0xA77AC4ED00000000ull),
	    "edu DMA to child GPAs lands at the child's GPA->HPA (through its stage-2)");
	tap(wait_spinning(child, cpu), "the child's CPU spins in its guest without exits (hold)");
	t0 = time_now_us();
	rc = part_s2_revoke(child, dst, PAGE_SIZE);
	log_raw("# revoke: %d in %llu us, kicks taken by CPU %u: %llu", rc,
		(unsigned long long)(time_now_us() - t0), cpu,
		(unsigned long long)(cpu_kicks_taken(cpu) - kicks_before));
	tap(rc == 0 && cpu_kicks_taken(cpu) > kicks_before,
	    "revoke returned after the child's CPU was kicked out of its guest (NMI) and flushed");
	edu_fill(dst_hpa, 0);
	edu_dma(mmio, EDU_BUFFER, dst, EDU_DMA_TO_RAM);
	iommu_fault_poll();
	tap(edu_holds(dst_hpa, 0) && !s2_maps(child, dst), "after revoke, the same DMA is blocked: memory unchanged");
	tap(part_s2_grant(child, dst, dst_hpa, PAGE_SIZE, PT_READ | PT_WRITE | PT_EXEC) == 0,
	    "the page is granted back");
}

bool selftest_attach(void)
{
	struct partition *root = &partitions[0], *child = &partitions[1];
	struct pci_dev *edu = NULL;
	uint8_t *mmio;
	uint16_t cmd;

	tap_n = tap_failed = 0;
	log_raw("1..%u", ATTACH_TESTS);
	pci_dev_for_each(find_edu, &edu);
	if (partition_count < 2 || !root->is_root || !edu || !edu->bars[0].base) {
		log_raw("not ok 1 - needs a root, a child and QEMU's edu device");
		if (edu)
			pci_dev_put(edu);
		return false;
	}
	if (attach_and_check(root, child, edu)) {
		mmio = phys_map(edu->bars[0].base, edu->bars[0].size, PHYS_UC);
		cmd = (uint16_t)pci_cfg_read(edu->seg, edu->bus, edu->devfn, PCI_COMMAND, 2);
		pci_cfg_write(edu->seg, edu->bus, edu->devfn, PCI_COMMAND, 2,
			      cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
		dma_checks(child, mmio);
		pci_cfg_write(edu->seg, edu->bus, edu->devfn, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_BUS_MASTER);
	}
	pci_dev_put(edu);
	log_raw("# attach self-test: %u of %u passed", tap_n - tap_failed, ATTACH_TESTS);
	return tap_failed == 0 && tap_n == ATTACH_TESTS;
}

bool selftest_kick(void)
{
	struct partition *child = &partitions[1];
	unsigned cpu;
	uint64_t before, t0;
	int rc;

	tap_n = tap_failed = 0;
	log_raw("1..2");
	if (partition_count < 2 || child->is_root || !child->ncpus) {
		log_raw("not ok 1 - needs a child partition");
		return false;
	}
	cpu = child->cpus[0];
	tap(wait_spinning(child, cpu), "the child's CPU spins in its guest without exits (hold)");
	before = cpu_kicks_taken(cpu);
	t0 = time_now_us();
	rc = part_s2_flush_cpus(child);
	log_raw("# flush: %d in %llu us, kicks taken by CPU %u: %llu", rc,
		(unsigned long long)(time_now_us() - t0), cpu, (unsigned long long)(cpu_kicks_taken(cpu) - before));
	tap(rc == 0 && cpu_kicks_taken(cpu) > before,
	    "the stage-2 flush returned after an NMI kick made the child's CPU exit and flush");
	log_raw("# kick self-test: %u of 2 passed", tap_n - tap_failed);
	return tap_failed == 0 && tap_n == 2;
}
