/* SPDX-License-Identifier: MIT */
/*
 * selftest=dma: prove DMA isolation with a real DMA engine, QEMU's `edu`
 * device (1234:11e8; run it with dma_mask=0xffffffffffffffff or QEMU
 * truncates bus addresses to 28 bits). Results are TAP lines on the console.
 *
 * edu copies between RAM and a 4 KiB internal buffer at device address
 * 0x40000. Every transfer below goes through the IOMMU, so what lands in
 * memory, what does not, and the fault records the unit writes are the
 * evidence. VT-d records faults; QEMU 7.2's AMD-Vi never writes its event
 * log, so there a block is proven by memory staying unchanged and by the
 * Signaled Target Abort bit of the IOMMU's own PCI function.
 *
 * With several edu devices the test uses the one with the most requester
 * ids: one behind a PCIe-to-PCI bridge, whose DMA carries the bridge's
 * alias, is the harder case (its faults must still be attributed to it, and
 * it moves between domains together with the bridge, as one group).
 */
#define LOG_TAG "dma"
#include <errno.h>
#include <string.h>

#include "iommu/selftest_dma.h"
#include "iommu/edu.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/idle.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/memory.h"
#include "kernel/phys.h"
#include "kernel/poll.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define PCI_STATUS_SIG_TARGET_ABORT BIT(11)
#define PCI_CLASS_IOMMU     0x080600
#define TEST_IOVA           0x40000000ULL   /* above 256 MiB: needs the wide dma_mask */
#define TEST_IOVA_2M        0x80000000ULL
#define TEST_IOVA_RO_OUT    0x40200000ULL
#define TEST_DOMAIN_ID      0x100
/* A run that stops early must not pass. AMD-Vi under QEMU records no faults: 3 tests fewer. */
#define DMA_TESTS_VTD       19
#define DMA_TESTS_AMDVI     16

struct edu {
	struct pci_dev *dev;
	uint8_t *mmio;
};

struct dma_test {
	struct edu edu;
	unsigned n;
	unsigned failed;
	bool vtd;                        /* fault records are available */
	paddr_t src, dst, dst2, page, big;   /* root RAM; big is 2 MiB aligned */
	paddr_t monitor_page;
	uint64_t pattern;                /* what the edu buffer holds */
	struct iommu_domain *dom;
};

static void tap(struct dma_test *t, bool ok, const char *what)
{
	t->n++;
	if (!ok)
		t->failed++;
	log_raw("%sok %u - %s", ok ? "" : "not ", t->n, what);
}

/* Device reads one page at `iova` into its buffer. */
static int edu_load(struct dma_test *t, uint64_t iova) { return edu_dma(t->edu.mmio, iova, EDU_BUFFER, 0); }
/* Device writes its buffer to one page at `iova`. */
static int edu_store(struct dma_test *t, uint64_t iova) { return edu_dma(t->edu.mmio, EDU_BUFFER, iova, EDU_DMA_TO_RAM); }

static int find_edu(struct pci_dev *d, void *ctx)
{
	struct edu *e = ctx;

	if (d->vendor != EDU_VENDOR || d->device != EDU_DEVICE || (e->dev && e->dev->nr_rids >= d->nr_rids))
		return 0;
	if (e->dev)
		pci_dev_put(e->dev);
	e->dev = pci_dev_get(d);
	return 0;
}

static bool edu_open(struct edu *e)
{
	uint16_t cmd;

	pci_dev_for_each(find_edu, e);
	if (!e->dev || !e->dev->bars[0].base || e->dev->bars[0].size < 0x100)
		return false;
	e->mmio = phys_map(e->dev->bars[0].base, e->dev->bars[0].size, PHYS_UC);
	cmd = pci_cfg_read(e->dev->seg, e->dev->bus, e->dev->devfn, PCI_COMMAND, 2);
	pci_cfg_write(e->dev->seg, e->dev->bus, e->dev->devfn, PCI_COMMAND, 2,
		      cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	return e->mmio != NULL;
}

/* Root RAM for the test: 4 MiB from the largest range, the upper 2 MiB aligned for the superpage test. */
static bool pick_pages(struct dma_test *t)
{
	const struct phys_range *ram, *best = NULL;
	unsigned n = memory_root_ram(&ram);
	paddr_t base;

	for (unsigned i = 0; i < n; i++)
		if (!best || ram[i].end - ram[i].base > best->end - best->base)
			best = &ram[i];
	if (!best)
		return false;
	base = ALIGN_UP(best->base + 16 * MiB, 2 * MiB);
	if (base + 4 * MiB > best->end)
		return false;
	t->src = base;
	t->dst = base + PAGE_SIZE;
	t->dst2 = base + 2 * PAGE_SIZE;
	t->page = base + 3 * PAGE_SIZE;
	t->big = base + 2 * MiB;
	t->monitor_page = frame_alloc();
	return t->monitor_page && memory_is_monitor(t->monitor_page);
}

/*
 * After a blocked DMA: did the unit record it against edu, at this address,
 * for this reason? QEMU's AMD-Vi writes no event log; the one trace it
 * leaves, for a walk that starts from a DTE without permissions (the null
 * domain), is Signaled Target Abort in its own function's status.
 */
static bool blocked_evidence(struct dma_test *t, uint64_t iova, bool write, uint8_t vtd_reason)
{
	struct iommu_fault f;

	iommu_fault_poll();
	if (!t->vtd) {
		/* AMD-Vi under QEMU: no event log; the IOMMU function signals a target abort. */
		struct pci_dev *iommu_fn = NULL;
		bool ok = false;

		for (unsigned bus = 0; bus < 1 && !iommu_fn; bus++)
			for (unsigned df = 0; df < 256 && !iommu_fn; df++) {
				struct pci_dev *d = pci_dev_find(t->edu.dev->seg, bus, df);

				if (d && d->class == PCI_CLASS_IOMMU)
					iommu_fn = d;
				else if (d)
					pci_dev_put(d);
			}
		if (iommu_fn) {
			uint16_t st = pci_cfg_read(iommu_fn->seg, iommu_fn->bus, iommu_fn->devfn, PCI_STATUS, 2);

			ok = st & PCI_STATUS_SIG_TARGET_ABORT;
			log_raw("# IOMMU function status 0x%04x, edu status 0x%04x", st,
				(unsigned)pci_cfg_read(t->edu.dev->seg, t->edu.dev->bus, t->edu.dev->devfn,
						       PCI_STATUS, 2));
			pci_cfg_write(iommu_fn->seg, iommu_fn->bus, iommu_fn->devfn, PCI_STATUS, 2,
				      PCI_STATUS_SIG_TARGET_ABORT);   /* W1C, for the next check */
			pci_dev_put(iommu_fn);
		}
		return ok;
	}
	if (!iommu_last_fault(&f))
		return false;
	log_raw("# fault: " PCI_RID_FMT " %s 0x%llx reason 0x%x (%s), from " PCI_RID_FMT, PCI_RID_ARGS(f.rid),
		f.is_write ? "write" : "read", (unsigned long long)f.addr, f.reason, f.reason_name,
		PCI_RID_ARGS(f.dev_rid));
	return f.dev_rid == pci_dev_rid(t->edu.dev) && f.addr == ALIGN_DOWN(iova, PAGE_SIZE) &&
	       f.is_write == write && f.reason == vtd_reason;
}

/* The IOMMU's own tables are monitor memory too: a device must not rewrite its translation. */
static void test_table_page_unreachable(struct dma_test *t)
{
	paddr_t root = iommu_domain_default()->pt.root;
	static uint8_t before[EDU_XFER];
	const uint8_t *now = phys_map(root, EDU_XFER, PHYS_WB);
	bool blocked;

	memcpy(before, now, EDU_XFER);
	blocked = edu_store(t, root) == 0 && !memcmp(before, now, EDU_XFER);
	if (t->vtd)
		blocked &= blocked_evidence(t, root, true, 5);
	tap(t, blocked, "default domain: DMA aimed at the default domain's own root table is blocked, table unchanged");
}

static void test_default_domain(struct dma_test *t)
{
	uint64_t a = 0x6564752d64656661ULL;   /* "edu-defa" */
	bool landed;

	edu_fill(t->src, a);
	edu_fill(t->dst, 0);
	landed = edu_load(t, t->src) == 0 && edu_store(t, t->dst) == 0 && edu_holds(t->dst, a);
	t->pattern = a;
	tap(t, landed, "default domain: DMA into root RAM lands");

	edu_fill(t->monitor_page, 0x6d6f6e69746f7221ULL);
	iommu_last_fault(&(struct iommu_fault){ 0 });   /* forget older faults */
	tap(t, edu_store(t, t->monitor_page) == 0 && edu_holds(t->monitor_page, 0x6d6f6e69746f7221ULL),
	    "default domain: DMA aimed at monitor memory is blocked, memory unchanged");
	if (t->vtd)
		tap(t, blocked_evidence(t, t->monitor_page, true, 5),
		    "default domain: fault record names edu, the address and reason 5 (write)");
	test_table_page_unreachable(t);
}

static bool map_page(struct dma_test *t, uint64_t iova, paddr_t pa, uint64_t size, unsigned perms)
{
	uint64_t done;
	bool ok = iommu_map_range(t->dom, iova, pa, size, perms, &done) == 0 && done == size;

	return iommu_flush(t->dom, iova, size) == 0 && ok;
}

static bool unmap_page(struct dma_test *t, uint64_t iova, uint64_t size)
{
	uint64_t done;
	bool ok = iommu_unmap_range(t->dom, iova, size, &done) == 0 && done == size;

	return iommu_flush(t->dom, iova, size) == 0 && ok;
}

static void test_paging_domain(struct dma_test *t)
{
	uint64_t c = 0x726561642d6f6e6cULL;   /* "read-onl" */
	paddr_t pa, off = 0x1ff000;
	uint64_t psize = 0;
	int err;

	t->dom = iommu_domain_create(TEST_DOMAIN_ID, NULL, &err);
	tap(t, t->dom && iommu_group_attach(t->dom, t->edu.dev->group) == 0, "paging domain: created, edu (its group) attached");
	if (!t->dom)
		return;
	edu_fill(t->page, 0);
	tap(t, map_page(t, TEST_IOVA, t->page, PAGE_SIZE, PT_READ | PT_WRITE) &&
	    edu_store(t, TEST_IOVA) == 0 && edu_holds(t->page, t->pattern),
	    "paging domain: IOVA 0x40000000 -> page, DMA lands in that page");

	edu_fill(t->page, 0);
	tap(t, unmap_page(t, TEST_IOVA, PAGE_SIZE) && edu_store(t, TEST_IOVA) == 0 && edu_holds(t->page, 0),
	    "paging domain: after unmap the same DMA is blocked, memory unchanged");
	if (t->vtd)
		tap(t, blocked_evidence(t, TEST_IOVA, true, 5), "paging domain: the unmapped IOVA faulted");

	edu_fill(t->page, c);
	tap(t, map_page(t, TEST_IOVA, t->page, PAGE_SIZE, PT_READ) && edu_store(t, TEST_IOVA) == 0 &&
	    edu_holds(t->page, c), "paging domain: read-only mapping blocks a device write, memory unchanged");
	if (t->vtd)
		tap(t, blocked_evidence(t, TEST_IOVA, true, 5),
		    "paging domain: write to a read-only page faulted (reason 5)");

	edu_fill(t->dst2, 0);
	tap(t, map_page(t, TEST_IOVA_RO_OUT, t->dst2, PAGE_SIZE, PT_READ | PT_WRITE) &&
	    edu_load(t, TEST_IOVA) == 0 && edu_store(t, TEST_IOVA_RO_OUT) == 0 && edu_holds(t->dst2, c),
	    "paging domain: the read-only mapping still serves device reads");
	t->pattern = c;

	edu_fill(t->page, 0);
	tap(t, unmap_page(t, TEST_IOVA, PAGE_SIZE) &&
	    map_page(t, TEST_IOVA, t->page, PAGE_SIZE, PT_READ | PT_WRITE) &&
	    edu_store(t, TEST_IOVA) == 0 && edu_holds(t->page, c), "paging domain: remapped read-write, DMA lands again");

	edu_fill(t->big + off, 0);
	tap(t, map_page(t, TEST_IOVA_2M, t->big, 2 * MiB, PT_READ | PT_WRITE) &&
	    pt_lookup(&t->dom->pt, TEST_IOVA_2M + off, &pa, NULL, &psize) == 0 && psize == 2 * MiB &&
	    pa == t->big + off && edu_store(t, TEST_IOVA_2M + off) == 0 && edu_holds(t->big + off, c),
	    "paging domain: a 2 MiB mapping is one superpage and DMA at its last 4 KiB lands");
}

static void test_null_domain(struct dma_test *t)
{
	edu_fill(t->dst, 0);
	tap(t, iommu_group_attach(iommu_domain_null(), t->edu.dev->group) == 0 && edu_store(t, t->dst) == 0 &&
	    edu_holds(t->dst, 0), "null domain: DMA into root RAM is blocked, memory unchanged");
	tap(t, blocked_evidence(t, t->dst, true, 2), t->vtd ?
	    "null domain: fault reason 2 (context entry not present)" :
	    "null domain: the IOMMU function signalled a target abort");
}

/* Moving a device takes effect at once: a stale IOTLB entry would let the second DMA through. */
static void test_moves(struct dma_test *t)
{
	edu_fill(t->dst, 0);
	tap(t, iommu_group_detach(t->edu.dev->group) == 0 && edu_store(t, t->dst) == 0 && edu_holds(t->dst, t->pattern),
	    "move: back in the default domain, DMA into root RAM lands at once");
	edu_fill(t->dst, 0);
	tap(t, t->dom && iommu_group_attach(t->dom, t->edu.dev->group) == 0 && edu_store(t, t->dst) == 0 &&
	    edu_holds(t->dst, 0), "move: into the paging domain, the same address is blocked at once");
	blocked_evidence(t, t->dst, true, 5);
	tap(t, iommu_group_detach(t->edu.dev->group) == 0 && t->dom && iommu_domain_destroy(t->dom) == 0,
	    "move: detached and the paging domain destroyed");
}

bool selftest_dma(void)
{
	struct dma_test t = { .vtd = !strcmp(iommu_name(), "VT-d") };
	bool ready;

	log_raw("TAP version 13");
	ready = iommu_present() && edu_open(&t.edu) && pick_pages(&t);
	tap(&t, ready, "an IOMMU, the edu device and test pages in root and monitor memory");
	if (!ready) {
		pr_err("DMA self-test needs an IOMMU and -device edu,dma_mask=0xffffffffffffffff");
		log_raw("1..%u", t.n);
		return false;
	}
	log_raw("# %s; edu " PCI_BDF_FMT "; root pages 0x%llx.., monitor page 0x%llx", iommu_name(),
		PCI_BDF_ARGS(t.edu.dev->seg, t.edu.dev->bus, t.edu.dev->devfn),
		(unsigned long long)t.src, (unsigned long long)t.monitor_page);
	test_default_domain(&t);
	test_paging_domain(&t);
	test_null_domain(&t);
	test_moves(&t);
	frames_free(t.monitor_page, 1);
	pci_dev_put(t.edu.dev);
	log_raw("1..%u", t.n);   /* TAP allows the plan last */
	log_raw("# %u tests, %u failed", t.n, t.failed);
	return t.failed == 0 && t.n == (t.vtd ? DMA_TESTS_VTD : DMA_TESTS_AMDVI);
}

/* ---- selftest=storm ---- */

#define STORM_MAX_LIMIT 20   /* each edu transfer takes 100 ms: keep the run short */
#define STORM_EXTRA     3    /* transfers after the cut-off, which must not fault */

/* Idle for `us`: what the monitor does between exits. */
static void idle_for(uint64_t us)
{
	for (uint64_t end = time_now_us() + us; time_now_us() < end;) {
		idle_poll();
		cpu_relax();
	}
}

bool selftest_dma_storm(void)
{
	struct dma_test t = { .vtd = !strcmp(iommu_name(), "VT-d") };
	uint32_t limit = boot_options.iommu_storm;
	uint64_t pattern = 0x73746f726d212121ULL;   /* "storm!!!" */
	unsigned transfers = 0;
	uint16_t cmd;
	bool ready;

	log_raw("TAP version 13");
	ready = t.vtd && limit <= STORM_MAX_LIMIT && edu_open(&t.edu) && pick_pages(&t);
	tap(&t, ready, "VT-d, iommu.storm=N with N small, the edu device and a monitor page");
	if (!ready) {
		pr_err("storm self-test needs VT-d (QEMU's AMD-Vi records no faults), -device edu,dma_mask=0xffffffffffffffff and iommu.storm=N with N <= %u",
		       STORM_MAX_LIMIT);
		log_raw("1..%u", t.n);
		return false;
	}
	log_raw("# edu %04x:%02x:%02x.%u writes monitor page 0x%llx %u times; storm limit %u",
		t.edu.dev->seg, t.edu.dev->bus, PCI_DEV(t.edu.dev->devfn), PCI_FN(t.edu.dev->devfn),
		(unsigned long long)t.monitor_page, limit + 1 + STORM_EXTRA, limit);
	edu_fill(t.monitor_page, pattern);
	t.edu.dev->dma_faults = 0;
	for (unsigned i = 0; i < limit + 1 + STORM_EXTRA; i++)
		transfers += edu_store(&t, t.monitor_page) == 0;
	/* the last fault, if any, is drained by the idle poll too */
	idle_for(10 * IDLE_FAULT_POLL_US);
	cmd = pci_cfg_read(t.edu.dev->seg, t.edu.dev->bus, t.edu.dev->devfn, PCI_COMMAND, 2);
	log_raw("# %u transfers, %llu faults counted for edu, command 0x%04x", transfers,
		(unsigned long long)t.edu.dev->dma_faults, cmd);
	tap(&t, transfers == limit + 1 + STORM_EXTRA, "every transfer finished");
	tap(&t, t.edu.dev->dma_faults == (uint64_t)limit + 1,
	    "the idle poll counted exactly N+1 faults: none after the cut-off");
	tap(&t, !(cmd & PCI_COMMAND_BUS_MASTER), "edu lost bus mastering");
	tap(&t, edu_holds(t.monitor_page, pattern), "monitor memory unchanged");
	frames_free(t.monitor_page, 1);
	pci_dev_put(t.edu.dev);
	log_raw("1..%u", t.n);
	log_raw("# %u tests, %u failed", t.n, t.failed);
	return t.failed == 0 && t.n == 5;
}
