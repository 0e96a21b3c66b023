// SPDX-License-Identifier: MIT
/*
 * The monitor's side of kernel/shell/view.h: snapshots of the PCI registry,
 * the IOMMU layer and the partitions through their own accessors, and the
 * operator's controls through the layers' own operations. The serial line is
 * the monitor's UART: a guest's console is its virtual UART, so nothing a
 * guest writes ever reaches the shell.
 */
#define LOG_TAG "shell"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/shell/view.h"
#include "kernel/log.h"
#include "kernel/partition/partition.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/assign.h"
#include "kernel/hvcall/hvcall.h"
#include "iommu/iommu.h"
#include "iommu/pt/fmt.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"
#include "arch/x86/uart.h"

void view_write(const char *s, size_t n) { log_write_direct(s, n); }
int view_read_byte(void) { return uart_read_byte(); }
void view_console_hold(bool hold) { log_hold(hold); }

/* The partition owning a function (no registry lock taken), "-" for the monitor's. */
static const char *device_owner(const struct pci_dev *d)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (part_owns_dev(&partitions[i], d))
			return partitions[i].name;
	return "-";
}

static const char *root_name(void)
{
	return partition_count && partitions[0].is_root ? partitions[0].name : "-";
}

struct nth_dev {
	unsigned want, seen;
	struct view_device *out;
};

static int copy_nth(struct pci_dev *d, void *ctx)
{
	struct nth_dev *n = ctx;
	struct view_device *o = n->out;

	if (n->seen++ != n->want)
		return 0;
	memset(o, 0, sizeof(*o));
	o->seg = d->seg;
	o->bus = d->bus;
	o->devfn = d->devfn;
	o->vendor = d->vendor;
	o->device = d->device;
	for (const struct pci_dev *p = d->parent; p && o->depth < 8; p = p->parent)
		o->depth++;
	o->is_bridge = d->header_type == 1;
	o->is_vf = d->is_vf;
	for (unsigned i = 0; i < d->nr_rids && i < VIEW_MAX_RIDS; i++)
		o->rids[o->nr_rids++] = d->rids[i];
	o->group = d->group ? (int)d->group->id : -1;
	o->group_shared = d->group && d->group->nr_devs > 1;
	snprintf(o->owner, sizeof(o->owner), "%s", device_owner(d));
	o->has_domain = iommu_present();
	if (o->has_domain)
		o->domain = iommu_domain_id_of(d);
	o->faults = __atomic_load_n(&d->dma_faults, __ATOMIC_RELAXED);
	o->bus_master = pci_cfg_read(d->seg, d->bus, d->devfn, PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER;
	return 1;
}

bool view_device(unsigned i, struct view_device *out)
{
	struct nth_dev n = { i, 0, out };

	return pci_dev_for_each(copy_nth, &n) == 1;
}

bool view_unit(unsigned i, struct view_unit *out)
{
	struct iommu_unit_info u;

	if (!iommu_unit_info(i, &u))
		return false;
	*out = (struct view_unit){ iommu_name(), u.base, u.segment, "", u.translating, u.queue, u.queue_head,
				   u.queue_tail, u.invalidations, u.faults, u.overflows };
	snprintf(out->caps, sizeof(out->caps), "%s", u.caps);
	return true;
}

static const char *kind_name(enum iommu_domain_kind k)
{
	return k == IOMMU_DOMAIN_IDENTITY ? "identity" : k == IOMMU_DOMAIN_BLOCKED ? "blocked" :
	       k == IOMMU_DOMAIN_SHARED ? "shared" : "paging";
}

/*
 * Domains are read as copies made under the domain lock (iommu_domain_info):
 * one destroyed by DELETE_DEVICE_DOMAIN on another CPU is simply gone from
 * the next copy, never freed underneath the shell.
 */
static bool nth_domain(unsigned i, struct iommu_domain_info *out)
{
	for (unsigned slot = 0; slot < IOMMU_MAX_DOMAINS; slot++)
		if (iommu_domain_info(slot, out) && !i--)
			return true;
	return false;
}

static bool domain_by_id(uint32_t id, struct iommu_domain_info *out)
{
	for (unsigned slot = 0; slot < IOMMU_MAX_DOMAINS; slot++)
		if (iommu_domain_info(slot, out) && out->id == id)
			return true;
	return false;
}

bool view_domain(unsigned i, struct view_domain *out)
{
	struct iommu_domain_info d;

	if (!nth_domain(i, &d))
		return false;
	*out = (struct view_domain){
		.id = d.id, .kind = kind_name(d.kind), .format = d.format, .devices = d.devices,
		.table_pages = d.table_pages, .mappings = d.entries_written, .flushes = d.flushes,
		.iova_limit = d.iova_limit, .pinned = d.pinned,
	};
	/* The default domain is the root's; paging domains belong to the root until the hypercall layer says otherwise. */
	snprintf(out->owner, sizeof(out->owner), "%s", d.kind == IOMMU_DOMAIN_BLOCKED ? "-" : root_name());
	return true;
}

static const char *const state_names[] = { "planned", "running", "stopped" };

static struct partition *partition_by_id(unsigned id)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i].id == id)
			return &partitions[i];
	return NULL;
}

bool view_partition(unsigned i, struct view_partition *out)
{
	const struct partition *p;

	if (i >= partition_count)
		return false;
	p = &partitions[i];
	memset(out, 0, sizeof(*out));
	out->id = p->id;
	snprintf(out->name, sizeof(out->name), "%s", p->name);
	out->is_root = p->is_root;
	out->state = p->state <= PART_STOPPED ? state_names[p->state] : "?";
	for (unsigned c = 0; c < p->ncpus && c < 8; c++)
		out->cpus[out->ncpus++] = p->cpus[c];
	out->ram_bytes = p->ram_size;
	out->exit_kinds = PEXIT_KINDS < VIEW_EXIT_KINDS_MAX ? PEXIT_KINDS : VIEW_EXIT_KINDS_MAX;
	for (unsigned k = 0; k < out->exit_kinds; k++) {
		out->exit_names[k] = part_exit_name(k);
		out->exits[k] = __atomic_load_n(&p->exits[k], __ATOMIC_RELAXED);
	}
	out->hypercalls = __atomic_load_n(&p->hypercalls, __ATOMIC_RELAXED);
	out->ipis_dropped = p->ipis_dropped;
	out->console_lines = p->uart.lines;
	out->console_dropped = p->uart.dropped;
	out->deposit_pages = hv_pool_pages(p);
	out->deposit_in_use = hv_pool_in_use(p);
	out->s2_format = p->s2.root && p->s2.fmt ? p->s2.fmt->name : NULL;
	return true;
}

bool view_hvcall(unsigned partition_id, unsigned i, struct view_hvcall *out)
{
	struct hvcall_code_stats st;

	if (!hvcall_code_stats(partition_id, i, &st))
		return false;
	*out = (struct view_hvcall){ .code = st.code, .known = st.known, .name = st.name, .calls = st.c.calls,
				     .reps = st.c.reps, .continuations = st.c.continuations,
				     .flushes = st.c.iotlb_flushes, .table_pages = st.c.table_pages };
	for (unsigned s = 0; s < HVCALL_STATUS_SLOTS && out->nr_status < VIEW_HV_STATUS_MAX; s++)
		if (st.c.status[s]) {
			out->status_name[out->nr_status] = hvcall_slot_name(s);
			out->status_count[out->nr_status++] = st.c.status[s];
		}
	return true;
}

bool view_fault(unsigned i, struct view_fault *out)
{
	struct iommu_fault f;
	struct pci_dev *d;
	uint64_t seq;

	if (!iommu_fault_recent(i, &f, &seq))
		return false;
	*out = (struct view_fault){ seq, f.seg, f.rid, f.dev_rid, f.addr, f.is_write, f.reason, f.reason_name,
				    f.unit_base, false, 0 };
	d = pci_dev_find(f.seg, f.dev_rid >> 8, f.dev_rid & 0xff);
	if (d) {
		out->has_domain = true;
		out->domain = iommu_domain_id_of(d);
		pci_dev_put(d);
	}
	return true;
}

struct walk_adapter {
	view_walk_fn fn;
	void *ctx;
};

static void adapt_step(void *ctx, const struct pt_walk_step *s)
{
	const struct walk_adapter *a = ctx;
	struct view_walk_step v = {
		.level = s->level, .table = s->table, .index = s->index, .entry = s->entry,
		.present = s->present, .leaf = s->leaf, .addr = s->addr, .span = pt_level_size(s->level),
		.perms = (s->perms & PT_READ ? VIEW_R : 0) | (s->perms & PT_WRITE ? VIEW_W : 0) |
			 (s->perms & PT_EXEC ? VIEW_X : 0),
	};

	a->fn(a->ctx, &v);
}

/* Steps copied under the owner's lock, shown (printed) after it is released. */
struct step_copy {
	struct pt_walk_step s[PT_MAX_LEVELS];
	unsigned n;
};

static void copy_step(void *ctx, const struct pt_walk_step *s)
{
	struct step_copy *c = ctx;

	if (c->n < PT_MAX_LEVELS)
		c->s[c->n++] = *s;
}

static int show_steps(const struct step_copy *c, int rc, view_walk_fn fn, void *ctx)
{
	struct walk_adapter a = { fn, ctx };

	for (unsigned i = 0; rc > 0 && i < c->n; i++)
		adapt_step(&a, &c->s[i]);
	return rc;
}

int view_domain_walk(uint32_t id, uint64_t iova, view_walk_fn fn, void *ctx)
{
	struct step_copy c = { .n = 0 };

	return show_steps(&c, iommu_domain_walk(id, iova, copy_step, &c), fn, ctx);
}

uint64_t view_domain_space(uint32_t id)
{
	struct iommu_domain_info d;

	return domain_by_id(id, &d) ? d.iova_limit : 0;
}

/*
 * A stage-2 is walked without a lock: partitions live in a static table and
 * their stage-2 pages are never freed (a stopped partition keeps its tables;
 * pt_unmap_range frees no table page), and pt_walk reads each entry once,
 * atomically. A walk racing a map or unmap shows one side of it.
 */
int view_s2_walk(unsigned partition_id, uint64_t gpa, view_walk_fn fn, void *ctx)
{
	const struct partition *p = partition_by_id(partition_id);
	struct walk_adapter a = { fn, ctx };

	if (!p)
		return -ENOENT;
	if (!p->s2.root || !p->s2.fmt)
		return -ENODATA;
	return pt_walk(&p->s2, gpa, adapt_step, &a);
}

uint64_t view_s2_space(unsigned partition_id)
{
	const struct partition *p = partition_by_id(partition_id);

	return p && p->s2.root ? p->s2.iova_limit : 0;
}

void view_counters_reset(void)
{
	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *p = &partitions[i];

		for (unsigned k = 0; k < PEXIT_KINDS; k++)
			__atomic_store_n(&p->exits[k], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&p->hypercalls, 0, __ATOMIC_RELAXED);
	}
	hvcall_counters_reset();
	iommu_counters_reset();
}

int view_set_loglevel(unsigned level)
{
	if (level > LOG_DEBUG)
		return -EINVAL;
	log_set_level((enum log_level)level);
	return 0;
}

struct owned {
	const struct partition *p;
	struct pci_dev **list;
};

static int collect_owned(struct pci_dev *d, void *ctx)
{
	struct owned *o = ctx;
	struct pci_dev **list = o->list;

	if (!part_owns_dev(o->p, d))
		return 0;
	for (unsigned i = 0; i < PCI_DEV_POOL_SIZE; i++)
		if (!list[i]) {
			list[i] = pci_dev_get(d);
			break;
		}
	return 0;
}

int view_stop_partition(unsigned partition_id)
{
	static struct pci_dev *list[PCI_DEV_POOL_SIZE];   /* the shell runs on one CPU at a time */
	struct partition *p = partition_by_id(partition_id);
	int rc = 0;

	if (!p)
		return -ENOENT;
	if (iommu_present()) {
		struct owned o = { p, list };

		/* Collected first: a quarantine takes the registry lock itself. */
		memset(list, 0, sizeof(list));
		pci_dev_for_each(collect_owned, &o);
		for (unsigned i = 0; i < PCI_DEV_POOL_SIZE && list[i]; i++) {
			int err = part_quarantine_device(list[i]);

			if (err && !rc)
				rc = err;
			pci_dev_put(list[i]);
		}
	}
	part_stop(p, "stopped by the operator (shell)");   /* kicks its CPUs out of their guest */
	return rc;
}

int view_quarantine(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	struct pci_dev *d = pci_dev_find(seg, bus, devfn);
	int rc;

	if (!d)
		return -ENOENT;
	if (!iommu_present()) {
		pci_dev_put(d);
		return -ENODEV;
	}
	rc = part_quarantine_device(d);
	pr_warn(PCI_BDF_FMT ": quarantined by the operator: null domain, bus mastering off (%d)",
		PCI_BDF_ARGS(seg, bus, devfn), rc);
	pci_dev_put(d);
	return rc;
}
