/* SPDX-License-Identifier: MIT */
/*
 * VT-d unit bring-up and the operations domains need from it. Ordering
 * rules follow the VT-d specification (§6.5 invalidation, §11.4 registers)
 * and what QEMU 7.2's intel-iommu model checks:
 *  - every GCMD write carries the enable bits already set, or it clears them
 *    (QEMU toggles TE/QIE/IRE when the written bit differs from GSTS);
 *  - 32-bit registers get 32-bit accesses (QEMU aborts on an 8-byte write
 *    to FECTL, IECTL or IEADDR);
 *  - while QI is enabled the CCMD/IOTLB registers are dead: use the queue only;
 *  - a wait descriptor uses status write only, never status write + interrupt
 *    (QEMU aborts on SW+IF);
 *  - one wait descriptor per batch: what one operation needs is queued
 *    together and confirmed once, and every failure reaches the caller.
 */
#define LOG_TAG "vtd"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu/vtd/unit.h"
#include "iommu/vtd/regs.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/phys.h"
#include "kernel/poll.h"
#include "pci/pci.h"

#define VTD_TIMEOUT_US       1000000   /* hardware answers in microseconds; a second means it is wedged */
#define VTD_QUEUE_ENTRIES    256       /* QS = 0: one 4 KiB page */

static uint32_t rd32(const struct vtd_unit *u, unsigned off) { return mmio_read32(u->regs + off); }
static uint64_t rd64(const struct vtd_unit *u, unsigned off) { return mmio_read64(u->regs + off); }
static void wr32(struct vtd_unit *u, unsigned off, uint32_t v) { mmio_write32(u->regs + off, v); }
static void wr64(struct vtd_unit *u, unsigned off, uint64_t v) { mmio_write64(u->regs + off, v); }

static unsigned long long ubase(const struct vtd_unit *u) { return (unsigned long long)u->base; }

static void *zeroed_frame(paddr_t *pa)
{
	void *va;

	*pa = frame_alloc();
	if (!*pa)
		return NULL;
	va = phys_map(*pa, PAGE_SIZE, PHYS_WB);
	if (va)
		memset(va, 0, PAGE_SIZE);
	return va;
}

/* Make table writes visible to a walker that does not snoop caches (ECAP.C = 0). */
static void flush_for_walker(const struct vtd_unit *u, const volatile void *p, size_t len)
{
	if (!u->caps.coherent)
		cache_flush_range(p, len);
}

struct gsts_wait {
	struct vtd_unit *u;
	uint32_t bit;
	bool set;
};

static int gsts_reached(void *ctx)
{
	struct gsts_wait *w = ctx;

	return !!(rd32(w->u, VTD_REG_GSTS) & w->bit) == w->set;
}

static int __must_check wait_gsts(struct vtd_unit *u, uint32_t bit, bool set)
{
	struct gsts_wait w = { u, bit, set };
	int rc = poll_timeout_us(gsts_reached, &w, VTD_TIMEOUT_US);

	if (rc < 0)
		pr_err("unit 0x%016llx: GSTS bit 0x%x did not %s", ubase(u), bit, set ? "set" : "clear");
	return rc;
}

/* GCMD is write-only and compared against GSTS: carry the persistent enables along. */
static int __must_check gcmd_set(struct vtd_unit *u, uint32_t cmd, uint32_t status, bool on)
{
	uint32_t cur = rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;

	wr32(u, VTD_REG_GCMD, on ? cur | cmd : cur & ~cmd);
	return wait_gsts(u, status, on);
}

/* One-shot commands (SRTP, WBF) report completion by their status bit, not by persistence. */
static int __must_check gcmd_oneshot(struct vtd_unit *u, uint32_t cmd, uint32_t status)
{
	wr32(u, VTD_REG_GCMD, (rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT) | cmd);
	return wait_gsts(u, status, cmd != VTD_GCMD_WBF);
}

/* CAP.RWBF: entry writes may sit in a write buffer until flushed (spec §6.8). */
static int __must_check write_buffer_flush(struct vtd_unit *u)
{
	if (!u->caps.rwbf)
		return 0;
	if (gcmd_oneshot(u, VTD_GCMD_WBF, VTD_GSTS_WBFS) < 0) {
		pr_err("unit 0x%016llx: write-buffer flush timed out", ubase(u));
		return -ETIMEDOUT;
	}
	return 0;
}

/*
 * ---- invalidation ----
 *
 * What one operation needs is collected in a batch and confirmed once: with
 * QI the descriptors go into the queue together, followed by one wait
 * descriptor; with register-based invalidation each one is issued and
 * waited for as it is added (the registers take one at a time).
 */

#define VTD_BATCH_MAX 4

struct vtd_batch {
	struct vtd_entry128 d[VTD_BATCH_MAX];
	unsigned n;
	int err;                         /* register-based: the first failure */
};

/* "context-cache device did 5 sid 00:03.0" and the like, for error lines. */
static void describe(const struct vtd_entry128 *d, char *buf, size_t len)
{
	static const char *const gran[] = { "?", "global", "domain", "device/page" };
	unsigned type = FIELD_GET(VTD_QI_TYPE, d->lo), g = FIELD_GET(VTD_QI_GRAN, d->lo);

	if (type == VTD_QI_TYPE_CC) {
		unsigned sid = FIELD_GET(VTD_QI_CC_SID, d->lo);

		snprintf(buf, len, "context-cache %s did %u sid %02x:%02x.%u", gran[g],
			 (unsigned)FIELD_GET(VTD_QI_CC_DID, d->lo), sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	} else if (type == VTD_QI_TYPE_IOTLB) {
		snprintf(buf, len, "iotlb %s did %u addr 0x%llx am %u", gran[g],
			 (unsigned)FIELD_GET(VTD_QI_IOTLB_DID, d->lo),
			 (unsigned long long)(d->hi & VTD_QI_IOTLB_HI_ADDR),
			 (unsigned)FIELD_GET(VTD_QI_IOTLB_HI_AM, d->hi));
	} else {
		snprintf(buf, len, "descriptor 0x%016llx:%016llx", (unsigned long long)d->hi,
			 (unsigned long long)d->lo);
	}
}

static void log_batch_failure(const struct vtd_unit *u, const struct vtd_batch *b, const char *what)
{
	char line[96];

	for (unsigned i = 0; i < b->n; i++) {
		describe(&b->d[i], line, sizeof(line));
		pr_err("unit 0x%016llx: %s: %s", ubase(u), what, line);
	}
}

static unsigned queue_head(const struct vtd_unit *u)
{
	return FIELD_GET(VTD_IQ_QH_QT, rd64(u, VTD_REG_IQH)) % VTD_QUEUE_ENTRIES;
}

struct queue_space {
	struct vtd_unit *u;
	unsigned need;
};

/* Free slots, one kept empty so that a full ring is not mistaken for an empty one. */
static int queue_has_space(void *ctx)
{
	struct queue_space *q = ctx;
	unsigned free = (queue_head(q->u) + VTD_QUEUE_ENTRIES - q->u->queue_tail - 1) % VTD_QUEUE_ENTRIES;

	return free >= q->need;
}

struct wait_done {
	struct vtd_unit *u;
	uint32_t seq;
};

static int wait_descriptor_done(void *ctx)
{
	struct wait_done *w = ctx;

	if (__atomic_load_n(w->u->wait_status, __ATOMIC_ACQUIRE) == w->seq)
		return 1;
	return (rd32(w->u, VTD_REG_FSTS) & VTD_FSTS_IQE) ? -EIO : 0;
}

/* The batch's descriptors, then one wait descriptor whose status write confirms them all. */
static int __must_check qi_submit(struct vtd_unit *u, const struct vtd_batch *b)
{
	struct queue_space space = { u, b->n + 1 };
	struct wait_done w = { u, ++u->wait_seq };
	int rc;

	if (poll_timeout_us(queue_has_space, &space, VTD_TIMEOUT_US) < 0) {
		log_batch_failure(u, b, "invalidation queue full (the unit stopped fetching); not submitted");
		return -ETIMEDOUT;
	}
	for (unsigned i = 0; i <= b->n; i++) {
		struct vtd_entry128 *slot = &u->queue[u->queue_tail];

		if (i < b->n) {
			*slot = b->d[i];
		} else {
			slot->lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_WAIT) | VTD_QI_WAIT_SW |
				   FIELD_PREP(VTD_QI_WAIT_DATA, w.seq);
			slot->hi = u->wait_status_pa & VTD_QI_WAIT_HI_ADDR;
		}
		flush_for_walker(u, slot, sizeof(*slot));
		u->queue_tail = (u->queue_tail + 1) % VTD_QUEUE_ENTRIES;
	}
	wr64(u, VTD_REG_IQT, FIELD_PREP(VTD_IQ_QH_QT, u->queue_tail));
	rc = poll_timeout_us(wait_descriptor_done, &w, VTD_TIMEOUT_US);
	if (rc == -EIO) {
		pr_err("unit 0x%016llx: invalidation queue error at descriptor %u", ubase(u), queue_head(u));
		log_batch_failure(u, b, "invalidation not confirmed");
		wr32(u, VTD_REG_FSTS, VTD_FSTS_IQE);
		return rc;
	}
	if (rc < 0) {
		log_batch_failure(u, b, "invalidation wait timed out");
		return rc;
	}
	u->invalidations += b->n;
	return 0;
}

struct reg_busy {
	struct vtd_unit *u;
	unsigned off;
	uint64_t busy;
};

static int reg_idle(void *ctx)
{
	struct reg_busy *r = ctx;

	return !(rd64(r->u, r->off) & r->busy);
}

/* Register-based invalidation: the command bit clears when the unit is done. */
static int __must_check reg_wait_clear(struct vtd_unit *u, unsigned off, uint64_t busy,
				       const struct vtd_entry128 *what)
{
	struct reg_busy r = { u, off, busy };
	char line[96];

	if (poll_timeout_us(reg_idle, &r, VTD_TIMEOUT_US) < 0) {
		describe(what, line, sizeof(line));
		pr_err("unit 0x%016llx: invalidation register 0x%x stuck: %s", ubase(u), off, line);
		return -ETIMEDOUT;
	}
	u->invalidations++;
	return 0;
}

/* The register form of a queued descriptor: the same fields, other positions. */
static int __must_check reg_invalidate(struct vtd_unit *u, const struct vtd_entry128 *d)
{
	unsigned gran = FIELD_GET(VTD_QI_GRAN, d->lo);

	if (FIELD_GET(VTD_QI_TYPE, d->lo) == VTD_QI_TYPE_CC) {
		wr64(u, VTD_REG_CCMD, VTD_CCMD_ICC | FIELD_PREP(VTD_CCMD_CIRG, gran) |
		     FIELD_PREP(VTD_CCMD_DID, FIELD_GET(VTD_QI_CC_DID, d->lo)) |
		     FIELD_PREP(VTD_CCMD_SID, FIELD_GET(VTD_QI_CC_SID, d->lo)));
		return reg_wait_clear(u, VTD_REG_CCMD, VTD_CCMD_ICC, d);
	}
	if (gran == VTD_INV_PAGE)
		wr64(u, u->caps.iro + VTD_REG_IVA_OFF, (d->hi & VTD_IVA_ADDR) |
		     FIELD_PREP(VTD_IVA_AM, FIELD_GET(VTD_QI_IOTLB_HI_AM, d->hi)));
	wr64(u, u->caps.iotlb_reg, VTD_IOTLB_IVT | FIELD_PREP(VTD_IOTLB_IIRG, gran) |
	     FIELD_PREP(VTD_IOTLB_DID, FIELD_GET(VTD_QI_IOTLB_DID, d->lo)) |
	     ((d->lo & VTD_QI_IOTLB_DR) ? VTD_IOTLB_DR : 0) | ((d->lo & VTD_QI_IOTLB_DW) ? VTD_IOTLB_DW : 0));
	return reg_wait_clear(u, u->caps.iotlb_reg, VTD_IOTLB_IVT, d);
}

static void batch_add(struct vtd_unit *u, struct vtd_batch *b, struct vtd_entry128 d)
{
	if (!u->qi) {
		if (b->err == 0)
			b->err = reg_invalidate(u, &d);
		return;
	}
	if (b->n < VTD_BATCH_MAX)
		b->d[b->n++] = d;
	else
		b->err = -E2BIG;   /* a caller bug: batches are sized for the largest operation */
}

static void context_cache_invalidate(struct vtd_unit *u, struct vtd_batch *b, unsigned gran,
				     uint16_t did, uint16_t sid)
{
	batch_add(u, b, (struct vtd_entry128){
		.lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_CC) | FIELD_PREP(VTD_QI_GRAN, gran) |
		      FIELD_PREP(VTD_QI_CC_DID, did) | FIELD_PREP(VTD_QI_CC_SID, sid) });
}

static void iotlb_invalidate(struct vtd_unit *u, struct vtd_batch *b, unsigned gran, uint16_t did,
			     uint64_t addr, unsigned am)
{
	/* Draining reads and writes first keeps a stale translation from completing afterwards. */
	uint64_t drain = (u->caps.drd ? VTD_QI_IOTLB_DR : 0) | (u->caps.dwd ? VTD_QI_IOTLB_DW : 0);

	batch_add(u, b, (struct vtd_entry128){
		.lo = FIELD_PREP(VTD_QI_TYPE, VTD_QI_TYPE_IOTLB) | FIELD_PREP(VTD_QI_GRAN, gran) |
		      FIELD_PREP(VTD_QI_IOTLB_DID, did) | drain,
		.hi = gran == VTD_INV_PAGE ? (addr & VTD_QI_IOTLB_HI_ADDR) | FIELD_PREP(VTD_QI_IOTLB_HI_AM, am) : 0 });
}

/* Issue what the batch holds and wait for it: 0 once the unit confirmed every descriptor. */
static int __must_check batch_commit(struct vtd_unit *u, struct vtd_batch *b)
{
	if (b->err || !u->qi || b->n == 0)
		return b->err;
	return qi_submit(u, b);
}

static int __must_check flush_all_locked(struct vtd_unit *u)
{
	struct vtd_batch b = { .n = 0 };
	int rc = write_buffer_flush(u);

	if (rc < 0)
		return rc;
	context_cache_invalidate(u, &b, VTD_INV_GLOBAL, 0, 0);
	iotlb_invalidate(u, &b, VTD_INV_GLOBAL, 0, 0, 0);
	return batch_commit(u, &b);
}

int vtd_flush_all(struct vtd_unit *u)
{
	int rc;

	spin_lock(&u->lock);
	rc = flush_all_locked(u);
	spin_unlock(&u->lock);
	return rc;
}

/*
 * Page-selective invalidation covers 2^AM aligned pages; when the range
 * needs a mask above MAMV, or the unit has no PSI, the whole domain goes.
 */
int vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
{
	uint64_t first = iova >> PAGE_SHIFT, last = (iova + size - 1) >> PAGE_SHIFT;
	struct vtd_batch b = { .n = 0 };
	unsigned am = 0;
	int rc;

	while (size && am < 64 && (first >> am) != (last >> am))
		am++;
	spin_lock(&u->lock);
	rc = write_buffer_flush(u);
	if (rc == 0) {
		if (size && !range_overflows(iova, size) && u->caps.psi && am <= u->caps.mamv)
			iotlb_invalidate(u, &b, VTD_INV_PAGE, did, (first >> am) << (am + PAGE_SHIFT), am);
		else
			iotlb_invalidate(u, &b, VTD_INV_DOMAIN, did, 0, 0);
		rc = batch_commit(u, &b);
	}
	spin_unlock(&u->lock);
	return rc;
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

static bool ctx_present(const struct vtd_entry128 *e) { return e->lo & VTD_CTX_LO_P; }
static uint16_t ctx_did(const struct vtd_entry128 *e) { return FIELD_GET(VTD_CTX_HI_DID, e->hi); }

/*
 * Replace the context entry `ce` (holding `from`) by `to` in one 128-bit
 * store, then invalidate what the unit may have cached of `from`, in one
 * batch (spec §6.5.3.3 / §6.2.2.1): the device's context-cache entry,
 * tagged with the domain id it had (domain id 0 for a not-present entry,
 * which is how caching-mode units tag those), then the IOTLB of the old
 * domain, and of the new one (a caching-mode unit may hold not-present
 * translations for it). 0 once the unit confirmed it all.
 */
static int __must_check context_replace(struct vtd_unit *u, struct vtd_entry128 *ce, uint16_t sid,
					struct vtd_entry128 from, struct vtd_entry128 to)
{
	struct vtd_batch b = { .n = 0 };
	int rc;

	store128(ce, to.lo, to.hi);
	flush_for_walker(u, ce, sizeof(*ce));
	rc = write_buffer_flush(u);
	if (rc < 0)
		return rc;
	context_cache_invalidate(u, &b, VTD_INV_DEVICE, ctx_present(&from) ? ctx_did(&from) : 0, sid);
	if (ctx_present(&from))
		iotlb_invalidate(u, &b, VTD_INV_DOMAIN, ctx_did(&from), 0, 0);
	if (ctx_present(&to) && (!ctx_present(&from) || ctx_did(&to) != ctx_did(&from)))
		iotlb_invalidate(u, &b, VTD_INV_DOMAIN, ctx_did(&to), 0, 0);
	return batch_commit(u, &b);
}

int vtd_context_set(struct vtd_unit *u, uint8_t bus, uint8_t devfn, uint16_t did, paddr_t slpt)
{
	uint16_t sid = (uint16_t)(bus << 8 | devfn);
	struct vtd_entry128 *ctx, *ce, old, new = { 0, 0 };
	int rc;

	if (did == 0 || did >= u->caps.num_domains)
		return -EINVAL;   /* DID 0 is reserved when CAP.CM=1; we never use it */
	if (slpt)
		new = (struct vtd_entry128){
			.lo = (slpt & VTD_CTX_LO_SLPTPTR) | FIELD_PREP(VTD_CTX_LO_TT, VTD_CTX_TT_TRANSLATE) |
			      VTD_CTX_LO_P,
			.hi = FIELD_PREP(VTD_CTX_HI_AW, u->levels - 2) | FIELD_PREP(VTD_CTX_HI_DID, did) };
	/* else not present: the unit blocks and reports the device */
	spin_lock(&u->lock);
	ctx = context_table(u, bus, true);
	if (!ctx) {
		spin_unlock(&u->lock);
		return -ENOMEM;
	}
	ce = &ctx[devfn];
	old = *ce;
	rc = context_replace(u, ce, sid, old, new);
	if (rc < 0) {
		/*
		 * The unit did not confirm the change, so it may use either entry.
		 * Put the old one back and have that confirmed: the caller then
		 * sees a failure and the hardware agrees. If even that is not
		 * confirmed, leave the device blocked (not present) rather than
		 * pointing at a domain the caller believes it left.
		 */
		if (context_replace(u, ce, sid, new, old) == 0) {
			pr_err("unit 0x%016llx: %02x:%02x.%u: move not confirmed (%d); old context entry restored",
			       ubase(u), bus, PCI_DEV(devfn), PCI_FN(devfn), rc);
		} else {
			store128(ce, 0, 0);
			flush_for_walker(u, ce, sizeof(*ce));
			pr_err("unit 0x%016llx: %02x:%02x.%u: move and its undo not confirmed: context entry cleared (blocked)",
			       ubase(u), bus, PCI_DEV(devfn), PCI_FN(devfn));
			rc = -ENOTRECOVERABLE;
		}
	}
	spin_unlock(&u->lock);
	return rc;
}

/* ---- faults ---- */

#define VTD_OVERFLOW_LOG_LIMIT 8   /* overflow lines per unit; a guest can cause them at will */

static void fault_clear_record(struct vtd_unit *u, unsigned i)
{
	/* F is bit 127 of the record: W1C on the top dword, a 32-bit write. */
	wr32(u, u->caps.fro + i * VTD_FRCD_SIZE + 12, (uint32_t)(VTD_FRCD_HI_F >> 32));
}

static unsigned fault_drain(struct vtd_unit *u, uint32_t fsts)
{
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
		if (++u->faults_overflowed <= VTD_OVERFLOW_LOG_LIMIT)
			pr_warn("unit 0x%016llx: fault recording overflowed, faults were lost", ubase(u));
		wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
	}
	return logged;
}

/*
 * Cheap when there is nothing: one FSTS read and no lock, so every VM exit
 * may call it. One CPU drains at a time; another finding the drain busy
 * leaves it to that CPU instead of spinning.
 */
unsigned vtd_fault_poll(struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_REG_FSTS);
	unsigned n;

	if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)) || !spin_trylock(&u->fault_lock))
		return 0;
	n = fault_drain(u, rd32(u, VTD_REG_FSTS));
	spin_unlock(&u->fault_lock);
	return n;
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

static int queue_drained(void *ctx)
{
	const struct vtd_unit *u = ctx;

	return FIELD_GET(VTD_IQ_QH_QT, rd64(u, VTD_REG_IQH)) == FIELD_GET(VTD_IQ_QH_QT, rd64(u, VTD_REG_IQT));
}

/*
 * A queue firmware left enabled is first drained and disabled: IQA and
 * IQT may only be written while QIE is off (spec §6.5.2, §11.4.9.3).
 */
static int __must_check qi_take_over(struct vtd_unit *u)
{
	if (!(rd32(u, VTD_REG_GSTS) & VTD_GSTS_QIES))
		return 0;
	pr_info("unit 0x%016llx: firmware left queued invalidation on; disabling it first", ubase(u));
	if (poll_timeout_us(queue_drained, u, VTD_TIMEOUT_US) < 0)
		pr_warn("unit 0x%016llx: firmware's invalidation queue did not drain", ubase(u));
	return gcmd_set(u, VTD_GCMD_QIE, VTD_GSTS_QIES, false);
}

static int __must_check qi_enable(struct vtd_unit *u)
{
	int rc = qi_take_over(u);

	if (rc < 0)
		return rc;
	u->queue = zeroed_frame(&u->queue_pa);
	u->wait_status = zeroed_frame(&u->wait_status_pa);
	if (!u->queue || !u->wait_status)
		return -ENOMEM;
	u->queue_tail = 0;
	wr64(u, VTD_REG_IQT, 0);
	wr64(u, VTD_REG_IQA, u->queue_pa | FIELD_PREP(VTD_IQA_QS, 0));
	rc = gcmd_set(u, VTD_GCMD_QIE, VTD_GSTS_QIES, true);
	u->qi = rc == 0;
	return rc;
}

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
		pr_err("unit 0x%016llx: no supported table depth (SAGAW 0x%x)", ubase(u), u->caps.sagaw);
		return -ENODEV;
	}
	if (frcd_end > d->reg_size || u->caps.iotlb_reg + 8 > d->reg_size) {
		pr_err("unit 0x%016llx: registers beyond its %llu-byte window", ubase(u),
		       (unsigned long long)d->reg_size);
		return -ENODEV;
	}
	if (rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES)
		pr_warn("unit 0x%016llx: firmware left translation on; taking it over with every device blocked",
			ubase(u));
	return 0;
}

/* Root table, invalidation interface, caches flushed: the unit blocks every device from here on. */
static int __must_check unit_setup(struct vtd_unit *u)
{
	int rc;

	faults_reset(u);
	u->root = zeroed_frame(&u->root_pa);
	if (!u->root)
		return -ENOMEM;
	flush_for_walker(u, u->root, PAGE_SIZE);
	/*
	 * With translation left on by firmware, SRTP switches the walker to our
	 * empty root table at once: every device blocked, never untranslated.
	 */
	wr64(u, VTD_REG_RTADDR, u->root_pa);
	if (gcmd_oneshot(u, VTD_GCMD_SRTP, VTD_GSTS_RTPS) < 0)
		return -EIO;
	/* While QIE is on the invalidation registers are dead: the queue goes first either way. */
	rc = qi_take_over(u);
	if (rc < 0)
		return rc;
	if (u->caps.qi && boot_options.vtd_noqi)
		pr_info("unit 0x%016llx: vtd=noqi: invalidating through registers", ubase(u));
	else if (u->caps.qi && (rc = qi_enable(u)) < 0)
		pr_warn("unit 0x%016llx: queued invalidation failed (%d), using registers", ubase(u), rc);
	return vtd_flush_all(u);
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
	u->translating = rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES;
	rc = unit_setup(u);
	if (rc < 0) {
		/* Its tables stay allocated: a unit left translating may be walking them. */
		pr_err("unit 0x%016llx: bring-up failed (%d)", ubase(u), rc);
		return rc;
	}
	pr_info("unit 0x%016llx: %u-level tables (%u-bit IOVAs), root table 0x%llx, %s invalidation",
		ubase(u), u->levels, u->addr_width, (unsigned long long)u->root_pa,
		u->qi ? "queued" : "register");
	return 0;
}

int vtd_unit_enable_translation(struct vtd_unit *u)
{
	int rc = vtd_flush_all(u);

	if (rc == 0)
		rc = gcmd_set(u, VTD_GCMD_TE, VTD_GSTS_TES, true);
	u->translating = rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES;
	return rc;
}

void vtd_unit_describe(const struct vtd_unit *u, struct iommu_unit_info *out)
{
	const struct vtd_caps *c = &u->caps;

	*out = (struct iommu_unit_info){
		.base = u->base, .segment = u->segment, .translating = u->translating,
		.queue = u->qi ? "QI" : "registers",
		.invalidations = u->invalidations, .faults = u->faults_recorded,
		.overflows = u->faults_overflowed,
	};
	snprintf(out->caps, sizeof(out->caps), "VT-d %u.%u, %u-level tables, MGAW %u,%s%s %u fault records, CM=%u C=%u",
		 c->ver_major, c->ver_minor, u->levels, c->mgaw, c->sp_2m ? " 2M" : "", c->sp_1g ? " 1G" : "",
		 c->nfr, c->cm, c->coherent);
	if (u->qi && u->queue) {
		out->queue_head = queue_head(u);
		out->queue_tail = u->queue_tail;
	}
}
