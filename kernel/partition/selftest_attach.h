/* SPDX-License-Identifier: MIT */
#ifndef IOMON_PART_SELFTEST_ATTACH_H
#define IOMON_PART_SELFTEST_ATTACH_H

#include "kernel/types.h"

/* selftest=attach: direct attach, DMA through a child's stage-2, revoke with kicks (TAP). */
bool selftest_attach(void);
/* selftest=kick: a remote stage-2 flush of a child spinning in its guest (any backend, no device). */
bool selftest_kick(void);

#endif
