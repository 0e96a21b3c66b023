/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here): one CPU. */
#ifndef IOMON_SHIM_LINUX_PERCPU_H
#define IOMON_SHIM_LINUX_PERCPU_H
#define __percpu
#define this_cpu_ptr(p) (p)
#endif
