/* SPDX-License-Identifier: MIT */
/*
 * The hypercall dispatcher. One entry from the vcpu exit (hvcall_exit),
 * a host-testable core (hvcall_dispatch), and one table of calls
 * (kernel/hvcall/table.c); each call family lives in its own file.
 *
 * What the dispatcher does before a call's function runs (Hyper-V TLFS,
 * "Hypercall Interface"), in this order, so that when several errors apply
 * the more security-preserving one wins:
 *   1. unknown code                          -> INVALID_HYPERCALL_CODE
 *   2. root_only call from a child           -> ACCESS_DENIED
 *   3. control word: reserved bits, nested, variable header, fast on a call
 *      that cannot be fast, rep count/start rules
 *                                            -> INVALID_HYPERCALL_INPUT
 *   4. input/output GPA: not 8-byte aligned, the list crosses a page, not
 *      the caller's RAM through its stage-2 (MMIO, a hole, a page it
 *      deposited)                            -> INVALID_ALIGNMENT
 *      input and output overlap              -> INVALID_PARAMETER
 *   5. the input (header and the whole rep list) is copied in once.
 * The call's function then sees only c->in; it never reads guest memory
 * for its input again. It writes its output into c->out, which the
 * dispatcher copies to the guest (fixed part and the elements of the reps
 * done in this invocation) after the function returns SUCCESS, or for a
 * rep call whenever reps were completed.
 *
 * Rep calls: the function processes elements c->rep_start .. c->rep_count-1
 * in order and sets c->reps_done to the index of the first element not done
 * (counted from the start of the list, as the result value reports it). It
 * checks hvcall_budget_expired() after each element; when that says so, it
 * returns SUCCESS with reps_done < rep_count, and the dispatcher updates the
 * rep start index in RCX and returns to the guest without advancing RIP.
 * On an element error it returns that status with reps_done exact.
 *
 * Internal errors are negative errno; hvcall_status() maps them.
 */
#ifndef IOMON_HVCALL_H
#define IOMON_HVCALL_H

#include "kernel/types.h"
#include "include/hv/hv.h"

struct partition;
struct part_vcpu;
struct pt_pool;

struct hvcall_desc;
struct hvcall_counters;

struct hvcall_ctx {
	struct partition *caller;
	struct part_vcpu *vcpu;          /* NULL in host tests */
	const struct hvcall_desc *desc;
	uint16_t code;
	bool fast;
	unsigned rep_count, rep_start;   /* 0 for simple calls */
	unsigned reps_done;              /* rep calls: set by the function */
	const void *in;                  /* header, then rep_count elements (all of them, from 0) */
	uint32_t in_len;
	void *out;                       /* zeroed; header, then rep_count elements */
	uint32_t out_len;
	uint64_t deadline_ns;            /* for hvcall_budget_expired() */
	struct hvcall_counters *ctr;     /* the caller's counters for this code */
};

typedef uint16_t (*hvcall_fn)(struct hvcall_ctx *c);   /* returns HV_STATUS */

struct hvcall_desc {
	uint16_t code;
	const char *name;
	bool rep;                  /* rep call: input = fixed header + rep_count elements */
	bool root_only;            /* ACCESS_DENIED for children, nothing changed */
	uint16_t in_fixed, in_elem, out_fixed, out_elem;   /* bytes */
	hvcall_fn fn;
};

/* The table (kernel/hvcall/table.c). */
extern const struct hvcall_desc hvcall_table[];
extern const unsigned hvcall_table_len;
const struct hvcall_desc *hvcall_find(uint16_t code);
/* Position of a descriptor hvcall_find returned (-1: none), and the reverse. */
int hvcall_desc_index(const struct hvcall_desc *d);
const struct hvcall_desc *hvcall_desc_at(unsigned i);
#ifdef IOMON_HOST
/* Unit tests only: dispatch from table t (NULL: the real one again). */
void hvcall_set_table(const struct hvcall_desc *t, unsigned n);
#endif

/* ---- Counters: per partition, per call code ------------------------------ */
#define HVCALL_STATUS_SLOTS 20
struct hvcall_counters {
	uint64_t calls;            /* invocations, continuations included */
	uint64_t reps;             /* reps completed */
	uint64_t continuations;    /* returns with RIP not advanced */
	uint64_t status[HVCALL_STATUS_SLOTS];   /* per hvcall_status_slot() */
	uint64_t iotlb_flushes;    /* added by the call functions */
	uint64_t table_pages;      /* page-table pages taken from the deposit pool */
};

/* Counters of partition id `part_id` (1..PART_MAX) for `code`; NULL for an unknown code. */
struct hvcall_counters *hvcall_counters(unsigned part_id, uint16_t code);
/* The slot of a status in hvcall_counters.status (the last slot: any other status). */
unsigned hvcall_status_slot(uint16_t status);
uint16_t hvcall_slot_status(unsigned slot);
void hvcall_counters_reset(void);
/* One line per call code a partition used, to the log (on its exit). */
void hvcall_report(const struct partition *p);
/*
 * The debug shell's view (read-only): the i-th call code partition part_id
 * used (calls > 0), in table order, codes not in the table last as one
 * "unknown" entry (known false). A snapshot read without a lock: each count
 * is exact, the set of them may straddle a call in progress.
 */
struct hvcall_code_stats {
	uint16_t code;
	bool known;
	const char *name;
	struct hvcall_counters c;
};
bool hvcall_code_stats(unsigned part_id, unsigned i, struct hvcall_code_stats *out);
/* The HV_STATUS name of a status slot ("other" for the last). */
const char *hvcall_slot_name(unsigned slot);

/* ---- Errors --------------------------------------------------------------- */
/* The one errno -> HV_STATUS table (kernel/hvcall/status.c). 0 -> SUCCESS. */
uint16_t hvcall_status(int err);

/* ---- Time budget ---------------------------------------------------------- */
#define HVCALL_BUDGET_NS 50000ull   /* the TLFS aims at 50 us per call */
/* Monotonic nanoseconds (the monitor: the TSC; host tests: a fake clock). */
uint64_t hvcall_clock_ns(void);
bool hvcall_budget_expired(const struct hvcall_ctx *c);

/* ---- Entry ------------------------------------------------------------------ */
struct hvcall_args {
	uint64_t control;          /* in; on a continuation, out with the new rep start */
	uint64_t in_gpa, out_gpa;  /* memory calls: GPAs; fast calls: the input bytes */
	bool may_continue;         /* in: the caller re-executes with RCX updated (64-bit callers) */
	uint64_t result;           /* out: the result value for RAX */
	bool advance_rip;          /* out: false on a continuation */
};

/* The core: decode, check, copy in, call, copy out, count. */
void hvcall_dispatch(struct partition *p, struct part_vcpu *pv, struct hvcall_args *a);

/* From the vcpu exit (replaces the old hv_hypercall): modes, registers, RIP. */
struct vcpu_exit;
void hvcall_exit(struct part_vcpu *pv, const struct vcpu_exit *e);

/*
 * The partition a call's input names: SELF or the caller's own id is the
 * caller. A child naming any other partition gets NULL with ACCESS_DENIED
 * (whether or not it exists); the root naming no partition NULL with
 * INVALID_PARTITION_ID.
 */
struct partition *hvcall_target(const struct hvcall_ctx *c, uint64_t partition_id, uint16_t *status);

/* ---- The deposit pool (kernel/hvcall/pool.c) -------------------------------- */
/*
 * Pages a partition deposited with DEPOSIT_MEMORY: out of its stage-2 and
 * out of the DMA-able set while the monitor holds them. Page-table pages of
 * everything the partition asks for (its device domains' tables) come only
 * from here: an empty pool is -ENOMEM (INSUFFICIENT_MEMORY), never a
 * fallback to the monitor's own memory. A pool holds as many pages as are
 * deposited into it: no cap but the depositors' RAM.
 */

/*
 * A pt_pool whose alloc takes a free page of partition p's deposit pool
 * (0 when it is empty) and whose free gives it back to the pool. The
 * page is zeroed by the page-table engine, as for any pool.
 */
void hv_pool_pt_pool(struct partition *p, struct pt_pool *out);
/* True when gpa's page is in p's deposit pool (it is not RAM for the partition then). */
bool hv_pool_holds_gpa(const struct partition *p, uint64_t gpa);
/* Pages deposited / of those, in use by the monitor. */
unsigned hv_pool_pages(const struct partition *p);
unsigned hv_pool_in_use(const struct partition *p);
/*
 * Provided by the device-domain layer: true when a device domain maps the
 * page at hpa for DMA. DEPOSIT_MEMORY refuses such a page (it would become
 * a table page a device can write). The default (memory.c, weak) says no.
 */
bool hvcall_page_dma_mapped(paddr_t hpa);
/*
 * Provided by the direct-attach layer: the partition that owns dev (the
 * only one that may ask about it). The default (caps.c, weak) says the root.
 */
struct pci_dev;
struct partition *hvcall_device_owner(const struct pci_dev *dev);
/*
 * Before pages change hands (DEPOSIT, WITHDRAW, MAP/UNMAP_GPA_PAGES): every
 * IOTLB flush a continued map or unmap call left pending (iommu/flush.c),
 * counted against c's call. SUCCESS, or the status of a flush not confirmed
 * (then nothing may change hands).
 */
uint16_t hvcall_commit_pending_flushes(const struct hvcall_ctx *c);
/* True when hpa's page is in some partition's pool (for invariant checks). */
bool hv_pool_holds_hpa(paddr_t hpa);
void hv_pool_reset(void);
/*
 * A zeroable buffer of `bytes` bytes for p's frame map (one byte per RAM
 * frame), or NULL. The monitor takes it from its own frames (pool_map.c),
 * once per partition; host tests and benchmarks provide their own.
 */
void *hv_pool_map_alloc(const struct partition *p, uint64_t bytes);

#endif
