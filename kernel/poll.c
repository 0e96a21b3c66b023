/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "kernel/poll.h"
#include "kernel/time.h"

#define POLL_STEP_US 1   /* hardware answers in microseconds: a finer step buys nothing */

int poll_timeout_us(poll_check_fn check, void *ctx, uint64_t timeout_us)
{
	uint64_t start = time_now_us();
	bool late = false;
	int r;

	while ((r = check(ctx)) == 0 && !late) {
		late = time_now_us() - start > timeout_us;
		if (!late)
			udelay(POLL_STEP_US);
	}
	if (r != 0)
		return r > 0 ? 0 : r;
	return -ETIMEDOUT;
}
