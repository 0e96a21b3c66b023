/* SPDX-License-Identifier: MIT */
/*
 * VT-d unit bring-up and the operations domains need from it. Ordering
 * rules follow the spec (§6.5 invalidation, §10.4 registers) and what
 * QEMU's model checks (research/qemu-iommu.md §1.3-1.8):
 *  - every GCMD write carries the enable bits already set, or it clears them;
 *  - 32-bit registers get 32-bit accesses (QEMU aborts on some 8-byte writes);
 *  - while QI is enabled the CCMD/IOTLB registers are dead: use the queue only;
 *  - a wait descriptor uses status write only, never status write + interrupt.
 */
#define LOG_TAG "vtd"
#include <errno.h>
#include <string.h>

#include "iommu/vtd/unit.h"
#include "iommu/vtd/regs.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/phys.h"
#include "kernel/time.h"

#define VTD_TIMEOUT_US       1000000   /* hardware answers in microseconds; a second means it is wedged */
#define VTD_QUEUE_ENTRIES    256       /* QS = 0: one 4 KiB page */

static uint32_t rd32(const struct vtd_unit *u, unsigned off) { return mmio_read32(u->regs + off); }
static uint64_t rd64(const struct vtd_unit *u, unsigned off) { return mmio_read64(u->regs + off); }
static void wr32(struct vtd_unit *u, unsigned off, uint32_t v) { mmio_write32(u->regs + off, v); }
static void wr64(struct vtd_unit *u, unsigned off, uint64_t v) { mmio_write64(u->regs + off, v); }

static void *zeroed_frame(paddr_t *pa)
{
	void *va;

	*pa = frame_alloc();
	if (!*pa)
		return NULL;
	va = phys_map(*pa, PAGE_SIZE, PHYS_WB);
	memset(va, 0, PAGE_SIZE);
	return va;
}

/* Make table writes visible to a walker that does not snoop caches (ECAP.C = 0). */
static void flush_for_walker(const struct vtd_unit *u, const void *p, size_t len)
{
	if (!u->caps.coherent)
		cache_flush_range(p, len);
}

static bool wait_gsts(struct vtd_unit *u, uint32_t bit, bool set)
{
	uint64_t start = time_now_us();

	while (!!(rd32(u, VTD_REG_GSTS) & bit) != set) {
		if (time_now_us() - start > VTD_TIMEOUT_US)
			return false;
		cpu_relax();
	}
	return true;
}

/* GCMD is write-only and compared against GSTS: carry the persistent enables along. */
static int gcmd_set(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool on)
{
	uint32_t cur = rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;

	wr32(u, VTD_REG_GCMD, on ? cur | cmd : cur & ~cmd);
	if (!wait_gsts(u, status, on)) {
		pr_err("unit 0x%016llx: GSTS bit 0x%x did not %s", (unsigned long long)u->base,
		       status, on ? "set" : "clear");
		return -ETIMEDOUT;
	}
	return 0;
}

/* One-shot commands (SRTP, WBF) report completion by their status bit, not by persistence. */
static int gcmd_oneshot(struct vtd_unit *u, uint32_t cmd, uint32_t status)
{
	wr32(u, VTD_REG_GCMD, (rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT) | cmd);
	if (cmd == VTD_GCMD_WBF)
		return wait_gsts(u, status, false) ? 0 : -ETIMEDOUT;
	return wait_gsts(u, status, true) ? 0 : -ETIMEDOUT;
}

static void write_buffer_flush(struct vtd_unit *u)
{
	if (u->caps.rwbf && gcmd_oneshot(u, VTD_GCMD_WBF, VTD_GSTS_WBFS) < 0)
		pr_err("unit 0x%016llx: write-buffer flush timed out", (unsigned long long)u->base);
}

/* ---- queued invalidation ---- */

static int qi_submit(struct vtd_unit *u, const struct vtd_entry128 *d, unsigned n)
{
	uint32_t seq = ++u->wait_seq;
	uint64_t start;

	for (unsigned i = 0; i <= n; i++) {
		struct vtd_entry128 *slot = &u->queue[u->queue_tail];

		if (i < n) {
			*slot = d[i];
		} else {
			slot->lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_WAIT) | VTD_QI_WAIT_SW |
				   FIELD_PREP(VTD_QI_WAIT_DATA, seq);
			slot->hi = u->wait_status_pa & VTD_QI_WAIT_HI_ADDR;
		}
		flush_for_walker(u, slot, sizeof(*slot));
		u->queue_tail = (u->queue_tail + 1) % VTD_QUEUE_ENTRIES;
	}
	wr64(u, VTD_REG_IQT, FIELD_PREP(VTD_IQ_QH_QT, u->queue_tail));
	start = time_now_us();
	while (*u->wait_status != seq) {
		if (rd32(u, VTD_REG_FSTS) & VTD_FSTS_IQE) {
			pr_err("unit 0x%016llx: invalidation queue error at head %llu",
			       (unsigned long long)u->base, (unsigned long long)(rd64(u, VTD_REG_IQH) >> 4));
			wr32(u, VTD_REG_FSTS, VTD_FSTS_IQE);
			return -EIO;
		}
		if (time_now_us() - start > VTD_TIMEOUT_US) {
			pr_err("unit 0x%016llx: invalidation wait timed out", (unsigned long long)u->base);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	u->invalidations += n;
	return 0;
}

static int qi_enable(struct vtd_unit *u)
{
	u->queue = zeroed_frame(&u->queue_pa);
	u->wait_status = zeroed_frame(&u->wait_status_pa);
	if (!u->queue || !u->wait_status)
		return -ENOMEM;
	u->queue_tail = 0;
	wr64(u, VTD_REG_IQT, 0);
	wr64(u, VTD_REG_IQA, u->queue_pa | FIELD_PREP(VTD_IQA_QS, 0));
	u->qi = gcmd_set(u, VTD_GCMD_QIE, VTD_GSTS_QIES, true) == 0;
	return u->qi ? 0 : -EIO;
}

/* ---- register-based invalidation (units without QI) ---- */

static int reg_wait_clear(struct vtd_unit *u, unsigned off, uint64_t busy)
{
	uint64_t start = time_now_us();

	while (rd64(u, off) & busy) {
		if (time_now_us() - start > VTD_TIMEOUT_US) {
			pr_err("unit 0x%016llx: invalidation register 0x%x stuck", (unsigned long long)u->base, off);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	u->invalidations++;
	return 0;
}

static void context_cache_invalidate(struct vtd_unit *u, unsigned gran, uint16_t did, uint16_t sid)
{
	if (u->qi) {
		struct vtd_entry128 d = {
			.lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_CC) | FIELD_PREP(VTD_QI_GRAN, gran) |
			      FIELD_PREP(VTD_QI_CC_DID, did) | FIELD_PREP(VTD_QI_CC_SID, sid),
		};
		qi_submit(u, &d, 1);
		return;
	}
	wr64(u, VTD_REG_CCMD, VTD_CCMD_ICC | FIELD_PREP(VTD_CCMD_CIRG, gran) |
	     FIELD_PREP(VTD_CCMD_DID, did) | FIELD_PREP(VTD_CCMD_SID, sid));
	reg_wait_clear(u, VTD_REG_CCMD, VTD_CCMD_ICC);
}

static void iotlb_invalidate(struct vtd_unit *u, unsigned gran, uint16_t did, uint64_t addr, unsigned am)
{
	/* Draining reads and writes first keeps a stale translation from completing afterwards. */
	uint64_t drain = (u->caps.drd ? VTD_QI_IOTLB_DR : 0) | (u->caps.dwd ? VTD_QI_IOTLB_DW : 0);

	if (u->qi) {
		struct vtd_entry128 d = {
			.lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_IOTLB) | FIELD_PREP(VTD_QI_GRAN, gran) |
			      FIELD_PREP(VTD_QI_IOTLB_DID, did) | drain,
			.hi = gran == VTD_INV_PAGE ? (addr & VTD_QI_IOTLB_HI_ADDR) | FIELD_PREP(VTD_QI_IOTLB_HI_AM, am) : 0,
		};
		qi_submit(u, &d, 1);
		return;
	}
	if (gran == VTD_INV_PAGE)
		wr64(u, u->caps.iro + VTD_REG_IVA_OFF, (addr & VTD_IVA_ADDR) | FIELD_PREP(VTD_IVA_AM, am));
	wr64(u, u->caps.iotlb_reg, VTD_IOTLB_IVT | FIELD_PREP(VTD_IOTLB_IIRG, gran) |
	     FIELD_PREP(VTD_IOTLB_DID, did) | (u->caps.drd ? VTD_IOTLB_DR : 0) |
	     (u->caps.dwd ? VTD_IOTLB_DW : 0));
	reg_wait_clear(u, u->caps.iotlb_reg, VTD_IOTLB_IVT);
}

void vtd_flush_all(struct vtd_unit *u)
{
	spin_lock(&u->lock);
	write_buffer_flush(u);
	context_cache_invalidate(u, VTD_INV_GLOBAL, 0, 0);
	iotlb_invalidate(u, VTD_INV_GLOBAL, 0, 0, 0);
	spin_unlock(&u->lock);
}

/*
 * Page-selective invalidation covers 2^AM aligned pages; when the range
 * needs a mask above MAMV, or the unit has no PSI, the whole domain goes.
 */
void vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
{
	uint64_t first = iova >> PAGE_SHIFT, last = (iova + size - 1) >> PAGE_SHIFT;
	unsigned am = 0;

	while ((first >> am) != (last >> am))
		am++;
	spin_lock(&u->lock);
	write_buffer_flush(u);
	if (size && u->caps.psi && am <= u->caps.mamv)
		iotlb_invalidate(u, VTD_INV_PAGE, did, (first >> am) << (am + PAGE_SHIFT), am);
	else
		iotlb_invalidate(u, VTD_INV_DOMAIN, did, 0, 0);
	spin_unlock(&u->lock);
}

/* ---- root and context tables ---- */

static struct vtd_entry128 *context_table(struct vtd_unit *u, uint8_t bus, bool create)
{
	struct vtd_entry128 *re = &u->root[bus];
	paddr_t pa;
	void *ctx;

	if (re->lo & VTD_ROOT_LO_P)
		return phys_map(re->lo & VTD_ROOT_LO_CTP, PAGE_SIZE, PHYS_WB);
	if (!create)
		return NULL;
	ctx = zeroed_frame(&pa);
	if (!ctx)
		return NULL;
	flush_for_walker(u, ctx, PAGE_SIZE);
	re->hi = 0;
	__atomic_store_n(&re->lo, pa | VTD_ROOT_LO_P, __ATOMIC_RELEASE);
	flush_for_walker(u, re, sizeof(*re));
	return ctx;
}

int vtd_context_set(struct vtd_unit *u, uint8_t bus, uint8_t devfn, uint16_t did, paddr_t slpt)
{
	struct vtd_entry128 *ctx, *ce;
	uint16_t sid = (uint16_t)(bus << 8 | devfn), old_did;
	bool was_present;

	if (did == 0 || did >= u->caps.num_domains)
		return -EINVAL;   /* DID 0 is reserved when CAP.CM=1; we never use it */
	spin_lock(&u->lock);
	ctx = context_table(u, bus, true);
	if (!ctx) {
		spin_unlock(&u->lock);
		return -ENOMEM;
	}
	ce = &ctx[devfn];
	was_present = ce->lo & VTD_CTX_LO_P;
	old_did = FIELD_GET(VTD_CTX_HI_DID, ce->hi);
	if (slpt)
		store128(ce, (slpt & VTD_CTX_LO_SLPTPTR) | FIELD_PREP(VTD_CTX_LO_TT, VTD_CTX_TT_TRANSLATE) |
				   VTD_CTX_LO_P,
			       FIELD_PREP(VTD_CTX_HI_AW, u->levels - 2) | FIELD_PREP(VTD_CTX_HI_DID, did));
	else
		store128(ce, 0, 0);   /* not present: the unit blocks and reports the device */
	flush_for_walker(u, ce, sizeof(*ce));
	write_buffer_flush(u);
	/*
	 * Device-selective context invalidation, then the IOTLB of every domain
	 * the device could have cached translations for. With CM=1 this also
	 * covers the not-present -> present transition the spec requires.
	 */
	context_cache_invalidate(u, VTD_INV_DEVICE, was_present ? old_did : did, sid);
	iotlb_invalidate(u, VTD_INV_DOMAIN, did, 0, 0);
	if (was_present && old_did != did)
		iotlb_invalidate(u, VTD_INV_DOMAIN, old_did, 0, 0);
	spin_unlock(&u->lock);
	return 0;
}

/* ---- faults ---- */

static void fault_clear_record(struct vtd_unit *u, unsigned i)
{
	/* F is bit 127 of the record: W1C on the top dword, a 32-bit write. */
	wr32(u, u->caps.fro + i * VTD_FRCD_SIZE + 12, (uint32_t)(VTD_FRCD_HI_F >> 32));
}

unsigned vtd_fault_poll(struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_REG_FSTS);
	unsigned logged = 0, i = FIELD_GET(VTD_FSTS_FRI, fsts) % u->caps.nfr;

	for (unsigned n = 0; (fsts & VTD_FSTS_PPF) && n < u->caps.nfr; n++, i = (i + 1) % u->caps.nfr) {
		unsigned off = u->caps.fro + i * VTD_FRCD_SIZE;
		struct vtd_fault f;

		if (!vtd_fault_decode(rd64(u, off), rd64(u, off + 8), &f))
			break;
		fault_clear_record(u, i);
		u->faults_recorded++;
		iommu_fault_report(u, u->base, &(struct iommu_fault){
			.seg = u->segment, .rid = f.sid, .addr = f.addr, .is_write = !f.is_read,
			.reason = f.reason, .reason_name = vtd_fault_reason_name(f.reason) });
		logged++;
	}
	if (fsts & VTD_FSTS_PFO) {
		u->faults_overflowed++;
		pr_warn("unit 0x%016llx: fault recording overflowed, faults were lost", (unsigned long long)u->base);
		wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
	}
	return logged;
}

/* Faults recorded before we owned the unit say nothing about us; drop them. */
static void faults_reset(struct vtd_unit *u)
{
	for (unsigned i = 0; i < u->caps.nfr; i++)
		if (rd64(u, u->caps.fro + i * VTD_FRCD_SIZE + 8) & VTD_FRCD_HI_F)
			fault_clear_record(u, i);
	wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
	/* Faults are polled: keep the event interrupt masked. */
	wr32(u, VTD_REG_FECTL, VTD_FECTL_IM);
}

/* ---- bring-up ---- */

static int choose_levels(struct vtd_unit *u)
{
	/* 4-level tables reach everything below 2^48 and match x86-64/EPT stage-2 tables. */
	if (vtd_caps_has_levels(&u->caps, 4))
		u->levels = 4;
	else if (vtd_caps_has_levels(&u->caps, 3))
		u->levels = 3;
	else
		return -ENODEV;
	u->addr_width = MIN(12 + 9 * u->levels, u->caps.mgaw);
	return 0;
}

static int check_unit(struct vtd_unit *u, const struct dmar_drhd *d)
{
	uint64_t frcd_end = u->caps.fro + (uint64_t)u->caps.nfr * VTD_FRCD_SIZE;

	if (!u->caps.can_translate || choose_levels(u) < 0) {
		pr_err("unit 0x%016llx: no supported table depth (SAGAW 0x%x)", (unsigned long long)u->base,
		       u->caps.sagaw);
		return -ENODEV;
	}
	if (frcd_end > d->reg_size || u->caps.iotlb_reg + 8 > d->reg_size) {
		pr_err("unit 0x%016llx: registers beyond its %llu-byte window", (unsigned long long)u->base,
		       (unsigned long long)d->reg_size);
		return -ENODEV;
	}
	if (rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES)
		pr_warn("unit 0x%016llx: firmware left translation on; taking it over",
			(unsigned long long)u->base);
	return 0;
}

int vtd_unit_init(struct vtd_unit *u, const struct dmar_drhd *d)
{
	int rc;

	memset(u, 0, sizeof(*u));
	u->base = d->base;
	u->segment = d->segment;
	u->regs = phys_map(d->base, d->reg_size ? d->reg_size : PAGE_SIZE, PHYS_UC);
	if (!u->regs)
		return -EIO;
	vtd_caps_decode(rd32(u, VTD_REG_VER), rd64(u, VTD_REG_CAP), rd64(u, VTD_REG_ECAP), &u->caps);
	vtd_caps_log(u->base, &u->caps);
	rc = check_unit(u, d);
	if (rc < 0)
		return rc;
	faults_reset(u);
	u->root = zeroed_frame(&u->root_pa);
	if (!u->root)
		return -ENOMEM;
	flush_for_walker(u, u->root, PAGE_SIZE);
	wr64(u, VTD_REG_RTADDR, u->root_pa);
	if (gcmd_oneshot(u, VTD_GCMD_SRTP, VTD_GSTS_RTPS) < 0)
		return -EIO;
	if (u->caps.qi && boot_options.vtd_noqi)
		pr_info("unit 0x%016llx: vtd=noqi: invalidating through registers", (unsigned long long)u->base);
	else if (u->caps.qi && (rc = qi_enable(u)) < 0)
		pr_warn("unit 0x%016llx: queued invalidation failed (%d), using registers",
			(unsigned long long)u->base, rc);
	vtd_flush_all(u);
	pr_info("unit 0x%016llx: %u-level tables (%u-bit IOVAs), root table 0x%llx, %s invalidation",
		(unsigned long long)u->base, u->levels, u->addr_width, (unsigned long long)u->root_pa,
		u->qi ? "queued" : "register");
	return 0;
}

int vtd_unit_enable_translation(struct vtd_unit *u)
{
	int rc;

	vtd_flush_all(u);
	rc = gcmd_set(u, VTD_GCMD_TE, VTD_GSTS_TES, true);
	u->translating = rc == 0;
	return rc;
}
