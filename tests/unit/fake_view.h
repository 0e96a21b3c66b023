/* SPDX-License-Identifier: MIT */
#ifndef IOMON_FAKE_VIEW_H
#define IOMON_FAKE_VIEW_H

#include "kernel/shell/view.h"

struct fake_view {
	char out[1 << 16];
	size_t out_len;
	char in[256];
	size_t in_len, in_pos;
	bool held;
	unsigned hold_calls;
	unsigned devices_shown;     /* how many of the fake functions exist */
	unsigned walks;
	bool counters_reset;
	bool hv_flood;              /* c1 claims 100 hypercall codes */
	bool domain_gone;           /* domain 0 is listed but destroyed before the walk */
	unsigned loglevel;
	bool stopped[2];
	unsigned quarantined;
	uint16_t q_seg;
	uint8_t q_bus, q_devfn;
};

extern struct fake_view fv;
void fake_view_reset(void);

#endif
