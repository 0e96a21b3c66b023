/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi command, DTE and event formats (AMD pub. 48882 §2.2.2, §2.4, §2.5).
 * Every command field the spec marks reserved is left zero: QEMU and real
 * units reject a command with reserved bits set (ILLEGAL_COMMAND_ERROR),
 * and hardware then stops fetching commands.
 */
#include <errno.h>

#include "iommu/amdvi/cmd.h"

static struct amdvi_cmd cmd_make(unsigned opcode, uint64_t q0, uint64_t q1)
{
	return (struct amdvi_cmd){ .q = { FIELD_PREP(AMDVI_CMD0_OPCODE, opcode) | q0, q1 } };
}

struct amdvi_cmd amdvi_cmd_completion_wait(paddr_t store_pa, uint64_t data)
{
	return cmd_make(AMDVI_CMD_COMPLETION_WAIT, (store_pa & AMDVI_CMD0_CW_STORE_ADDR) | AMDVI_CMD0_CW_S,
			data);
}

struct amdvi_cmd amdvi_cmd_inv_devtab(uint16_t devid)
{
	return cmd_make(AMDVI_CMD_INV_DEVTAB_ENTRY, FIELD_PREP(AMDVI_CMD0_DEVICE_ID, devid), 0);
}

/*
 * The address field with S=1 names 2^(z+1) bytes, z being the first zero
 * bit at or above bit 12 (spec §2.4.3, Table 14): the range is the aligned
 * block where iova and its last byte first agree, and its address has
 * every bit below the highest differing one set.
 */
static uint64_t inv_range_addr(uint64_t iova, uint64_t size, bool *s)
{
	uint64_t last = iova + size - 1;
	unsigned msb;

	*s = true;
	if (size == 0 || last < iova)
		return AMDVI_INV_ALL_PAGES_ADDR;
	if ((iova >> PAGE_SHIFT) == (last >> PAGE_SHIFT)) {
		*s = false;
		return ALIGN_DOWN(iova, PAGE_SIZE);
	}
	msb = 63 - __builtin_clzll(iova ^ last);
	/* From bit 51 up the address is sign-extended: only "everything" is expressible. */
	if (msb >= 51)
		return AMDVI_INV_ALL_PAGES_ADDR;
	/* msb >= 12 here: the range spans pages. Block start, then bits 12..msb-1 set. */
	return ((iova & ~GENMASK(msb, 0)) | (BIT(msb) - 1)) & ~(PAGE_SIZE - 1);
}

struct amdvi_cmd amdvi_cmd_inv_pages(uint16_t domid, uint64_t iova, uint64_t size)
{
	bool s;
	uint64_t addr = inv_range_addr(iova, size, &s);

	return cmd_make(AMDVI_CMD_INV_IOMMU_PAGES, FIELD_PREP(AMDVI_CMD0_DOMAIN_ID, domid),
			(addr & AMDVI_CMD1_ADDR) | AMDVI_CMD1_PDE | (s ? AMDVI_CMD1_S : 0));
}

struct amdvi_cmd amdvi_cmd_inv_all(void)
{
	return cmd_make(AMDVI_CMD_INV_IOMMU_ALL, 0, 0);
}

int amdvi_dte_encode(unsigned levels, paddr_t root, uint16_t domid, bool ir, bool iw,
		     struct amdvi_dte *out)
{
	if (levels == AMDVI_MODE_NONE || levels > AMDVI_MODE_MAX_LEVELS ||
	    (root & ~AMDVI_DTE0_ROOT) != 0 || root == 0)
		return -EINVAL;
	*out = (struct amdvi_dte){ .q = {
		AMDVI_DTE0_V | AMDVI_DTE0_TV | FIELD_PREP(AMDVI_DTE0_MODE, levels) | root |
			(ir ? AMDVI_DTE0_IR : 0) | (iw ? AMDVI_DTE0_IW : 0),
		FIELD_PREP(AMDVI_DTE1_DOMAIN_ID, domid),
		0,
		0,
	} };
	return 0;
}

/*
 * IR=IW=0 in the DTE denies every access whatever the table says; the
 * empty table denies it again should a unit walk first. Mode 0 ("no
 * translation, IR/IW decide", spec Table 7) would block too, but QEMU 7.2
 * then aborts silently, while a walk that starts from a DTE without
 * permission raises its page-fault path (target abort in the IOMMU
 * function's PCI status, as QEMU 7.2 writes no event log), and hardware logs
 * IO_PAGE_FAULT.
 */
struct amdvi_dte amdvi_dte_blocked(uint16_t domid, paddr_t empty_table)
{
	return (struct amdvi_dte){ .q = {
		AMDVI_DTE0_V | AMDVI_DTE0_TV | FIELD_PREP(AMDVI_DTE0_MODE, AMDVI_MODE_BLOCKED) |
			(empty_table & AMDVI_DTE0_ROOT),
		FIELD_PREP(AMDVI_DTE1_DOMAIN_ID, domid),
		0,
		0,
	} };
}

/* Which fields an event of `code` fills (spec §2.5.2-2.5.11). */
static bool event_has_devid(unsigned code)
{
	return code != AMDVI_EVT_ILLEGAL_COMMAND_ERROR && code != AMDVI_EVT_COMMAND_HARDWARE_ERROR;
}

bool amdvi_event_decode(const uint32_t ev[4], struct amdvi_event *out)
{
	uint16_t flags = FIELD_GET(AMDVI_EVT1_FLAGS, ev[1]);
	uint16_t low = FIELD_GET(AMDVI_EVT1_DOMAIN_ID, ev[1]);
	bool gn = flags & AMDVI_EVT_FLAG_GN;

	*out = (struct amdvi_event){
		.code = FIELD_GET(AMDVI_EVT1_CODE, ev[1]),
		.flags = flags,
		.addr = (uint64_t)ev[3] << 32 | ev[2],
		.write = flags & AMDVI_EVT_FLAG_RW,
		.present = flags & AMDVI_EVT_FLAG_PR,
		.perm = flags & AMDVI_EVT_FLAG_PE,
		.rsvd = flags & AMDVI_EVT_FLAG_RZ,
		.translation = flags & AMDVI_EVT_FLAG_TR,
		.intr = flags & AMDVI_EVT_FLAG_I,
	};
	if (out->code == 0)
		return false;
	if (event_has_devid(out->code)) {
		out->has_devid = true;
		out->devid = FIELD_GET(AMDVI_EVT0_DEVICE_ID, ev[0]);
	}
	if (out->code == AMDVI_EVT_IO_PAGE_FAULT && gn) {
		out->pasid = (uint32_t)FIELD_GET(AMDVI_EVT0_PASID_HI, ev[0]) << 16 | low;
	} else if (out->code == AMDVI_EVT_IO_PAGE_FAULT ||
		   out->code == AMDVI_EVT_PAGE_TAB_HARDWARE_ERROR) {
		out->has_domid = true;
		out->domid = low;
	}
	return true;
}

const char *amdvi_event_name(unsigned code)
{
	static const char *const names[] = {
		[AMDVI_EVT_ILLEGAL_DEV_TABLE_ENTRY] = "ILLEGAL_DEV_TABLE_ENTRY",
		[AMDVI_EVT_IO_PAGE_FAULT] = "IO_PAGE_FAULT",
		[AMDVI_EVT_DEV_TAB_HARDWARE_ERROR] = "DEV_TAB_HARDWARE_ERROR",
		[AMDVI_EVT_PAGE_TAB_HARDWARE_ERROR] = "PAGE_TAB_HARDWARE_ERROR",
		[AMDVI_EVT_ILLEGAL_COMMAND_ERROR] = "ILLEGAL_COMMAND_ERROR",
		[AMDVI_EVT_COMMAND_HARDWARE_ERROR] = "COMMAND_HARDWARE_ERROR",
		[AMDVI_EVT_IOTLB_INV_TIMEOUT] = "IOTLB_INV_TIMEOUT",
		[AMDVI_EVT_INVALID_DEVICE_REQUEST] = "INVALID_DEVICE_REQUEST",
		[AMDVI_EVT_INVALID_PPR_REQUEST] = "INVALID_PPR_REQUEST",
		[AMDVI_EVT_EVENT_COUNTER_ZERO] = "EVENT_COUNTER_ZERO",
	};

	return code < ARRAY_SIZE(names) && names[code] ? names[code] : "UNKNOWN_EVENT";
}
