/* SPDX-License-Identifier: MIT */
/*
 * Host stand-ins for the few Linux kernel headers tests/linux/iomon_abi's
 * hvcall.c and abi.c include, so tests/unit/test_linux_module.c can run
 * their loops against a fake monitor. Only what those two files use.
 */
#ifndef IOMON_SHIM_LINUX_TYPES_H
#define IOMON_SHIM_LINUX_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef unsigned long long u64;   /* as the kernel has it (%llx) */
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
#define __must_check __attribute__((warn_unused_result))
#endif
