/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI as the test guest sees it: the public headers in
 * include/hv/ (Linux's names and layouts), as any guest would include them.
 */
#ifndef IOMON_GUEST_HVABI_H
#define IOMON_GUEST_HVABI_H

#include "kernel/types.h"
#include "include/hv/hv.h"

#endif
