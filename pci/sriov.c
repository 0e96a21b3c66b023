/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV virtual functions (PCIe 4.0 §9.2-9.3). The order of steps is the
 * spec's: ARI Capable Hierarchy and NumVFs first (First VF Offset and VF
 * Stride may depend on both, so they are read only afterwards), then VF
 * Enable, then the 100 ms before a VF's config space may be touched. VFs
 * answer with vendor id FFFFh by design (§9.3.4.1.1), so a VF is known to
 * be present by its class code and header type instead.
 */
#define LOG_TAG "sriov"
#include "pci/sriov.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/time.h"

#include <errno.h>
#include <string.h>

static uint32_t pf_rd(const struct pci_dev *pf, uint16_t reg, unsigned width)
{
	return pci_cfg_read(pf->seg, pf->bus, pf->devfn, pf->sriov.cap + reg, width);
}

static void pf_wr(const struct pci_dev *pf, uint16_t reg, unsigned width, uint32_t val)
{
	pci_cfg_write(pf->seg, pf->bus, pf->devfn, pf->sriov.cap + reg, width, val);
}

/* ---- Reading the capability ------------------------------------------------ */

int sriov_read_cap(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t cap, struct pci_sriov *out)
{
	uint16_t ctrl = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_CTRL, 2);

	memset(out, 0, sizeof(*out));
	if (pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_CAP, 4) == 0xffffffffu)
		return -EIO;
	out->cap = cap;
	if (ctrl & PCI_SRIOV_CTRL_VFE)
		pr_warn(PCI_BDF_FMT ": firmware left %u VFs enabled; disabled (use sriov= to enable)",
			PCI_BDF_ARGS(seg, bus, devfn),
			pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_NUM_VF, 2));
	/* VF BARs are sized with their decode (VF MSE) off, like header BARs. */
	if (ctrl & (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE)) {
		ctrl &= ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
		pci_cfg_write(seg, bus, devfn, cap + PCI_SRIOV_CTRL, 2, ctrl);
		pci_cfg_write(seg, bus, devfn, cap + PCI_SRIOV_NUM_VF, 2, 0);
	}
	out->ari_hierarchy = ctrl & PCI_SRIOV_CTRL_ARI;
	out->total_vfs = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_TOTAL_VF, 2);
	out->initial_vfs = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_INITIAL_VF, 2);
	out->vf_device = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_VF_DID, 2);
	out->supported_page_sizes = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_SUP_PGSIZE, 4);
	out->system_page_size = pci_cfg_read(seg, bus, devfn, cap + PCI_SRIOV_SYS_PGSIZE, 4);
	pci_bars_size(seg, bus, devfn, cap + PCI_SRIOV_BAR, PCI_SRIOV_BAR_COUNT, false, out->vf_bars);
	return 0;
}

/* ---- Enabling ---------------------------------------------------------------- */

struct lower_pf_ctx {
	const struct pci_dev *pf;
	bool found;
};

static int find_lower_pf(struct pci_dev *d, void *ctx)
{
	struct lower_pf_ctx *c = ctx;

	if (d->is_pf && d->seg == c->pf->seg && d->bus == c->pf->bus && d->devfn < c->pf->devfn)
		c->found = true;
	return c->found;
}

/*
 * Linux's rule (sriov_init): ARI Capable Hierarchy when the bridge above
 * has ARI Forwarding enabled. The bit is read-write only in the
 * lowest-numbered PF of the device (§9.3.3.3.5, RsvdP elsewhere); with ARI
 * forwarding the whole bus is one device. A PF on a root bus has no port
 * to forward ARI, so it is left clear there, as Linux does.
 */
static bool sets_ari_hierarchy(const struct pci_dev *pf, bool *ari)
{
	struct lower_pf_ctx ctx = { pf, false };

	pci_dev_for_each(find_lower_pf, &ctx);
	if (ctx.found)
		return false;
	*ari = pf->parent && pf->parent->caps.ari_fwd_enabled;
	return true;
}

/* The highest bus a VF may sit on: the PF's bridge routes no further. */
static uint8_t vf_bus_limit(const struct pci_dev *pf)
{
	/* §9.2.1.2: the VFs of a Root Complex Integrated Endpoint share the PF's bus. */
	return pf->parent ? pf->parent->subordinate_bus : pf->bus;
}

static int vf_routing_id(const struct pci_dev *pf, unsigned i, uint16_t *rid)
{
	uint32_t r = pci_dev_rid(pf) + pf->sriov.offset + i * (uint32_t)pf->sriov.stride;

	if (r > 0xffff || PCI_RID_BUS(r) > vf_bus_limit(pf)) {
		pr_warn(PCI_BDF_FMT ": VF %u would be at bus %x, beyond bus %02x the PF's bridge routes",
			PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), i, r >> 8, vf_bus_limit(pf));
		return -ERANGE;
	}
	*rid = (uint16_t)r;
	return 0;
}

/* A VF must not answer at the routing id of a function already registered. */
static int vf_ids_free(const struct pci_dev *pf, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t rid;
		struct pci_dev *other;

		if (vf_routing_id(pf, i, &rid))
			return -ERANGE;
		other = pci_dev_find(pf->seg, PCI_RID_BUS(rid), PCI_RID_DEVFN(rid));
		if (other) {
			pr_warn(PCI_BDF_FMT ": VF %u would take the routing id of " PCI_BDF_FMT,
				PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), i,
				PCI_BDF_ARGS(other->seg, other->bus, other->devfn));
			pci_dev_put(other);
			return -EEXIST;
		}
	}
	return 0;
}

/* First VF Offset and VF Stride for the NumVFs just written, checked. */
static int read_offset_stride(struct pci_dev *pf, unsigned n)
{
	pf->sriov.offset = pf_rd(pf, PCI_SRIOV_VF_OFFSET, 2);
	pf->sriov.stride = pf_rd(pf, PCI_SRIOV_VF_STRIDE, 2);
	/* Offset 0 would put VF 0 on the PF; stride 0 would stack every VF on VF 0. */
	if (pf->sriov.offset == 0 || (n > 1 && pf->sriov.stride == 0)) {
		pr_warn(PCI_BDF_FMT ": unusable First VF Offset %u / VF Stride %u for %u VFs",
			PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), pf->sriov.offset,
			pf->sriov.stride, n);
		return -EIO;
	}
	return vf_ids_free(pf, n);
}

/* The VF BARs: VF i's is the PF's VF BAR base plus i times the per-VF size. */
static void vf_bars(const struct pci_dev *pf, unsigned i, struct pci_bar *bars)
{
	for (unsigned b = 0; b < PCI_BAR_MAX; b++) {
		const struct pci_bar *vb = &pf->sriov.vf_bars[b];

		bars[b] = *vb;
		if (vb->size && vb->base)
			bars[b].base = vb->base + (uint64_t)i * vb->size;
	}
}

/* Probe VF i at `rid` and describe it; -EIO when its config space does not answer. */
static int vf_describe(const struct pci_dev *pf, unsigned i, uint16_t rid,
		       struct pci_dev_desc *desc)
{
	uint8_t bus = PCI_RID_BUS(rid), devfn = PCI_RID_DEVFN(rid);
	uint32_t class_rev = pci_cfg_read(pf->seg, bus, devfn, PCI_CLASS_REVISION, 4);
	uint8_t hdr = pci_cfg_read(pf->seg, bus, devfn, PCI_HEADER_TYPE, 1);

	if ((class_rev >> 8) == PCI_CLASS_NONE || (hdr & PCI_HEADER_TYPE_MASK) != PCI_HEADER_TYPE_NORMAL) {
		pr_warn(PCI_BDF_FMT ": VF %u at " PCI_BDF_FMT " does not answer (class %06x header %x)",
			PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), i, PCI_BDF_ARGS(pf->seg, bus, devfn),
			class_rev >> 8, hdr);
		return -EIO;
	}
	memset(desc, 0, sizeof(*desc));
	desc->seg = pf->seg;
	desc->bus = bus;
	desc->devfn = devfn;
	desc->vendor = pf->vendor;
	desc->device = pf->sriov.vf_device;
	desc->class = class_rev >> 8;
	desc->revision = (uint8_t)class_rev;
	desc->header_type = PCI_HEADER_TYPE_NORMAL;
	desc->irq_pin = pci_cfg_read(pf->seg, bus, devfn, PCI_INTERRUPT_PIN, 1);
	vf_bars(pf, i, desc->bars);
	pci_caps_read(pf->seg, bus, devfn, PCI_HEADER_TYPE_NORMAL, &desc->caps);
	if (desc->caps.warnings)
		desc->flags |= PCI_DEV_CAPS_MALFORMED;
	desc->flags |= pf->parent ? 0 : PCI_DEV_ROOT_BUS;
	desc->rids[0] = rid;
	desc->nr_rids = 1;
	desc->is_vf = true;
	desc->pf_bus = pf->bus;
	desc->pf_devfn = pf->devfn;
	desc->vf_index = (uint16_t)i;
	return 0;
}

static void vfs_hw_disable(struct pci_dev *pf)
{
	uint16_t ctrl = pf_rd(pf, PCI_SRIOV_CTRL, 2);

	pf_wr(pf, PCI_SRIOV_CTRL, 2, ctrl & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE));
	pf_wr(pf, PCI_SRIOV_NUM_VF, 2, 0);
	pf->sriov.num_vfs = 0;
}

static int vfs_register(struct pci_dev *pf, unsigned n)
{
	static struct pci_dev_desc desc;   /* large; callers are serialized (see sriov.h) */

	for (unsigned i = 0; i < n; i++) {
		uint16_t rid;
		int err = vf_routing_id(pf, i, &rid);

		if (!err)
			err = vf_describe(pf, i, rid, &desc);
		if (!err)
			err = pci_dev_add(&desc, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int vfs_check_request(const struct pci_dev *pf, unsigned n)
{
	if (!pf->is_pf || !pf->sriov.cap)
		return -EINVAL;
	if (pf->sriov.num_vfs || (pf_rd(pf, PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE))
		return -EBUSY;
	if (n < 1 || n > pf->sriov.total_vfs)
		return -EINVAL;
	return 0;
}

/* Everything before VF Enable: ARI Capable Hierarchy, NumVFs, the routing ids. */
static int vfs_program(struct pci_dev *pf, unsigned n)
{
	uint16_t ctrl = pf_rd(pf, PCI_SRIOV_CTRL, 2);
	bool ari;
	int err;

	if (sets_ari_hierarchy(pf, &ari)) {
		ctrl = ari ? ctrl | PCI_SRIOV_CTRL_ARI : ctrl & ~PCI_SRIOV_CTRL_ARI;
		pf_wr(pf, PCI_SRIOV_CTRL, 2, ctrl);
		pf->sriov.ari_hierarchy = ari;
	}
	pf_wr(pf, PCI_SRIOV_NUM_VF, 2, n);
	err = read_offset_stride(pf, n);
	if (err)
		pf_wr(pf, PCI_SRIOV_NUM_VF, 2, 0);
	return err;
}

int sriov_enable(struct pci_dev *pf, unsigned n)
{
	int err = vfs_check_request(pf, n);

	if (!err)
		err = vfs_program(pf, n);
	if (err)
		return err;
	pf_wr(pf, PCI_SRIOV_CTRL, 2,
	      pf_rd(pf, PCI_SRIOV_CTRL, 2) | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	pf->sriov.num_vfs = (uint16_t)n;
	/* §9.3.3.3.1: no request to a VF until 100 ms after VF Enable. */
	udelay(PCI_SRIOV_VF_ENABLE_WAIT_US);
	err = vfs_register(pf, n);
	if (err) {
		if (pci_dev_remove_vfs(pf) < 0) {
			pr_err(PCI_BDF_FMT ": cannot undo a failed VF enable, VFs left enabled",
			       PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn));
			return err;
		}
		vfs_hw_disable(pf);
		return err;
	}
	pr_info(PCI_BDF_FMT ": %u VFs enabled (offset %u stride %u%s)",
		PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), n, pf->sriov.offset, pf->sriov.stride,
		pf->sriov.ari_hierarchy ? ", ARI" : "");
	return 0;
}

int sriov_disable(struct pci_dev *pf)
{
	int removed;

	if (!pf->is_pf || !pf->sriov.cap)
		return -EINVAL;
	if (!pf->sriov.num_vfs)
		return 0;
	/* Unregister first: no pci_dev may outlive the function it describes. */
	removed = pci_dev_remove_vfs(pf);
	if (removed < 0)
		return removed;
	vfs_hw_disable(pf);
	pr_info(PCI_BDF_FMT ": %d VFs disabled", PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn), removed);
	return 0;
}

/* ---- sriov=SEG:BUS:DEV.FN:N ------------------------------------------------- */

static int parse_request(const char *val, struct sriov_request *r)
{
	uint32_t seg, bus, dev, fn, n;
	const char *s = val;

	if (!s)
		return -EINVAL;
	s = cmdline_parse_field(s, 16, 4, 0xffff, ':', &seg);
	if (s)
		s = cmdline_parse_field(s, 16, 2, 0xff, ':', &bus);
	if (s)
		s = cmdline_parse_field(s, 16, 2, 0x1f, '.', &dev);
	if (s)
		s = cmdline_parse_field(s, 10, 1, 7, ':', &fn);
	if (s)
		s = cmdline_parse_field(s, 10, 5, 0xffff, '\0', &n);
	if (!s || n == 0)
		return -EINVAL;
	*r = (struct sriov_request){ (uint16_t)seg, (uint8_t)bus, PCI_DEVFN(dev, fn), (uint16_t)n };
	return 0;
}

int sriov_opt_parse(const char *val, void *dst)
{
	struct sriov_requests *reqs = dst;
	struct sriov_request r;
	int err = parse_request(val, &r);

	if (err)
		return err;
	for (unsigned i = 0; i < reqs->count; i++) {
		if (reqs->req[i].seg == r.seg && reqs->req[i].bus == r.bus &&
		    reqs->req[i].devfn == r.devfn) {
			reqs->req[i].num_vfs = r.num_vfs;
			return 0;
		}
	}
	if (reqs->count >= SRIOV_REQUESTS_MAX)
		return -ENOSPC;
	reqs->req[reqs->count++] = r;
	return 0;
}

unsigned sriov_apply_requests(const struct sriov_requests *reqs)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < reqs->count && i < SRIOV_REQUESTS_MAX; i++) {
		const struct sriov_request *r = &reqs->req[i];
		struct pci_dev *pf = pci_dev_find(r->seg, r->bus, r->devfn);
		int err = pf ? sriov_enable(pf, r->num_vfs) : -ENODEV;

		if (err) {
			pr_warn("sriov=" PCI_BDF_FMT ":%u not applied: %s (%d)",
				PCI_BDF_ARGS(r->seg, r->bus, r->devfn), r->num_vfs,
				!pf ? "no such function" : err == -EINVAL ? "not a PF or bad VF count" :
				"enable failed", err);
			failed++;
		}
		if (pf)
			pci_dev_put(pf);
	}
	return failed;
}
