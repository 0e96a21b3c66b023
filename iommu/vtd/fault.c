/* SPDX-License-Identifier: MIT */
#include "iommu/vtd/fault.h"
#include "iommu/vtd/regs.h"

bool vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f)
{
	if (!(hi & VTD_FRCD_HI_F))
		return false;
	f->sid = FIELD_GET(VTD_FRCD_HI_SID, hi);
	f->reason = FIELD_GET(VTD_FRCD_HI_FR, hi);
	f->is_read = hi & VTD_FRCD_HI_T;
	f->addr = lo & VTD_FRCD_LO_FI;
	return true;
}

/* Legacy-mode (non-recoverable) fault reasons, VT-d spec Appendix A. */
const char *vtd_fault_reason_name(uint8_t reason)
{
	static const char *const names[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present",
		[0x3] = "invalid context entry",
		[0x4] = "address beyond the guest address width",
		[0x5] = "write to a page without write permission",
		[0x6] = "read from a page without read permission",
		[0x7] = "cannot read a second-level table",
		[0x8] = "cannot read the root table",
		[0x9] = "cannot read the context table",
		[0xA] = "reserved bit set in a root entry",
		[0xB] = "reserved bit set in a context entry",
		[0xC] = "reserved bit set in a second-level entry",
		[0xD] = "translation request blocked by the context entry",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	if (reason >= 0x20 && reason <= 0x26)
		return "interrupt-remapping fault";
	return "unknown reason";
}
