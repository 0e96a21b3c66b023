/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here). */
#ifndef IOMON_SHIM_LINUX_LOG2_H
#define IOMON_SHIM_LINUX_LOG2_H
#define ilog2(n) (31 - __builtin_clz((unsigned int)(n)))
#endif
