/* SPDX-License-Identifier: MIT */
#define LOG_TAG "selftest"
#include "kernel/selftest.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "pci/dev.h"
#include "pci/pci.h"
#include "pci/sriov.h"
#include "iommu/selftest_dma.h"
#include "arch/x86/selftest_vcpu.h"

/* Nothing is mapped at low virtual addresses: there is no identity map. */
#define UNMAPPED_ADDRESS 0xdead000ULL

static void __attribute__((noinline)) touch_unmapped(void)
{
	volatile uint64_t *p = (volatile uint64_t *)UNMAPPED_ADDRESS;

	pr_info("reading unmapped address 0x%llx: expect a #PF register dump", UNMAPPED_ADDRESS);
	(void)*p;
}

/* Each frame keeps 1 KiB live so the compiler can neither shrink nor tail-call it. */
static unsigned __attribute__((noinline)) recurse(unsigned depth)
{
	volatile uint8_t pad[1024];

	pad[0] = (uint8_t)depth;
	if (depth > (1u << 20))   /* unreachable: 32 KiB of stack runs out long before */
		return 0;
	return recurse(depth + 1) + pad[0];
}

struct pf_list {
	struct pci_dev *pf[8];
	unsigned n;
};

static int collect_enabled_pf(struct pci_dev *d, void *ctx)
{
	struct pf_list *l = ctx;

	if (d->is_pf && d->nr_vfs && l->n < ARRAY_SIZE(l->pf))
		l->pf[l->n++] = pci_dev_get(d);
	return 0;
}

static bool vf_config_gone(const struct pci_dev *pf, const uint16_t *rids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t class = pci_cfg_read(pf->seg, PCI_RID_BUS(rids[i]), PCI_RID_DEVFN(rids[i]),
					      PCI_CLASS_REVISION, 4);

		if (class != 0xffffffffu) {
			pr_err("sriov: VF " PCI_RID_FMT " still answers (class/rev 0x%08x)",
			       PCI_RID_ARGS(rids[i]), class);
			return false;
		}
	}
	return true;
}

/* Disable the VFs of every PF that has some: each VF must leave the registry and config space. */
static bool selftest_sriov_disable(void)
{
	struct pf_list l = { .n = 0 };
	bool ok = true;

	pci_dev_for_each(collect_enabled_pf, &l);
	if (!l.n) {
		pr_err("sriov: no PF has VFs enabled (give sriov=SEG:BUS:DEV.FN:N)");
		return false;
	}
	for (unsigned i = 0; i < l.n; i++) {
		struct pci_dev *pf = l.pf[i];
		uint16_t rids[256];
		unsigned n = 0, before = pci_dev_count();
		int rc;

		for (struct pci_dev *vf = pf->vfs; vf && n < ARRAY_SIZE(rids); vf = vf->vf_next)
			rids[n++] = pci_dev_rid(vf);
		rc = sriov_disable(pf);
		if (rc < 0 || pf->nr_vfs || pci_dev_count() != before - n || !vf_config_gone(pf, rids, n)) {
			pr_err("sriov: disabling %u VFs of " PCI_BDF_FMT " failed (%d)", n,
			       PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), rc);
			ok = false;
		} else {
			pr_info("sriov: disabled %u VFs of " PCI_BDF_FMT "; registry %u -> %u functions, VF config space gone",
				n, PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), before, pci_dev_count());
		}
		pci_dev_put(pf);
	}
	return ok;
}

bool selftest_run(enum selftest t)
{
	switch (t) {
	case SELFTEST_NONE:
		return true;
	case SELFTEST_FAULT:
		touch_unmapped();
		break;
	case SELFTEST_UD:
		pr_info("executing ud2: expect a #UD register dump");
		__asm__ volatile("ud2");
		break;
	case SELFTEST_STACK:
		pr_info("overflowing the boot stack: expect a #DF on its own stack");
		recurse(0);
		break;
	case SELFTEST_SRIOV:
		return selftest_sriov_disable();
	case SELFTEST_DMA:
		return selftest_dma();
	case SELFTEST_VCPU:
		return selftest_vcpu();
	case SELFTEST_STORM:
		return selftest_dma_storm();
	case SELFTEST_ATTACH:
	case SELFTEST_KICK:
		return true;   /* runs once the partitions do (partitions_start) */
	}
	pr_err("self-test '%s' returned instead of faulting", selftest_name(t));
	return false;
}
