// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher's core (rules at the top of hvcall.h): it
 * reaches the caller only through copy_from_guest, copy_to_guest and
 * part_gpa_to_hpa, so host tests run it against a fake partition.
 */
#define LOG_TAG "hvcall"
#include <string.h>

#include "kernel/hvcall/hvcall.h"
#include "kernel/partition/partition.h"
#include "kernel/smp.h"
#include "kernel/log.h"

#define CW_RESERVED (HV_HYPERCALL_RSVD0_MASK | HV_HYPERCALL_NESTED | HV_HYPERCALL_RSVD1_MASK | \
		     HV_HYPERCALL_RSVD2_MASK)

/* Per CPU: a call's copied input and its output, a page each (the most the rules allow). */
static uint8_t in_pages[SMP_MAX_CPUS][HV_HYP_PAGE_SIZE] __aligned(8);
static uint8_t out_pages[SMP_MAX_CPUS][HV_HYP_PAGE_SIZE] __aligned(8);

bool hvcall_budget_expired(const struct hvcall_ctx *c)
{
	return hvcall_clock_ns() >= c->deadline_ns;
}

struct partition *hvcall_target(const struct hvcall_ctx *c, uint64_t partition_id, uint16_t *status)
{
	if (partition_id == HV_PARTITION_ID_SELF || partition_id == c->caller->id)
		return c->caller;
	if (!c->caller->is_root) {
		*status = HV_STATUS_ACCESS_DENIED;
		return NULL;
	}
	if (partition_id < 1 || partition_id > partition_count) {
		*status = HV_STATUS_INVALID_PARTITION_ID;
		return NULL;
	}
	return &partitions[partition_id - 1];
}

/* A fast call carries its input in two registers and has no output. */
static bool may_be_fast(const struct hvcall_desc *d)
{
	return !d->rep && d->out_fixed == 0 && d->out_elem == 0 && d->in_fixed <= 16;
}

static uint16_t check_control(const struct hvcall_desc *d, uint64_t cw, unsigned count, unsigned start)
{
	if (cw & CW_RESERVED)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	/* No call of this ABI takes a variable header. */
	if (cw & HV_HYPERCALL_VARHEAD_MASK)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if ((cw & HV_HYPERCALL_FAST_BIT) && !may_be_fast(d))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!d->rep && (count || start))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (d->rep && start >= count)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	return HV_STATUS_SUCCESS;
}

/*
 * A parameter list: 8-byte aligned, within one page, and the caller's RAM
 * through its stage-2 (part_gpa_to_hpa refuses MMIO, holes and deposited
 * pages). Both ends lie in the same page, so checking them checks it all.
 */
static uint16_t check_list(const struct partition *p, uint64_t gpa, uint32_t len)
{
	if (!len)
		return HV_STATUS_SUCCESS;   /* no list: the pointer is ignored (Linux passes 0) */
	if (!IS_ALIGNED(gpa, 8))
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((gpa & (HV_HYP_PAGE_SIZE - 1)) + len > HV_HYP_PAGE_SIZE)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (!part_gpa_to_hpa(p, gpa))
		return HV_STATUS_INVALID_ALIGNMENT;   /* outside the caller's GPA space */
	return HV_STATUS_SUCCESS;
}

static bool overlap(uint64_t a, uint32_t alen, uint64_t b, uint32_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static uint16_t check_lists(struct hvcall_ctx *c, const struct hvcall_args *a)
{
	uint16_t st;

	if (c->fast)
		return HV_STATUS_SUCCESS;
	st = check_list(c->caller, a->in_gpa, c->in_len);
	if (st == HV_STATUS_SUCCESS)
		st = check_list(c->caller, a->out_gpa, c->out_len);
	if (st == HV_STATUS_SUCCESS && overlap(a->in_gpa, c->in_len, a->out_gpa, c->out_len))
		st = HV_STATUS_INVALID_PARAMETER;
	return st;
}

/* Copy in once: the function never looks at guest memory for its input again. */
static uint16_t copy_in(struct hvcall_ctx *c, const struct hvcall_args *a, uint8_t *buf)
{
	if (c->fast) {
		memcpy(buf, &a->in_gpa, 8);
		memcpy(buf + 8, &a->out_gpa, 8);
		return HV_STATUS_SUCCESS;
	}
	if (c->in_len && copy_from_guest(c->caller, buf, a->in_gpa, c->in_len) < 0)
		return HV_STATUS_INVALID_ALIGNMENT;   /* changed under us by another CPU: as if never mapped */
	return HV_STATUS_SUCCESS;
}

/* The fixed output, and the elements of the reps this invocation completed. */
static uint16_t copy_out(const struct hvcall_ctx *c, uint64_t out_gpa)
{
	const struct hvcall_desc *d = c->desc;
	const uint8_t *buf = c->out;
	uint64_t first = (uint64_t)d->out_fixed + (uint64_t)c->rep_start * d->out_elem;
	uint64_t end = (uint64_t)d->out_fixed + (uint64_t)c->reps_done * d->out_elem;

	if (!c->out_len)
		return HV_STATUS_SUCCESS;
	if (d->out_fixed && copy_to_guest(c->caller, out_gpa, buf, d->out_fixed) < 0)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (d->rep && end > first && copy_to_guest(c->caller, out_gpa + first, buf + first, end - first) < 0)
		return HV_STATUS_INVALID_ALIGNMENT;
	return HV_STATUS_SUCCESS;
}

static void count(struct hvcall_counters *ctr, const struct hvcall_ctx *c, uint16_t status, bool cont)
{
	if (!ctr)
		return;
	ctr->calls++;
	if (c->reps_done > c->rep_start)
		ctr->reps += c->reps_done - c->rep_start;
	if (cont)
		ctr->continuations++;
	else
		ctr->status[hvcall_status_slot(status)]++;
}

/* Run the call; keep its reps report inside [rep_start, rep_count] whatever it says. */
static uint16_t run(struct hvcall_ctx *c, const struct hvcall_args *a, bool *cont)
{
	uint16_t st = c->desc->fn(c);

	*cont = false;
	if (!c->desc->rep) {
		c->reps_done = 0;
	} else if (c->reps_done < c->rep_start || c->reps_done > c->rep_count) {
		static unsigned logged;   /* a monitor bug, but a guest may trigger it at will: log a few */

		if (__atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED) < 8)
			pr_err("%s returned reps_done %u outside [%u, %u]", c->desc->name, c->reps_done,
			       c->rep_start, c->rep_count);
		c->reps_done = c->rep_start;
		st = HV_STATUS_OPERATION_FAILED;
	} else if (st == HV_STATUS_SUCCESS && c->reps_done < c->rep_count) {
		/* Out of time: continue transparently, but never without progress (no endless loop). */
		if (c->reps_done == c->rep_start)
			st = HV_STATUS_OPERATION_FAILED;
		else
			*cont = a->may_continue;   /* else SUCCESS with fewer reps, which Linux resumes */
	}
	if (st == HV_STATUS_SUCCESS || (c->desc->rep && c->reps_done > c->rep_start)) {
		uint16_t ost = copy_out(c, a->out_gpa);

		if (ost != HV_STATUS_SUCCESS) {
			st = ost;
			*cont = false;
		}
	}
	return st;
}

void hvcall_dispatch(struct partition *p, struct part_vcpu *pv, struct hvcall_args *a)
{
	unsigned cpu = smp_this_cpu() % SMP_MAX_CPUS;
	uint16_t code = (uint16_t)(a->control & HV_HYPERCALL_CODE_MASK);
	const struct hvcall_desc *d = hvcall_find(code);
	struct hvcall_ctx c = {
		.caller = p, .vcpu = pv, .desc = d, .code = code,
		.fast = a->control & HV_HYPERCALL_FAST_BIT,
		.rep_count = (unsigned)((a->control & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET),
		.rep_start = (unsigned)((a->control & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET),
		.in = in_pages[cpu], .out = out_pages[cpu],
		.ctr = hvcall_counters(p->id, code),
	};
	uint16_t st;
	bool cont = false, control_ok;

	a->advance_rip = true;
	if (!d)
		st = HV_STATUS_INVALID_HYPERCALL_CODE;
	else if (d->root_only && !p->is_root)
		st = HV_STATUS_ACCESS_DENIED;     /* wins over every input error */
	else
		st = check_control(d, a->control, c.rep_count, c.rep_start);
	control_ok = st == HV_STATUS_SUCCESS;
	/* Reps completed count from the start of the list: those before rep_start were done earlier. */
	c.reps_done = control_ok && d->rep ? c.rep_start : 0;
	if (control_ok) {
		c.in_len = c.fast ? 16 : (uint32_t)(d->in_fixed + c.rep_count * d->in_elem);
		c.out_len = (uint32_t)(d->out_fixed + c.rep_count * d->out_elem);
		st = check_lists(&c, a);
	}
	if (st == HV_STATUS_SUCCESS)
		st = copy_in(&c, a, in_pages[cpu]);
	if (st == HV_STATUS_SUCCESS) {
		memset(out_pages[cpu], 0, c.out_len);
		c.deadline_ns = a->may_continue ? hvcall_clock_ns() + HVCALL_BUDGET_NS : UINT64_MAX;
		st = run(&c, a, &cont);
	}
	count(c.ctr, &c, st, cont);
	a->result = st | (uint64_t)(c.reps_done & 0xfff) << HV_HYPERCALL_REP_COMP_OFFSET;
	if (cont) {
		a->control = (a->control & ~HV_HYPERCALL_REP_START_MASK) |
			     (uint64_t)c.reps_done << HV_HYPERCALL_REP_START_OFFSET;
		a->advance_rip = false;
	}
}
