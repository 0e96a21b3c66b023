/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for Linux's <asm/mshyperv.h> (see linux/types.h here): the
 * names hvcall.c uses, with Linux's values. hv_do_hypercall() is the test's
 * fake monitor; hv_do_rep_hypercall() repeats a rep call the way Linux's
 * does (include/asm-generic/mshyperv.h): stop at the first status other
 * than success, else go on from the reps completed until all are done.
 */
#ifndef IOMON_SHIM_ASM_MSHYPERV_H
#define IOMON_SHIM_ASM_MSHYPERV_H
#include <linux/types.h>
#include <linux/percpu.h>
#include <linux/kernel.h>
#include <string.h>

#define HV_HYP_PAGE_SHIFT               12
#define HVCALL_GET_PARTITION_ID         0x0046
#define HVCALL_DEPOSIT_MEMORY           0x0048
#define HV_STATUS_SUCCESS               0
#define HV_STATUS_INSUFFICIENT_MEMORY   11
#define HV_PARTITION_ID_SELF            ((u64)-1)
#define HV_HYPERCALL_VARHEAD_OFFSET     17
#define HV_HYPERCALL_REP_COMP_OFFSET    32
#define HV_HYPERCALL_REP_COMP_MASK      (0xfffull << 32)
#define HV_HYPERCALL_REP_START_OFFSET   48
#define HV_HYPERCALL_REP_START_MASK     (0xfffull << 48)

struct hv_deposit_memory {
	u64 partition_id;
	u64 gpa_page_list[];
} __attribute__((packed));

extern void *hv_hypercall_pg;
extern void **hyperv_pcpu_input_arg;
bool hv_is_hyperv_initialized(void);
u64 hv_do_hypercall(u64 control, void *input, void *output);

static inline int hv_result(u64 status)
{
	return (int)(status & 0xffff);
}

static inline bool hv_result_success(u64 status)
{
	return hv_result(status) == HV_STATUS_SUCCESS;
}

static inline unsigned int hv_repcomp(u64 status)
{
	return (unsigned int)((status & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
}

static inline u64 hv_do_rep_hypercall(u16 code, u16 rep_count, u16 varhead, void *input, void *output)
{
	u64 control = (u64)code | (u64)varhead << HV_HYPERCALL_VARHEAD_OFFSET |
		      (u64)rep_count << HV_HYPERCALL_REP_COMP_OFFSET;
	u64 status;

	do {
		status = hv_do_hypercall(control, input, output);
		if (!hv_result_success(status))
			return status;
		control &= ~HV_HYPERCALL_REP_START_MASK;
		control |= (u64)hv_repcomp(status) << HV_HYPERCALL_REP_START_OFFSET;
	} while (hv_repcomp(status) < rep_count);
	return status;
}
#endif
