/* SPDX-License-Identifier: MIT */
/*
 * The hypercall calling convention of iomon's Hyper-V-compatible ABI:
 * call codes, the input value (control word), the result value and the
 * HV_STATUS codes. Names and values are Linux's (include/hyperv/), which
 * follow the Hyper-V TLFS, "Hypercall Interface".
 *
 * Public header: a guest may include it. Only <stdint.h>; no monitor type.
 *
 * x64, memory-based call (Fast = 0):
 *   RCX = input value, RDX = input GPA, R8 = output GPA
 *   then CALL the hypercall page (enabled with HV_X64_MSR_HYPERCALL).
 *   RAX = result value. For a rep call RCX is updated with the new rep start
 *   index when the monitor ran out of time: the instruction is then simply
 *   executed again (RIP is not advanced), transparently to the caller.
 * x64, fast call (Fast = 1): RDX and R8 carry up to 16 bytes of input.
 */
#ifndef IOMON_HV_HVCALL_H
#define IOMON_HV_HVCALL_H

#include <stdint.h>

#define HV_HYP_PAGE_SHIFT               12
#define HV_HYP_PAGE_SIZE                4096u

/* ---- Call codes ---------------------------------------------------------- */
#define HVCALL_GET_PARTITION_ID         0x0046
#define HVCALL_DEPOSIT_MEMORY           0x0048
#define HVCALL_WITHDRAW_MEMORY          0x0049
#define HVCALL_MAP_GPA_PAGES            0x004b
#define HVCALL_UNMAP_GPA_PAGES          0x004c
#define HVCALL_ATTACH_DEVICE            0x0082
#define HVCALL_DETACH_DEVICE            0x0083
#define HVCALL_CREATE_DEVICE_DOMAIN     0x00b1
#define HVCALL_ATTACH_DEVICE_DOMAIN     0x00b2
#define HVCALL_MAP_DEVICE_GPA_PAGES     0x00b3
#define HVCALL_UNMAP_DEVICE_GPA_PAGES   0x00b4
#define HVCALL_DETACH_DEVICE_DOMAIN     0x00c4
#define HVCALL_DELETE_DEVICE_DOMAIN     0x00c5
#define HVCALL_CONFIGURE_DEVICE_DOMAIN  0x00ce
#define HVCALL_FLUSH_DEVICE_DOMAIN      0x00d0
#define HVCALL_FLUSH_DEVICE_DOMAIN_LIST 0x00d1
#define HVCALL_GET_IOMMU_CAPABILITIES   0x0125
#define HVCALL_GET_LOGICAL_DEVICE_PROPERTY 0x0127

/* ---- Input value (RCX) ---------------------------------------------------- */
#define HV_HYPERCALL_CODE_MASK          0xffffull                 /* 15:0 */
#define HV_HYPERCALL_FAST_BIT           (1ull << 16)
#define HV_HYPERCALL_VARHEAD_OFFSET     17
#define HV_HYPERCALL_VARHEAD_MASK       (0x3ffull << 17)          /* 26:17, in QWORDs */
#define HV_HYPERCALL_RSVD0_MASK         (0xfull << 27)            /* 30:27 RsvdZ */
#define HV_HYPERCALL_NESTED             (1ull << 31)              /* not offered by iomon */
#define HV_HYPERCALL_REP_COMP_OFFSET    32
#define HV_HYPERCALL_REP_COMP_MASK      (0xfffull << 32)          /* 43:32 rep count (in) / reps completed (out) */
#define HV_HYPERCALL_RSVD1_MASK         (0xfull << 44)            /* 47:44 RsvdZ */
#define HV_HYPERCALL_REP_START_OFFSET   48
#define HV_HYPERCALL_REP_START_MASK     (0xfffull << 48)          /* 59:48 */
#define HV_HYPERCALL_RSVD2_MASK         (0xfull << 60)            /* 63:60 RsvdZ */
#define HV_REP_COUNT_MAX                0xfffu

/* ---- Result value (RAX) --------------------------------------------------- */
#define HV_HYPERCALL_RESULT_MASK        0xffffull                 /* 15:0 HV_STATUS */

static inline uint16_t hv_result(uint64_t status)
{
	return (uint16_t)(status & HV_HYPERCALL_RESULT_MASK);
}

static inline unsigned hv_repcomp(uint64_t status)
{
	return (unsigned)((status & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
}

/* ---- HV_STATUS ------------------------------------------------------------ */
#define HV_STATUS_SUCCESS                       0x00
#define HV_STATUS_INVALID_HYPERCALL_CODE        0x02
#define HV_STATUS_INVALID_HYPERCALL_INPUT       0x03
#define HV_STATUS_INVALID_ALIGNMENT             0x04
#define HV_STATUS_INVALID_PARAMETER             0x05
#define HV_STATUS_ACCESS_DENIED                 0x06
#define HV_STATUS_INVALID_PARTITION_STATE       0x07
#define HV_STATUS_OPERATION_DENIED              0x08
#define HV_STATUS_UNKNOWN_PROPERTY              0x09
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE   0x0a
#define HV_STATUS_INSUFFICIENT_MEMORY           0x0b
#define HV_STATUS_INVALID_PARTITION_ID          0x0d
#define HV_STATUS_INVALID_VP_INDEX              0x0e
#define HV_STATUS_NOT_FOUND                     0x10
#define HV_STATUS_INSUFFICIENT_BUFFERS          0x13
#define HV_STATUS_OBJECT_IN_USE                 0x19
#define HV_STATUS_NO_RESOURCES                  0x1d
#define HV_STATUS_FEATURE_UNAVAILABLE           0x1e
#define HV_STATUS_INSUFFICIENT_BUFFER           0x33
#define HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS   0x38
#define HV_STATUS_INVALID_DEVICE_ID             0x57
#define HV_STATUS_INVALID_DEVICE_STATE          0x58
#define HV_STATUS_DEVICE_ALREADY_IN_DOMAIN      0x66
#define HV_STATUS_OPERATION_FAILED              0x71
#define HV_STATUS_INSUFFICIENT_ROOT_MEMORY      0x73
#define HV_STATUS_TIME_OUT                      0x78

/*
 * The statuses iomon returns, by their TLFS names: X(NAME) for each, so a
 * monitor's counters and a guest's messages print the same words.
 */
#define HV_STATUS_RETURNED(X) \
	X(SUCCESS) \
	X(INVALID_HYPERCALL_CODE) \
	X(INVALID_HYPERCALL_INPUT) \
	X(INVALID_ALIGNMENT) \
	X(INVALID_PARAMETER) \
	X(ACCESS_DENIED) \
	X(INVALID_PARTITION_STATE) \
	X(OPERATION_DENIED) \
	X(INSUFFICIENT_MEMORY) \
	X(INVALID_PARTITION_ID) \
	X(INSUFFICIENT_DEVICE_DOMAINS) \
	X(INVALID_DEVICE_ID) \
	X(INVALID_DEVICE_STATE) \
	X(DEVICE_ALREADY_IN_DOMAIN) \
	X(OPERATION_FAILED) \
	X(INSUFFICIENT_BUFFERS) \
	X(NO_RESOURCES) \
	X(FEATURE_UNAVAILABLE) \
	X(UNKNOWN_PROPERTY)

/* ---- Partition ids -------------------------------------------------------- */
#define HV_PARTITION_ID_INVALID         0ull
#define HV_PARTITION_ID_SELF            (~0ull)

/* HV_INPUT_VTL (u8): 3:0 target VTL, 4 use target VTL, 7:5 RsvdZ. iomon has VTL 0 only. */
#define HV_INPUT_VTL_TARGET_MASK        0x0f
#define HV_INPUT_VTL_USE_TARGET         0x10
#define HV_INPUT_VTL_RSVD_MASK          0xe0

#endif
