/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here). */
#ifndef IOMON_SHIM_LINUX_KERNEL_H
#define IOMON_SHIM_LINUX_KERNEL_H
#include <errno.h>
#include <stdio.h>
#include <linux/types.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define pr_err(...) fprintf(stderr, __VA_ARGS__)
#endif
