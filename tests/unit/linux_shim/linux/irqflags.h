/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here): one CPU, nothing to mask. */
#ifndef IOMON_SHIM_LINUX_IRQFLAGS_H
#define IOMON_SHIM_LINUX_IRQFLAGS_H
#define local_irq_save(f) ((f) = 1)
#define local_irq_restore(f) ((void)(f))
#endif
