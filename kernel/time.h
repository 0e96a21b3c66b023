/* SPDX-License-Identifier: MIT */
/*
 * Time for delays and timeouts. The monitor counts TSC ticks calibrated
 * against the PIT at boot; unit tests supply a fake clock.
 */
#ifndef IOMON_TIME_H
#define IOMON_TIME_H

#include "kernel/types.h"

/* Busy-wait at least `us` microseconds. */
void udelay(uint64_t us);
/* Microseconds since an arbitrary point at boot; monotonic. */
uint64_t time_now_us(void);

#endif
