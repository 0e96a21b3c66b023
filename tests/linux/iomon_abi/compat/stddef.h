/* SPDX-License-Identifier: GPL-2.0 */
/* offsetof() and size_t for include/hv/ in a kernel build (see stdint.h here). */
#include <linux/stddef.h>
#include <linux/types.h>
