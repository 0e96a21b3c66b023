// SPDX-License-Identifier: MIT
/*
 * Per-partition, per-call-code counters: calls, reps completed,
 * continuations, statuses returned, IOTLB flushes and table pages. Printed
 * when a partition ends (hvcall_report) and read by host tests.
 */
#define LOG_TAG "hvcall"
#include <string.h>

#include "kernel/hvcall/hvcall.h"
#include "kernel/partition/partition.h"
#include "kernel/log.h"
#include "kernel/strbuf.h"

#define HVCALL_TABLE_MAX 40   /* table entries; the last slot counts unknown codes */

static struct hvcall_counters counters[PART_MAX][HVCALL_TABLE_MAX + 1];

static const struct {
	uint16_t status;
	const char *name;
} slots[HVCALL_STATUS_SLOTS - 1] = {
#define STATUS_SLOT(name) { HV_STATUS_##name, #name },
	HV_STATUS_RETURNED(STATUS_SLOT)
#undef STATUS_SLOT
};

_Static_assert(HVCALL_STATUS_SLOTS == ARRAY_SIZE(slots) + 1, "one slot for every other status");

unsigned hvcall_status_slot(uint16_t status)
{
	for (unsigned i = 0; i < ARRAY_SIZE(slots); i++)
		if (slots[i].status == status)
			return i;
	return HVCALL_STATUS_SLOTS - 1;
}

uint16_t hvcall_slot_status(unsigned slot)
{
	return slot < ARRAY_SIZE(slots) ? slots[slot].status : 0xffff;
}

static unsigned table_index(uint16_t code)
{
	int i = hvcall_desc_index(hvcall_find(code));

	return i < 0 ? HVCALL_TABLE_MAX : MIN((unsigned)i, (unsigned)HVCALL_TABLE_MAX);
}

struct hvcall_counters *hvcall_counters(unsigned part_id, uint16_t code)
{
	if (part_id < 1 || part_id > PART_MAX)
		return NULL;
	return &counters[part_id - 1][table_index(code)];
}

void hvcall_counters_reset(void)
{
	memset(counters, 0, sizeof(counters));
}

void hvcall_report(const struct partition *p)
{
	if (p->id < 1 || p->id > PART_MAX)
		return;
	for (unsigned i = 0; i <= HVCALL_TABLE_MAX; i++) {
		const struct hvcall_counters *c = &counters[p->id - 1][i];
		const struct hvcall_desc *d = hvcall_desc_at(i);
		const char *name = i < HVCALL_TABLE_MAX && d ? d->name : "unknown";
		char line[256];
		struct strbuf st;

		if (!c->calls)
			continue;
		strbuf_init(&st, line, sizeof(line));
		for (unsigned s = 0; s < HVCALL_STATUS_SLOTS; s++)
			if (c->status[s])
				strbuf_printf(&st, " %s=%llu", s < ARRAY_SIZE(slots) ? slots[s].name : "other",
					      (unsigned long long)c->status[s]);
		pr_info("%s: %s calls=%llu reps=%llu continuations=%llu flushes=%llu table_pages=%llu%s",
			p->name, name, (unsigned long long)c->calls, (unsigned long long)c->reps,
			(unsigned long long)c->continuations, (unsigned long long)c->iotlb_flushes,
			(unsigned long long)c->table_pages, line);
		/* The flush rule of rep calls, at a glance: at most one per call, continuations not counted. */
		if (d && d->rep)
			pr_info("%s: %s flushes per completed call: %llu/%llu", p->name, name,
				(unsigned long long)c->iotlb_flushes, (unsigned long long)(c->calls - c->continuations));
	}
}

const char *hvcall_slot_name(unsigned slot)
{
	return slot < ARRAY_SIZE(slots) ? slots[slot].name : "other";
}

static uint64_t load(const uint64_t *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

bool hvcall_code_stats(unsigned part_id, unsigned i, struct hvcall_code_stats *out)
{
	if (part_id < 1 || part_id > PART_MAX)
		return false;
	for (unsigned t = 0; t <= HVCALL_TABLE_MAX; t++) {
		const struct hvcall_counters *c = &counters[part_id - 1][t];
		const struct hvcall_desc *d = t < HVCALL_TABLE_MAX ? hvcall_desc_at(t) : NULL;

		if (!load(&c->calls) || i--)
			continue;
		*out = (struct hvcall_code_stats){ .code = d ? d->code : 0, .known = d != NULL,
						   .name = d ? d->name : "unknown" };
		out->c.calls = load(&c->calls);
		out->c.reps = load(&c->reps);
		out->c.continuations = load(&c->continuations);
		out->c.iotlb_flushes = load(&c->iotlb_flushes);
		out->c.table_pages = load(&c->table_pages);
		for (unsigned s = 0; s < HVCALL_STATUS_SLOTS; s++)
			out->c.status[s] = load(&c->status[s]);
		return true;
	}
	return false;
}
