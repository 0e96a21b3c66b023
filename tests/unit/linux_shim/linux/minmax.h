/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here). */
#ifndef IOMON_SHIM_LINUX_MINMAX_H
#define IOMON_SHIM_LINUX_MINMAX_H
#define min(a, b) ((a) < (b) ? (a) : (b))
#endif
