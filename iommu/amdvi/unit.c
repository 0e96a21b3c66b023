/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi driver behind the IOMMU seam. Rules it follows (AMD I/O
 * Virtualization Technology specification, pub. 48882, and what QEMU 7.2's
 * amd-iommu model does):
 *  - a DTE with V=0 means "do not translate": every one of the 65536 DTEs is
 *    blocked (V=1 TV=1 IR=IW=0 over an empty table) before anything else,
 *    and stays valid;
 *  - a DTE is replaced with its translation fields (qwords 0-1) in one
 *    CMPXCHG16B, so the unit reads the old or the new entry, never a mix;
 *  - every DTE change is followed by INVALIDATE_DEVTAB_ENTRY, then
 *    INVALIDATE_IOMMU_PAGES for the old and the new DomainID, in one batch
 *    with one COMPLETION_WAIT whose store we wait for; a change the unit
 *    does not confirm is undone (or the ids are left blocked);
 *  - commands run only once Control.IOMMUEn is set (QEMU gates the command
 *    buffer on it), so before enable DTE writes skip invalidation and enable
 *    invalidates everything instead; until then the unit translates nothing,
 *    unless firmware left it translating: then IOMMUEn stays on throughout;
 *  - 64-bit registers get 64-bit accesses (QEMU latches DevTab base only on
 *    its high half); the event log is polled.
 */
#define LOG_TAG "amdvi"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu/amdvi/unit.h"
#include "iommu/amdvi/cmd.h"
#include "iommu/amdvi/regs.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/poll.h"

#define AMDVI_TIMEOUT_US      1000000   /* a unit answers in microseconds; a second means it is wedged */
#define AMDVI_RING_ORDER      AMDVI_RING_LEN_MIN            /* 2^8 = 256 entries: one 4 KiB page */
#define AMDVI_RING_ENTRIES    (1u << AMDVI_RING_ORDER)
#define AMDVI_EVENT_LOG_LIMIT 32        /* command-error lines per unit; then only counted */
#define AMDVI_INV_TIMEOUT_1S  4         /* Control.InvTimeOut encoding for 1 s */

static struct ivrs_info ivrs;
static struct amdvi_unit units[AMDVI_MAX_UNITS];
static unsigned nunits;

static uint64_t rd64(const struct amdvi_unit *u, unsigned off) { return mmio_read64(u->regs + off); }
static void wr64(struct amdvi_unit *u, unsigned off, uint64_t v) { mmio_write64(u->regs + off, v); }

/* Make CPU writes visible to (or drop stale lines before reading data from) a unit that does not snoop. */
static void cache_flush(const struct amdvi_unit *u, const volatile void *p, size_t len)
{
	if (!u->coherent)
		cache_flush_range(p, len);
}

/*
 * Head and tail registers hold byte offsets. QEMU leaves CMD_HEAD at the
 * ring size after wrapping (it wraps only its internal copy), so reduce
 * modulo the ring.
 */
static unsigned ring_index(uint64_t reg)
{
	return FIELD_GET(AMDVI_RING_PTR, reg) % AMDVI_RING_ENTRIES;
}

/* ---- command buffer ---- */

static unsigned long long ubase(const struct amdvi_unit *u) { return (unsigned long long)u->base; }

static void cmd_kick(struct amdvi_unit *u)
{
	__asm__ volatile("" ::: "memory");   /* the command stores precede the tail write (x86 keeps store order) */
	wr64(u, AMDVI_REG_CMD_TAIL, FIELD_PREP(AMDVI_RING_PTR, u->cmd_tail));
}

static int cmd_slot_free(void *ctx)
{
	struct amdvi_unit *u = ctx;

	if ((u->cmd_tail + 1) % AMDVI_RING_ENTRIES != ring_index(rd64(u, AMDVI_REG_CMD_HEAD)))
		return 1;
	cmd_kick(u);   /* let the unit fetch what is queued so far */
	return 0;
}

/* Place one command at the tail; never overruns the head the unit is still reading from. */
static int __must_check cmd_queue(struct amdvi_unit *u, struct amdvi_cmd c)
{
	struct amdvi_cmd *slot;

	if (poll_timeout_us(cmd_slot_free, u, AMDVI_TIMEOUT_US) < 0) {
		pr_err("unit 0x%016llx: command buffer full for 1 s (status 0x%llx): the unit stopped fetching",
		       ubase(u), (unsigned long long)rd64(u, AMDVI_REG_STATUS));
		return -ETIMEDOUT;
	}
	slot = &u->cmdbuf[u->cmd_tail];
	slot->q[0] = c.q[0];
	slot->q[1] = c.q[1];
	cache_flush(u, slot, sizeof(*slot));
	u->cmd_tail = (u->cmd_tail + 1) % AMDVI_RING_ENTRIES;
	u->commands++;
	return 0;
}

/* "INVALIDATE_IOMMU_PAGES domain 5 addr 0x..." and the like, for error lines. */
static void describe(const struct amdvi_cmd *c, char *buf, size_t len)
{
	unsigned op = FIELD_GET(AMDVI_CMD0_OPCODE, c->q[0]);

	if (op == AMDVI_CMD_INV_DEVTAB_ENTRY) {
		unsigned id = FIELD_GET(AMDVI_CMD0_DEVICE_ID, c->q[0]);

		snprintf(buf, len, "INVALIDATE_DEVTAB_ENTRY %02x:%02x.%u", id >> 8, (id >> 3) & 0x1f, id & 7);
	} else if (op == AMDVI_CMD_INV_IOMMU_PAGES) {
		snprintf(buf, len, "INVALIDATE_IOMMU_PAGES domain %u addr 0x%llx%s",
			 (unsigned)FIELD_GET(AMDVI_CMD0_DOMAIN_ID, c->q[0]),
			 (unsigned long long)(c->q[1] & AMDVI_CMD1_ADDR), (c->q[1] & AMDVI_CMD1_S) ? " (range)" : "");
	} else if (op == AMDVI_CMD_INV_IOMMU_ALL) {
		snprintf(buf, len, "INVALIDATE_IOMMU_ALL");
	} else {
		snprintf(buf, len, "command 0x%016llx:%016llx", (unsigned long long)c->q[1],
			 (unsigned long long)c->q[0]);
	}
}

/*
 * The commands one operation needs, submitted together and confirmed by one
 * COMPLETION_WAIT.
 */
#define AMDVI_BATCH_MAX 8

struct amdvi_batch {
	struct amdvi_cmd c[AMDVI_BATCH_MAX];
	unsigned n;
	int err;
};

static void batch_add(struct amdvi_batch *b, struct amdvi_cmd c)
{
	for (unsigned i = 0; i < b->n; i++)
		if (b->c[i].q[0] == c.q[0] && b->c[i].q[1] == c.q[1])
			return;   /* the same invalidation twice confirms nothing more */
	if (b->n < AMDVI_BATCH_MAX)
		b->c[b->n++] = c;
	else
		b->err = -E2BIG;   /* a caller bug: batches are sized for the largest operation */
}

static void log_batch_failure(const struct amdvi_unit *u, const struct amdvi_batch *b, const char *what)
{
	char line[96];

	if (!b->n)
		pr_err("unit 0x%016llx: %s", ubase(u), what);
	for (unsigned i = 0; i < b->n; i++) {
		describe(&b->c[i], line, sizeof(line));
		pr_err("unit 0x%016llx: %s: %s", ubase(u), what, line);
	}
}

struct wait_store {
	struct amdvi_unit *u;
	uint64_t seq;
};

static int wait_stored(void *ctx)
{
	struct wait_store *w = ctx;

	cache_flush(w->u, w->u->wait_store, sizeof(*w->u->wait_store));
	return __atomic_load_n(w->u->wait_store, __ATOMIC_ACQUIRE) == w->seq;
}

/*
 * Queue the batch (and whatever the caller queued before it), then one
 * COMPLETION_WAIT, and wait until the unit has stored its data: 0 once
 * every command before it is done.
 */
static int __must_check batch_commit(struct amdvi_unit *u, const struct amdvi_batch *b)
{
	struct wait_store w = { u, ++u->wait_seq };
	int rc = b->err;

	for (unsigned i = 0; i < b->n && rc == 0; i++)
		rc = cmd_queue(u, b->c[i]);
	if (rc == 0)
		rc = cmd_queue(u, amdvi_cmd_completion_wait(u->wait_store_pa, w.seq));
	if (rc < 0) {
		log_batch_failure(u, b, "commands not submitted");
		return rc;
	}
	cmd_kick(u);
	rc = poll_timeout_us(wait_stored, &w, AMDVI_TIMEOUT_US);
	if (rc < 0) {
		pr_err("unit 0x%016llx: COMPLETION_WAIT not done after 1 s (head %u tail %u status 0x%llx)",
		       ubase(u), ring_index(rd64(u, AMDVI_REG_CMD_HEAD)), u->cmd_tail,
		       (unsigned long long)rd64(u, AMDVI_REG_STATUS));
		log_batch_failure(u, b, "invalidation not confirmed");
	}
	return rc;
}

/*
 * Queue the invalidation of everything the unit may have cached (confirmed
 * by the caller's next wait). Without INVALIDATE_IOMMU_ALL (EFR
 * IASup, absent only on the first units) every DTE and every DomainID is
 * invalidated one by one: firmware may have used any of them.
 */
static int __must_check invalidate_everything(struct amdvi_unit *u)
{
	int rc = 0;

	if (u->caps.ia)
		return cmd_queue(u, amdvi_cmd_inv_all());
	for (uint32_t id = 0; id < AMDVI_DEVIDS && rc == 0; id++) {
		rc = cmd_queue(u, amdvi_cmd_inv_devtab((uint16_t)id));
		if (rc == 0)
			rc = cmd_queue(u, amdvi_cmd_inv_pages((uint16_t)id, 0, 0));
	}
	return rc;
}

/* ---- device table ---- */

/*
 * Install `n` for `devid`. Qwords 2-3 (interrupt fields, zero here) go
 * first; then the translation half in one store.
 */
static void dte_write(struct amdvi_unit *u, uint16_t devid, const struct amdvi_dte *n)
{
	struct amdvi_dte *e = &u->devtab[devid];

	__atomic_store_n(&e->q[3], n->q[3], __ATOMIC_RELAXED);
	__atomic_store_n(&e->q[2], n->q[2], __ATOMIC_RELAXED);
	store128(e, n->q[0], n->q[1]);
	cache_flush(u, e, sizeof(*e));
}

static uint16_t dte_domid(const struct amdvi_dte *e) { return FIELD_GET(AMDVI_DTE1_DOMAIN_ID, e->q[1]); }

/*
 * Replace the DTEs of devids[0..n) (holding from[i]) by to[i], then in one
 * batch invalidate each cached DTE and the pages of every DomainID involved,
 * with one COMPLETION_WAIT. 0 once the unit confirmed it all.
 */
static int __must_check dtes_replace(struct amdvi_unit *u, const uint16_t *devids, unsigned n,
				     const struct amdvi_dte *from, const struct amdvi_dte *to)
{
	struct amdvi_batch b = { .n = 0 };

	for (unsigned i = 0; i < n; i++)
		dte_write(u, devids[i], &to[i]);
	if (!u->enabled)
		return 0;   /* nothing runs, nothing translates yet; enable invalidates everything */
	for (unsigned i = 0; i < n; i++) {
		batch_add(&b, amdvi_cmd_inv_devtab(devids[i]));
		batch_add(&b, amdvi_cmd_inv_pages(dte_domid(&from[i]), 0, 0));
		batch_add(&b, amdvi_cmd_inv_pages(dte_domid(&to[i]), 0, 0));
	}
	return batch_commit(u, &b);
}

/*
 * All or nothing for a requester id and its alias: when the unit does not
 * confirm the change the old DTEs go back and that is confirmed, or, when
 * even that fails, the ids are left blocked (-ENOTRECOVERABLE).
 */
static int __must_check dtes_set(struct amdvi_unit *u, const uint16_t *devids, unsigned n,
				 const struct amdvi_dte *new_dte)
{
	struct amdvi_dte old[2], to[2];
	int rc;

	for (unsigned i = 0; i < n; i++) {
		old[i] = u->devtab[devids[i]];
		to[i] = *new_dte;
	}
	rc = dtes_replace(u, devids, n, old, to);
	if (rc == 0)
		return 0;
	if (dtes_replace(u, devids, n, to, old) == 0) {
		pr_err("unit 0x%016llx: %02x:%02x.%u: move not confirmed (%d); old device table entry restored",
		       ubase(u), devids[0] >> 8, (devids[0] >> 3) & 0x1f, devids[0] & 7, rc);
		return rc;
	}
	for (unsigned i = 0; i < n; i++) {
		struct amdvi_dte blocked = amdvi_dte_blocked(dte_domid(&old[i]), u->empty_table_pa);

		dte_write(u, devids[i], &blocked);
	}
	pr_err("unit 0x%016llx: %02x:%02x.%u: move and its undo not confirmed: device table entry blocked",
	       ubase(u), devids[0] >> 8, (devids[0] >> 3) & 0x1f, devids[0] & 7);
	return -ENOTRECOVERABLE;
}

static void devtab_block_all(struct amdvi_unit *u)
{
	struct amdvi_dte b = amdvi_dte_blocked(0, u->empty_table_pa);

	for (uint32_t id = 0; id < AMDVI_DEVIDS; id++)
		u->devtab[id] = b;
	cache_flush(u, u->devtab, AMDVI_DEV_TABLE_BYTES);
}

/* ---- bring-up ---- */

/* A zeroed page the unit reads or writes (a ring, the empty table, the store page). */
static void *unit_page(const struct amdvi_unit *u, paddr_t *pa)
{
	void *va;

	*pa = frame_alloc();
	va = *pa ? phys_map(*pa, PAGE_SIZE, PHYS_WB) : NULL;
	if (va) {
		memset(va, 0, PAGE_SIZE);
		cache_flush(u, va, PAGE_SIZE);
	}
	return va;
}

static void unit_free(struct amdvi_unit *u)
{
	const paddr_t pages[] = { u->cmdbuf_pa, u->evtlog_pa, u->empty_table_pa, u->wait_store_pa };

	if (u->devtab_pa)
		frames_free(u->devtab_pa, AMDVI_DEV_TABLE_PAGES);
	for (unsigned i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i])
			frames_free(pages[i], 1);
}

/*
 * The device table (2 MiB, 4 KiB aligned; filled by devtab_block_all), the
 * rings (one page each: aligned to their size), the empty table, the store page.
 */
static int unit_alloc(struct amdvi_unit *u)
{
	const void *empty;

	u->devtab_pa = frames_alloc_contig(AMDVI_DEV_TABLE_PAGES, PAGE_SIZE);
	u->devtab = u->devtab_pa ? phys_map(u->devtab_pa, AMDVI_DEV_TABLE_BYTES, PHYS_WB) : NULL;
	u->cmdbuf = unit_page(u, &u->cmdbuf_pa);
	u->evtlog = unit_page(u, &u->evtlog_pa);
	empty = unit_page(u, &u->empty_table_pa);
	u->wait_store = unit_page(u, &u->wait_store_pa);
	if (!u->devtab || !u->cmdbuf || !u->evtlog || !empty || !u->wait_store) {
		unit_free(u);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Stop whatever firmware started, except translation: base registers of the
 * rings may only change while they are off, and an exclusion range lets DMA
 * bypass translation, so both go. A unit firmware left translating keeps
 * IOMMUEn: turning it off, even briefly, would let every device's DMA
 * through untranslated. Returns whether translation was on.
 */
static bool unit_quiesce(struct amdvi_unit *u)
{
	uint64_t ctrl = rd64(u, AMDVI_REG_CONTROL);
	bool translating = ctrl & AMDVI_CTRL_IOMMU_EN;

	if (translating)
		pr_warn("unit 0x%016llx: firmware left translation on (control 0x%llx); taking it over with every device blocked",
			ubase(u), (unsigned long long)ctrl);
	ctrl &= ~(AMDVI_CTRL_EVT_LOG_EN | AMDVI_CTRL_EVT_INT_EN |
		  AMDVI_CTRL_COM_WAIT_INT_EN | AMDVI_CTRL_CMD_BUF_EN | AMDVI_CTRL_PPR_LOG_EN |
		  AMDVI_CTRL_PPR_INT_EN | AMDVI_CTRL_PPR_EN | AMDVI_CTRL_GT_EN);
	wr64(u, AMDVI_REG_CONTROL, ctrl);
	u->control = ctrl;
	wr64(u, AMDVI_REG_EXCL_BASE, 0);
	wr64(u, AMDVI_REG_EXCL_LIMIT, 0);
	/* W1C leftovers; QEMU also refuses a new event log base while EventLogInt is set. */
	wr64(u, AMDVI_REG_STATUS, AMDVI_STATUS_EVT_OVERFLOW | AMDVI_STATUS_EVT_INT |
	     AMDVI_STATUS_COM_WAIT_INT);
	return translating;
}

/* The Control bits the IVHD flags tell software to program (spec §5.2.2.1). */
static uint64_t control_from_ivhd(const struct ivrs_ivhd *h, uint64_t ctrl)
{
	const struct { uint8_t flag; uint64_t ctrl; } map[] = {
		{ IVHD_FLAG_HT_TUN_EN, AMDVI_CTRL_HT_TUN_EN },
		{ IVHD_FLAG_PASS_PW, AMDVI_CTRL_PASS_PW },
		{ IVHD_FLAG_RES_PASS_PW, AMDVI_CTRL_RES_PASS_PW },
		{ IVHD_FLAG_ISOC, AMDVI_CTRL_ISOC },
		{ IVHD_FLAG_COHERENT, AMDVI_CTRL_COHERENT },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		ctrl = (h->flags & map[i].flag) ? ctrl | map[i].ctrl : ctrl & ~map[i].ctrl;
	return (ctrl & ~AMDVI_CTRL_INV_TIMEOUT) | FIELD_PREP(AMDVI_CTRL_INV_TIMEOUT, AMDVI_INV_TIMEOUT_1S);
}

/*
 * Point the unit at our device table (every entry blocked) and rings. On a
 * unit that is still translating, the device table base changes under it:
 * from then on it walks either the firmware's entries it cached or our
 * blocked ones, never nothing, until the invalidation that follows.
 */
static void unit_program(struct amdvi_unit *u)
{
	uint64_t ctrl = control_from_ivhd(u->ivhd, u->control);

	wr64(u, AMDVI_REG_DEV_TABLE_BASE, u->devtab_pa |
	     FIELD_PREP(AMDVI_DEV_TABLE_SIZE, AMDVI_DEV_TABLE_PAGES - 1));
	wr64(u, AMDVI_REG_CMD_BUF_BASE, u->cmdbuf_pa | FIELD_PREP(AMDVI_RING_LEN, AMDVI_RING_ORDER));
	wr64(u, AMDVI_REG_CMD_HEAD, 0);
	wr64(u, AMDVI_REG_CMD_TAIL, 0);
	u->cmd_tail = 0;
	wr64(u, AMDVI_REG_EVT_LOG_BASE, u->evtlog_pa | FIELD_PREP(AMDVI_RING_LEN, AMDVI_RING_ORDER));
	wr64(u, AMDVI_REG_EVT_HEAD, 0);
	wr64(u, AMDVI_REG_EVT_TAIL, 0);
	/* Events are polled: no EventIntEn. IOMMUEn is left as it was: enable sets it. */
	ctrl |= AMDVI_CTRL_CMD_BUF_EN | AMDVI_CTRL_EVT_LOG_EN;
	wr64(u, AMDVI_REG_CONTROL, ctrl);
	u->control = ctrl;
}

/* Confirm everything queued so far with one COMPLETION_WAIT. */
static int __must_check sync_queued(struct amdvi_unit *u, const char *what)
{
	struct amdvi_batch none = { .n = 0 };
	int rc = batch_commit(u, &none);

	if (rc < 0)
		pr_err("unit 0x%016llx: %s not confirmed", ubase(u), what);
	return rc;
}

static int unit_init(struct amdvi_unit *u, const struct ivrs_ivhd *h)
{
	bool fw_translating;
	int rc;

	memset(u, 0, sizeof(*u));
	u->base = h->base;
	u->segment = h->segment;
	u->devid = h->devid;
	u->ivhd = h;
	u->coherent = h->flags & IVHD_FLAG_COHERENT;
	u->regs = phys_map(h->base, AMDVI_MMIO_SIZE, PHYS_UC);
	if (!u->regs)
		return -EIO;
	/* Type 11h/40h IVHDs carry an EFR image; the register is authoritative. */
	amdvi_efr_decode(rd64(u, AMDVI_REG_EXT_FEATURE), &u->caps);
	amdvi_caps_log(u->base, &u->caps);
	if (u->caps.host_levels < AMDVI_LEVELS) {
		pr_err("unit 0x%016llx: EFR HATS %u does not allow %u-level host tables",
		       ubase(u), u->caps.hats, AMDVI_LEVELS);
		return -ENODEV;
	}
	fw_translating = unit_quiesce(u);
	rc = unit_alloc(u);
	if (rc < 0)
		return rc;
	devtab_block_all(u);
	unit_program(u);
	u->devids = ivrs_devid_count(h);
	if (!fw_translating)
		return 0;
	/*
	 * Commands run: drop what the unit cached of the firmware's device table.
	 * Should that fail, our tables stay allocated: the unit walks them.
	 */
	u->enabled = true;
	rc = invalidate_everything(u);
	return rc ? rc : sync_queued(u, "invalidation of the firmware's device table");
}

static int unit_enable(struct amdvi_unit *u)
{
	int rc = 0;

	spin_lock(&u->lock);
	if (!u->enabled) {
		/*
		 * Queued first, so a unit that runs commands before IOMMUEn drops
		 * stale entries before it translates; QEMU runs them at the Control
		 * write. Without IA the per-id commands follow once commands run.
		 */
		if (u->caps.ia)
			rc = invalidate_everything(u);
		if (rc == 0) {
			cmd_kick(u);
			u->control |= AMDVI_CTRL_IOMMU_EN;
			wr64(u, AMDVI_REG_CONTROL, u->control);
			u->enabled = true;
			if (!u->caps.ia)
				rc = invalidate_everything(u);
		}
	} else {
		rc = invalidate_everything(u);
	}
	if (rc == 0)
		rc = sync_queued(u, "invalidation at enable");
	spin_unlock(&u->lock);
	return rc;
}

/* ---- event log ---- */

/*
 * Device events go to the domain layer, which counts them per device and
 * stops a faulting storm; the rest (command errors) are the unit's own, and
 * logged here a bounded number of times.
 */
static void event_report(struct amdvi_unit *u, const struct amdvi_event *ev)
{
	if (ev->has_devid) {
		iommu_fault_report(u, u->base, &(struct iommu_fault){
			.seg = u->segment, .rid = ev->devid, .addr = ev->addr, .is_write = ev->write,
			.reason = ev->code, .reason_name = amdvi_event_name(ev->code) });
		return;
	}
	if (++u->unit_events <= AMDVI_EVENT_LOG_LIMIT)
		pr_err("unit 0x%016llx: %s for the command at 0x%llx", ubase(u),
		       amdvi_event_name(ev->code), (unsigned long long)ev->addr);
	else if (u->unit_events == AMDVI_EVENT_LOG_LIMIT + 1)
		pr_warn("unit 0x%016llx: further command errors are counted, not logged",
			ubase(u));
}

/*
 * After an overflow the unit stops logging; it restarts when EventLogEn is
 * cleared and set again with the overflow bit cleared (as Linux does).
 */
static void event_log_restart(struct amdvi_unit *u)
{
	if (++u->overflows <= AMDVI_EVENT_LOG_LIMIT)
		pr_warn("unit 0x%016llx: event log overflowed; events were lost", ubase(u));
	wr64(u, AMDVI_REG_CONTROL, u->control & ~AMDVI_CTRL_EVT_LOG_EN);
	wr64(u, AMDVI_REG_STATUS, AMDVI_STATUS_EVT_OVERFLOW);
	wr64(u, AMDVI_REG_CONTROL, u->control);
	u->evt_head = ring_index(rd64(u, AMDVI_REG_EVT_HEAD));
}

static unsigned events_drain(struct amdvi_unit *u)
{
	unsigned head = u->evt_head, tail = ring_index(rd64(u, AMDVI_REG_EVT_TAIL)), n = 0;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);   /* entries are read after the tail that covers them */
	for (; head != tail; head = (head + 1) % AMDVI_RING_ENTRIES) {
		struct amdvi_event_hw *slot = &u->evtlog[head];
		struct amdvi_event ev;
		uint32_t dw[4];

		cache_flush(u, slot, sizeof(*slot));
		memcpy(dw, slot, sizeof(dw));
		if (!amdvi_event_decode(dw, &ev))
			continue;
		event_report(u, &ev);
		u->events++;
		n++;
	}
	u->evt_head = head;
	wr64(u, AMDVI_REG_EVT_HEAD, FIELD_PREP(AMDVI_RING_PTR, head));
	if (rd64(u, AMDVI_REG_STATUS) & AMDVI_STATUS_EVT_OVERFLOW)
		event_log_restart(u);
	return n;
}

/*
 * Cheap when there is nothing: one EVT_TAIL read against the head we keep,
 * no lock, so every VM exit may call it (a full log that overflowed has
 * tail != head too). One CPU drains at a time; another finding the drain
 * busy leaves it to that CPU.
 */
static unsigned unit_poll(struct amdvi_unit *u)
{
	unsigned n;

	if (ring_index(rd64(u, AMDVI_REG_EVT_TAIL)) == __atomic_load_n(&u->evt_head, __ATOMIC_RELAXED) ||
	    !spin_trylock(&u->evt_lock))
		return 0;
	n = events_drain(u);
	spin_unlock(&u->evt_lock);
	return n;
}

/* ---- the seam ---- */

static void *amdvi_unit_for(uint16_t seg, uint16_t rid, bool *failed)
{
	*failed = false;
	for (unsigned i = 0; i < nunits; i++)
		if (units[i].segment == seg && ivrs_covers(units[i].ivhd, rid))
			return &units[i];
	return NULL;
}

static paddr_t amdvi_unit_base(const void *unit) { return ((const struct amdvi_unit *)unit)->base; }

/*
 * IVMD blocks as requester-id ranges. Exclusion ranges are served as unity
 * ranges too (as Linux does): the hardware exclusion range is kept off,
 * since it would let every device reach that memory untranslated.
 */
static unsigned amdvi_unity_ranges(struct iommu_unity *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ivrs.ivmd_count && n < max; i++) {
		const struct ivrs_ivmd *m = &ivrs.ivmds[i];

		if (!(m->flags & (IVMD_FLAG_UNITY | IVMD_FLAG_EXCL_RANGE)))
			continue;
		out[n++] = (struct iommu_unity){ .seg = m->segment, .rid_first = m->first,
						 .rid_last = m->last, .base = m->start,
						 .end = m->start + m->size };
	}
	return n;
}

/*
 * An alias entry means the unit sees the device's DMA under the alias's
 * device id, so that DTE is pointed at the domain too. Functions sharing an
 * alias therefore share a domain; the domain layer must keep them together.
 */
static int amdvi_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d)
{
	struct amdvi_unit *u = unit;
	uint16_t ids[2] = { rid, ivrs_alias(u->ivhd, rid) };
	struct amdvi_dte n;
	int rc;

	if (d && d->kind != IOMMU_DOMAIN_BLOCKED) {
		if (d->pt.levels > u->caps.host_levels)
			return -EINVAL;
		rc = amdvi_dte_encode(d->pt.levels, d->pt.root, d->hw_id, true, true, &n);
		if (rc < 0)
			return rc;
	} else {
		n = amdvi_dte_blocked(d ? d->hw_id : 0, u->empty_table_pa);
	}
	spin_lock(&u->lock);
	rc = dtes_set(u, ids, ids[1] != rid ? 2 : 1, &n);
	spin_unlock(&u->lock);
	return rc;
}

/* Every unit is asked, even after one fails: a unit that confirmed is one less stale IOTLB. */
static int amdvi_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	int rc = 0;

	for (unsigned i = 0; i < nunits; i++) {
		struct amdvi_unit *u = &units[i];
		struct amdvi_batch b = { .n = 0 };
		int r = 0;

		batch_add(&b, amdvi_cmd_inv_pages(d->hw_id, iova, size));
		spin_lock(&u->lock);
		if (u->enabled)
			r = batch_commit(u, &b);
		spin_unlock(&u->lock);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

static int amdvi_enable(void)
{
	int rc = 0;

	for (unsigned i = 0; i < nunits; i++)
		if (unit_enable(&units[i]) < 0)
			rc = -EIO;
	return rc;
}

static unsigned amdvi_fault_poll(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nunits; i++)
		n += unit_poll(&units[i]);
	return n;
}

static void amdvi_report(void)
{
	for (unsigned i = 0; i < nunits; i++) {
		const struct amdvi_unit *u = &units[i];

		pr_info("unit 0x%016llx: EFR 0x%016llx (HATS %u-level, IA %u), %u device ids, device table 0x%llx, command buffer 0x%llx, event log 0x%llx, %s, %llu commands, %llu events",
			ubase(u), (unsigned long long)u->caps.efr, u->caps.host_levels,
			u->caps.ia, u->devids, (unsigned long long)u->devtab_pa,
			(unsigned long long)u->cmdbuf_pa, (unsigned long long)u->evtlog_pa,
			u->enabled ? "translating" : "off", (unsigned long long)u->commands,
			(unsigned long long)u->events);
	}
}

static bool amdvi_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "IVRS", 0, &len);
	bool coherent = true;

	if (!t)
		return false;
	if (ivrs_parse(t, len, &ivrs) < 0) {
		pr_warn("IVRS unusable; AMD-Vi units ignored");
		return false;
	}
	ivrs_report(&ivrs);
	nunits = 0;
	for (unsigned i = 0; i < ivrs.ivhd_count && nunits < AMDVI_MAX_UNITS; i++) {
		int rc = unit_init(&units[nunits], &ivrs.ivhds[i]);

		if (rc < 0) {
			pr_err("unit 0x%016llx unusable (%d): devices in its scope get no DMA remapping",
			       (unsigned long long)ivrs.ivhds[i].base, rc);
			continue;
		}
		coherent &= units[nunits].coherent;
		nunits++;
	}
	if (!nunits)
		return false;
	*lim = (struct iommu_limits){
		.pt_levels = AMDVI_LEVELS,
		.addr_width = 48,   /* what 4 levels translate */
		/* 2M/1G leaves are NextLevel=0 entries at levels 2/3; never NextLevel=7. */
		.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
		.coherent = coherent,
		.domain_ids = 1u << 16,   /* DTE DomainID is 16 bits */
		/* NpCache (capability header bit 26) is not read: assume the worst. */
		.caches_not_present = true,
	};
	return true;
}

static bool amdvi_unit_info(unsigned i, struct iommu_unit_info *out)
{
	const struct amdvi_unit *u;

	if (i >= nunits)
		return false;
	u = &units[i];
	*out = (struct iommu_unit_info){
		.base = u->base, .segment = u->segment, .translating = u->enabled, .queue = "command buffer",
		.invalidations = u->commands, .faults = u->events - u->unit_events, .overflows = u->overflows,
	};
	snprintf(out->caps, sizeof(out->caps), "EFR 0x%016llx, HATS %u-level,%s%s%s coherent %u",
		 (unsigned long long)u->caps.efr, u->caps.host_levels, u->caps.pref ? " PREF" : "",
		 u->caps.ia ? " IA" : "", u->caps.he ? " HE" : "", u->coherent);
	if (u->cmdbuf) {
		out->queue_head = ring_index(rd64(u, AMDVI_REG_CMD_HEAD));
		out->queue_tail = u->cmd_tail;
	}
	return true;
}

const struct iommu_ops amdvi_iommu_ops = {
	.name = "AMD-Vi",
	.pt_format = &pt_fmt_amdvi_v1,
	.probe = amdvi_probe,
	.unit_for = amdvi_unit_for,
	.unit_base = amdvi_unit_base,
	.set_rid = amdvi_set_rid,
	.flush = amdvi_flush,
	.enable = amdvi_enable,
	.fault_poll = amdvi_fault_poll,
	.report = amdvi_report,
	.unity_ranges = amdvi_unity_ranges,
	.unit_info = amdvi_unit_info,
};
