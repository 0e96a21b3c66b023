/* SPDX-License-Identifier: MIT */
/* The call functions the table (table.c) lists; one file per family. */
#ifndef IOMON_HVCALL_CALLS_H
#define IOMON_HVCALL_CALLS_H

#include "kernel/hvcall/hvcall.h"

/* partition_id.c */
uint16_t hvcall_get_partition_id(struct hvcall_ctx *c);
/* memory.c */
uint16_t hvcall_deposit_memory(struct hvcall_ctx *c);
uint16_t hvcall_withdraw_memory(struct hvcall_ctx *c);
/* caps.c */
uint16_t hvcall_get_iommu_capabilities(struct hvcall_ctx *c);
uint16_t hvcall_get_logical_device_property(struct hvcall_ctx *c);

#endif
