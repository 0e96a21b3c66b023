/* SPDX-License-Identifier: MIT */
/* VT-d primary fault records (spec §7.2.1, §10.4.14) decoded for the log. */
#ifndef IOMON_VTD_FAULT_H
#define IOMON_VTD_FAULT_H

#include "kernel/types.h"

struct vtd_fault {
	uint16_t sid;          /* requester id: bus << 8 | devfn */
	uint8_t reason;
	bool is_read;          /* T: 1 = read request, 0 = write */
	uint64_t addr;         /* faulting page */
};

/* Decode one 128-bit fault-recording register; false when F (a valid record) is clear. */
bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f);
/* The spec's name for a fault reason, e.g. 5 -> "write to a page without write permission". */
const char *vtd_fault_reason_name(uint8_t reason);

#endif
