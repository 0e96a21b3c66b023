// SPDX-License-Identifier: MIT
/*
 * libFuzzer over the hypercall dispatcher: a sequence of hostile calls
 * (control words, input pages, GPAs, failing stage-2 and IOMMU fakes,
 * table-page allocations from the pools) against the fake machine of
 * tests/unit/fake_hv.h. After every step the invariants must hold:
 *   - no monitor page and no page of another partition is DMA-able or
 *     mapped for the wrong partition; a pooled page is in no stage-2 and not
 *     DMA-able; every other page is where it started;
 *   - pool accounting is exact (pages pooled = pages out of stage-2s, in use
 *     = table pages the harness took and did not give back);
 *   - the result value is well-formed (reps completed <= rep count, a
 *     continuation only for a rep call and only changing the rep start).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_hv.h"
#include "kernel/hvcall/hvcall.h"

struct in_stream {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct in_stream *s, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && s->left; i++, s->left--)
		v |= (uint64_t)*s->p++ << (8 * i);
	return v;
}

static void die(const char *why)
{
	fprintf(stderr, "fuzz_hvcall: %s\n", why);
	abort();
}

/* A GPA that lands somewhere interesting most of the time. */
static uint64_t pick_gpa(struct partition *p, uint16_t v)
{
	uint64_t off = (uint64_t)(v & 0x1ff) * 8;   /* 8-byte steps within a page, mostly */

	switch (v >> 13) {
	case 0: case 1: case 2:
		return fake_gpa(p, (v >> 9) & 0xf) + off;
	case 3:
		return fake_gpa(p, (v >> 9) & 0xf) + (v & 0xfff);           /* any alignment */
	case 4:
		return FAKE_MMIO_GPA + off;
	case 5:
		return FAKE_MONITOR_HPA + off;
	case 6:
		return fake_gpa(fake_child(), (v >> 9) & 0xf) + off;
	default:
		return 0;
	}
}

static uint64_t pick_control(struct in_stream *s)
{
	uint64_t raw = take(s, 8);
	uint8_t how = (uint8_t)take(s, 1);
	uint64_t cw = raw;

	if (how & 1) {   /* a known code, and a sane shape most of the time */
		cw = (raw & ~HV_HYPERCALL_CODE_MASK) | hvcall_table[(raw & 0xff) % hvcall_table_len].code;
		if (how & 2)
			cw &= HV_HYPERCALL_CODE_MASK | HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK;
		if (how & 4)
			cw = (cw & ~(HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK)) |
			     (uint64_t)((how >> 3) & 0x1f) << 32 | (uint64_t)(how >> 6) << 48;
	}
	return cw;
}

static uint64_t pick_pid(uint8_t v)
{
	return v & 1 ? HV_PARTITION_ID_SELF : (v >> 1) & 3;
}

/* Elements: each picks its own kind, so headers and PFN lists mix freely. */
static void write_page(struct partition *p, struct in_stream *s)
{
	unsigned page = (unsigned)take(s, 1) % 4;
	unsigned off = ((unsigned)take(s, 2) % PAGE_SIZE) & ~7u;
	unsigned len = (unsigned)take(s, 1);
	uint8_t *dst = fake_gpa_ptr(p, fake_gpa(p, page));

	for (unsigned i = 0; i < len && off + 8 <= PAGE_SIZE; i++, off += 8) {
		uint64_t v = take(s, 2);

		switch (v & 3) {
		case 0: v = pick_pid((uint8_t)(v >> 2)); break;
		case 1: v = pick_gpa(p, (uint16_t)(v >> 2)) >> PAGE_SHIFT; break;
		case 2: v = pick_gpa(fake_child(), (uint16_t)(v >> 2)) >> PAGE_SHIFT; break;
		default: v = v >> 2 | take(s, 6) << 14; break;
		}
		memcpy(dst + off, &v, 8);
	}
}

/* A well-formed DEPOSIT or WITHDRAW of a few pages, built from the input: the paths past the checks. */
static uint64_t structured_call(struct partition *p, struct in_stream *s, uint64_t *in, uint64_t *out)
{
	uint8_t how = (uint8_t)take(s, 1);
	unsigned n = 1 + (how & 7), start = (how >> 3) & 1 ? (unsigned)take(s, 1) % n : 0;
	uint64_t list[9];
	bool withdraw = how & 0x80;

	list[0] = pick_pid((uint8_t)(how >> 4));
	for (unsigned i = 0; i < n; i++) {
		uint8_t v = (uint8_t)take(s, 1);
		struct partition *owner = v & 0x80 ? fake_child() : p;

		list[1 + i] = fake_gpa(owner, 4 + (v & 0x1f) % (FAKE_PAGES - 4)) >> PAGE_SHIFT;
	}
	if (withdraw)
		list[1] = 0;
	memcpy(fake_gpa_ptr(p, fake_gpa(p, 2)), list, (withdraw ? 2 : n + 1) * 8);
	*in = fake_gpa(p, 2);
	*out = fake_gpa(p, 3);
	return (withdraw ? HVCALL_WITHDRAW_MEMORY : HVCALL_DEPOSIT_MEMORY) | (uint64_t)n << 32 | (uint64_t)start << 48;
}

static void check_result(uint64_t cw, const struct hvcall_args *a)
{
	unsigned count = (unsigned)((cw & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
	const struct hvcall_desc *d = hvcall_find((uint16_t)cw);

	if (a->result & ~(HV_HYPERCALL_RESULT_MASK | HV_HYPERCALL_REP_COMP_MASK))
		die("reserved result bits set");
	if (hv_repcomp(a->result) > count)
		die("more reps completed than asked");
	if (!a->advance_rip) {
		if (!d || !d->rep || hv_result(a->result) != HV_STATUS_SUCCESS)
			die("continuation of a non-rep or failed call");
		if ((a->control ^ cw) & ~HV_HYPERCALL_REP_START_MASK)
			die("continuation changed more than the rep start");
	} else if (a->control != cw) {
		die("control word changed without a continuation");
	}
	if (d && d->rep && a->advance_rip && hv_result(a->result) == HV_STATUS_SUCCESS && hv_repcomp(a->result) != count &&
	    hv_repcomp(a->result) == 0)
		die("rep call succeeded with no rep done");
}

static paddr_t taken[64];
static unsigned ntaken;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_stream s = { data, size };
	struct pt_pool pools[2];
	char why[160];

	fake_hv_reset();
	ntaken = 0;
	hv_pool_pt_pool(fake_root(), &pools[0]);
	hv_pool_pt_pool(fake_child(), &pools[1]);
	fake.iommu = take(&s, 1) & 1;
	for (unsigned step = 0; step < 64 && s.left; step++) {
		uint8_t op = (uint8_t)take(&s, 1);
		struct partition *p = op & 1 ? fake_child() : fake_root();
		struct hvcall_args a;

		switch ((op >> 1) % 7) {
		case 0: case 1: case 6: {
			uint64_t in, out, cw;

			if ((op >> 1) % 7 == 6) {
				cw = structured_call(p, &s, &in, &out);
			} else {
				cw = pick_control(&s);
				in = pick_gpa(p, (uint16_t)take(&s, 2));
				out = pick_gpa(p, (uint16_t)take(&s, 2));
			}

			a = (struct hvcall_args){ .control = cw, .in_gpa = in, .out_gpa = out, .may_continue = !(op & 0x80) };
			hvcall_dispatch(p, NULL, &a);
			check_result(cw, &a);
			break;
		}
		case 2:
			write_page(p, &s);
			break;
		case 3: {   /* the device-domain layer takes or gives back a table page */
			struct pt_pool *pl = &pools[op & 1];

			if ((op & 0x40) && ntaken) {
				pl = &pools[taken[--ntaken] >> 63];
				pl->free(pl->ctx, taken[ntaken] & ~(1ull << 63));
			} else if (ntaken < ARRAY_SIZE(taken)) {
				paddr_t pa = pl->alloc(pl->ctx);

				if (pa)
					taken[ntaken++] = pa | (uint64_t)(op & 1) << 63;
			}
			break;
		}
		case 4: {
			/*
			 * Failures to come, of the steps that can fail in the monitor. Mapping a
			 * page back into a stage-2 it was just removed from cannot (the table
			 * that held it is kept), so it is not made to fail here: the unit tests
			 * cover that path; a double failure would be a monitor bug, not input.
			 */
			uint8_t f = (uint8_t)take(&s, 1);

			fake.fail_s2_unmap = f & 3 ? (int)fake.s2_unmaps + (f & 3) : 0;
			fake.fail_ram_remove = f & 0x30 ? (int)fake.ram_removes + ((f >> 4) & 3) : 0;
			fake.fail_ram_add = f & 0xc0 ? (int)fake.ram_adds + (f >> 6) : 0;
			break;
		}
		default:
			fake.clock_step_ns = take(&s, 1) * 1000;
			break;
		}
		if (fake_hv_check(why, sizeof(why)) < 0)
			die(why);
		if (hv_pool_in_use(fake_root()) + hv_pool_in_use(fake_child()) != ntaken)
			die("pool in-use count differs from the table pages taken");
	}
	return 0;
}
