// SPDX-License-Identifier: MIT
/* HvCallGetPartitionId (TLFS): anyone may ask; the root is 1, children 2 and up. */
#include "kernel/hvcall/calls.h"
#include "kernel/partition/partition.h"

uint16_t hvcall_get_partition_id(struct hvcall_ctx *c)
{
	struct hv_output_get_partition_id *out = c->out;

	out->partition_id = c->caller->id;
	return HV_STATUS_SUCCESS;
}
