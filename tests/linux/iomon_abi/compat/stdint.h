/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomon's public headers (include/hv/) include <stdint.h>; a kernel build
 * has no C library headers (-nostdinc), and <linux/types.h> already
 * defines the fixed-width types. Only abi.c sees this directory.
 */
#include <linux/types.h>
