/* SPDX-License-Identifier: MIT */
/* The whole public hypercall ABI of iomon (see README.md, "Hypercall ABI"). */
#ifndef IOMON_HV_H
#define IOMON_HV_H

#include "include/hv/hvcall.h"
#include "include/hv/hv_memory.h"
#include "include/hv/hv_iommu.h"

#endif
