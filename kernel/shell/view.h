/* SPDX-License-Identifier: MIT */
/*
 * What the monitor shell may see and do: read-only snapshots of the layers
 * (PCI registry, IOMMU units and domains, partitions) and the few operator
 * controls. The shell (kernel/shell/shell.c) knows nothing else; the monitor
 * implements this in kernel/shell/view.c over the layers' accessors, the
 * host tests with fakes (tests/unit/fake_view.c).
 *
 * Iterators take an index and return false past the end, so the shell
 * copies one record at a time and never holds a layer's lock while printing.
 */
#ifndef IOMON_SHELL_VIEW_H
#define IOMON_SHELL_VIEW_H

#include "kernel/types.h"

#define VIEW_NAME_MAX   16
#define VIEW_MAX_RIDS   4

struct view_device {
	uint16_t seg;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	unsigned depth;                  /* bridges above it (indentation) */
	bool is_bridge, is_vf;
	uint16_t rids[VIEW_MAX_RIDS];
	unsigned nr_rids;
	int group;                       /* -1: none */
	bool group_shared;
	char owner[VIEW_NAME_MAX];       /* partition owning it, "-" for the monitor */
	bool has_domain;
	uint32_t domain;
	uint64_t faults;
	bool bus_master;
};

struct view_unit {
	const char *vendor;              /* "VT-d", "AMD-Vi" */
	paddr_t base;
	uint16_t segment;
	char caps[96];                   /* the unit's capabilities, in the spec's words */
	bool translating;
	const char *queue_name;          /* "QI", "register", "command buffer" */
	uint32_t queue_head, queue_tail;
	uint64_t invalidations, faults, overflows;
};

struct view_domain {
	uint32_t id;
	const char *kind;                /* "identity", "blocked", "paging" */
	const char *format;              /* page-table format, NULL when it has no table */
	char owner[VIEW_NAME_MAX];
	unsigned devices;
	uint64_t table_pages;
	uint64_t mappings;               /* table entries written (leaves and pointers) */
	uint64_t flushes;
	uint64_t iova_limit;             /* first IOVA past its space */
	bool pinned;
};

/* One entry on a table walk, root first (see pt_walk()). */
struct view_walk_step {
	unsigned level;
	paddr_t table;
	unsigned index;
	uint64_t entry;
	bool present, leaf;
	paddr_t addr;                    /* next table, or the leaf's page */
	uint64_t span;                   /* bytes the entry covers (a leaf: its page size) */
	unsigned perms;                  /* VIEW_R | VIEW_W | VIEW_X */
};
#define VIEW_R 1u
#define VIEW_W 2u
#define VIEW_X 4u

typedef void (*view_walk_fn)(void *ctx, const struct view_walk_step *s);

struct view_fault {
	uint64_t seq;                    /* 1, 2, ...: order of arrival */
	uint16_t seg, rid, dev_rid;
	uint64_t addr;
	bool is_write;
	uint8_t reason;
	const char *reason_name;
	paddr_t unit_base;
	bool has_domain;
	uint32_t domain;
};

#define VIEW_EXIT_KINDS_MAX 16
struct view_partition {
	unsigned id;
	char name[VIEW_NAME_MAX];
	bool is_root;
	const char *state;
	unsigned cpus[8];
	unsigned ncpus;
	uint64_t ram_bytes;
	unsigned exit_kinds;
	const char *exit_names[VIEW_EXIT_KINDS_MAX];
	uint64_t exits[VIEW_EXIT_KINDS_MAX];
	uint64_t hypercalls;             /* every call (per code and status: view_hvcall) */
	uint64_t ipis_dropped, console_lines, console_dropped;
	uint64_t deposit_pages, deposit_in_use;   /* its deposit pool: pages, of those the monitor's tables */
	const char *s2_format;
};

/* One hypercall code a partition used: its counts and the statuses it returned. */
#define VIEW_HV_STATUS_MAX 20
struct view_hvcall {
	uint16_t code;
	bool known;                      /* false: the codes the dispatcher does not know, together */
	const char *name;
	uint64_t calls, reps, continuations, flushes, table_pages;
	unsigned nr_status;              /* statuses returned at least once */
	const char *status_name[VIEW_HV_STATUS_MAX];
	uint64_t status_count[VIEW_HV_STATUS_MAX];
};

bool view_device(unsigned i, struct view_device *out);
bool view_unit(unsigned i, struct view_unit *out);
bool view_domain(unsigned i, struct view_domain *out);
bool view_partition(unsigned i, struct view_partition *out);
/* The i-th hypercall code partition `partition_id` used (in the dispatcher's table order). */
bool view_hvcall(unsigned partition_id, unsigned i, struct view_hvcall *out);
/* Most recent first; i = 0 is the newest. */
bool view_fault(unsigned i, struct view_fault *out);

/*
 * Walk the table of domain `id` (or partition `id`'s stage-2) for one address.
 * The number of steps, -ENOENT: no such domain / partition, -ENODATA: it has
 * no table (the null domain), -ERANGE: the address is past its space.
 */
int view_domain_walk(uint32_t id, uint64_t iova, view_walk_fn fn, void *ctx);
int view_s2_walk(unsigned partition_id, uint64_t gpa, view_walk_fn fn, void *ctx);
/* The domain's IOVA space size, or 0 when there is no such domain or it has no table. */
uint64_t view_domain_space(uint32_t id);
uint64_t view_s2_space(unsigned partition_id);

/* Controls. 0 or a negative errno. */
/* While the shell is open the console's other lines are held (bounded) and shown when it closes. */
void view_console_hold(bool hold);
/* The shell's own output, straight to the serial line. */
void view_write(const char *s, size_t n);
/* The next byte the physical serial line received, or -1. */
int view_read_byte(void);
void view_counters_reset(void);
int view_set_loglevel(unsigned level);
int view_stop_partition(unsigned partition_id);
int view_quarantine(uint16_t seg, uint8_t bus, uint8_t devfn);

#endif
