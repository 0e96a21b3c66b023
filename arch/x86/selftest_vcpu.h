/* SPDX-License-Identifier: MIT */
#ifndef IOMON_X86_SELFTEST_VCPU_H
#define IOMON_X86_SELFTEST_VCPU_H

#include "kernel/types.h"

/* selftest=vcpu: every normalised exit of the chosen backend, TAP on the console. */
bool selftest_vcpu(void);

#endif
