/* SPDX-License-Identifier: MIT */
/*
 * One bounded wait for every "spin until the hardware answers" loop (an
 * invalidation wait, a status bit, a device's busy flag): a hardware that
 * never answers costs a bounded time and an error, never a hang.
 */
#ifndef IOMON_POLL_H
#define IOMON_POLL_H

#include "kernel/types.h"

/*
 * What a poll asks each round: > 0 done, 0 not yet, < 0 a hard error that
 * ends the wait at once (for example an invalidation-queue error bit).
 */
typedef int (*poll_check_fn)(void *ctx);

/*
 * Call `check` until it answers done or fails, for at least `timeout_us`
 * microseconds. 0 when done, the check's error, or -ETIMEDOUT. The check
 * is asked once more after the deadline, so a slow caller (an interrupt,
 * a long log line) never turns a late success into a timeout.
 */
int __must_check poll_timeout_us(poll_check_fn check, void *ctx, uint64_t timeout_us);

#endif
