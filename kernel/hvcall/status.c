// SPDX-License-Identifier: MIT
/*
 * The one place internal errors become HV_STATUS values. Call functions
 * return negative errno from the layers below (iommu/, pt/, pci/) and hand
 * them to hvcall_status(); a status a call needs that no errno expresses it
 * returns directly.
 */
#include <errno.h>

#include "kernel/hvcall/hvcall.h"

static const struct {
	int err;
	uint16_t status;
} errno_status[] = {
	{ EINVAL,     HV_STATUS_INVALID_PARAMETER },
	{ ERANGE,     HV_STATUS_INVALID_PARAMETER },     /* IOVA or GPA beyond what is translated */
	{ EEXIST,     HV_STATUS_INVALID_PARAMETER },     /* id in use, IOVA already mapped */
	{ ENOENT,     HV_STATUS_INVALID_PARAMETER },     /* no such domain */
	{ EFAULT,     HV_STATUS_INVALID_PARAMETER },     /* a GPA in the input is not the caller's RAM */
	{ EACCES,     HV_STATUS_ACCESS_DENIED },
	{ EPERM,      HV_STATUS_ACCESS_DENIED },
	{ ENOMEM,     HV_STATUS_INSUFFICIENT_MEMORY },   /* deposit pool empty: deposit and retry */
	{ ENOSPC,     HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS },   /* hardware domain ids exhausted */
	{ ESRCH,      HV_STATUS_INVALID_PARTITION_ID },
	{ ESTALE,     HV_STATUS_INVALID_PARTITION_STATE },  /* the partition is not running */
	{ ENODEV,     HV_STATUS_INVALID_DEVICE_ID },
	{ ENXIO,      HV_STATUS_INVALID_DEVICE_ID },
	{ EBUSY,      HV_STATUS_INVALID_DEVICE_STATE },  /* devices still attached, pages in use */
	{ EALREADY,   HV_STATUS_DEVICE_ALREADY_IN_DOMAIN },
	{ EXDEV,      HV_STATUS_OPERATION_DENIED },      /* a group would be split */
	{ EOPNOTSUPP, HV_STATUS_FEATURE_UNAVAILABLE },
	{ EIO,        HV_STATUS_OPERATION_FAILED },
	{ ETIMEDOUT,  HV_STATUS_OPERATION_FAILED },      /* an IOMMU did not confirm an invalidation */
};

uint16_t hvcall_status(int err)
{
	if (err >= 0)
		return HV_STATUS_SUCCESS;
	for (unsigned i = 0; i < ARRAY_SIZE(errno_status); i++)
		if (errno_status[i].err == -err)
			return errno_status[i].status;
	return HV_STATUS_OPERATION_FAILED;
}
