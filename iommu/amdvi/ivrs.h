/* SPDX-License-Identifier: MIT */
/*
 * ACPI IVRS (AMD I/O Virtualization Technology, pub. 48882 §5): the IOMMUs
 * (IVHD blocks) with the device ids each one translates, and the memory
 * ranges devices need mapped (IVMD blocks). The table is untrusted: every
 * block and device entry is bounds-checked, bad ones are reported and
 * skipped, arrays are capped. When several IVHD types describe one IOMMU,
 * only the newest type is kept (as Linux does).
 */
#ifndef IOMON_IVRS_H
#define IOMON_IVRS_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

#define IVRS_MAX_IVHDS        8
#define IVRS_MAX_RANGES       64    /* device-id ranges per IVHD */
#define IVRS_MAX_SPECIALS     16    /* IOAPIC/HPET entries per IVHD */
#define IVRS_MAX_HIDS         8     /* ACPI HID entries per IVHD */
#define IVRS_MAX_IVMDS        16

/* IVinfo (§5.2.1) */
#define IVRS_IVINFO_EFRSUP    BIT(0)           /* IVHD EFR images are valid */
#define IVRS_IVINFO_DMA_GUARD BIT(1)           /* DMA remapping opt-in */
#define IVRS_IVINFO_GVASIZE   GENMASK(7, 5)    /* 2: 48-bit guest virtual addresses */
#define IVRS_IVINFO_PASIZE    GENMASK(14, 8)   /* physical address bits */
#define IVRS_IVINFO_VASIZE    GENMASK(21, 15)  /* virtual address bits */
#define IVRS_IVINFO_HTATSRESV BIT(22)

/* Block types */
#define IVRS_TYPE_IVHD_10     0x10   /* legacy: 24-byte header */
#define IVRS_TYPE_IVHD_11     0x11   /* 40-byte header with an EFR image */
#define IVRS_TYPE_IVHD_40     0x40   /* as 0x11, plus ACPI HID device entries */
#define IVRS_TYPE_IVMD_ALL    0x20   /* applies to every device */
#define IVRS_TYPE_IVMD_SELECT 0x21   /* one device */
#define IVRS_TYPE_IVMD_RANGE  0x22   /* devid..aux */

/* IVHD flags */
#define IVHD_FLAG_HT_TUN_EN   BIT(0)
#define IVHD_FLAG_PASS_PW     BIT(1)
#define IVHD_FLAG_RES_PASS_PW BIT(2)
#define IVHD_FLAG_ISOC        BIT(3)
#define IVHD_FLAG_IOTLB_SUP   BIT(4)
#define IVHD_FLAG_COHERENT    BIT(5)
#define IVHD_FLAG_PREF_SUP    BIT(6)
#define IVHD_FLAG_PPR_SUP     BIT(7)

/*
 * Device entry types (§5.2.2.2). The size is in the type: bits 7:6 give
 * 4 << n bytes, except 0xF0 (ACPI HID), which is 22 + its UID length.
 */
#define IVHD_DEV_PAD          0x00
#define IVHD_DEV_ALL          0x01
#define IVHD_DEV_SELECT       0x02
#define IVHD_DEV_START        0x03
#define IVHD_DEV_END          0x04
#define IVHD_DEV_ALIAS_SELECT 0x42
#define IVHD_DEV_ALIAS_START  0x43
#define IVHD_DEV_EXT_SELECT   0x46
#define IVHD_DEV_EXT_START    0x47
#define IVHD_DEV_SPECIAL      0x48
#define IVHD_DEV_ACPI_HID     0xF0

#define IVHD_SPECIAL_IOAPIC   1
#define IVHD_SPECIAL_HPET     2

/* IVMD flags */
#define IVMD_FLAG_UNITY       BIT(0)
#define IVMD_FLAG_IR          BIT(1)
#define IVMD_FLAG_IW          BIT(2)
#define IVMD_FLAG_EXCL_RANGE  BIT(3)

struct acpi_ivrs {
	struct acpi_header hdr;
	uint32_t ivinfo;
	uint64_t reserved;
} __packed;
_Static_assert(sizeof(struct acpi_ivrs) == 48, "IVRS header is 48 bytes");

struct ivrs_block_header {
	uint8_t type;
	uint8_t flags;
	uint16_t length;
} __packed;

struct ivhd_hw {
	uint8_t type;
	uint8_t flags;
	uint16_t length;
	uint16_t devid;          /* the IOMMU's own PCI function */
	uint16_t cap_offset;     /* its IOMMU capability in config space */
	uint64_t base;
	uint16_t segment;
	uint16_t info;           /* MSI number, UnitID */
	uint32_t feature;        /* type 0x10: feature reporting; 0x11/0x40: attributes */
} __packed;
_Static_assert(sizeof(struct ivhd_hw) == 24, "IVHD type 0x10 header is 24 bytes");

struct ivhd_ext_hw {
	struct ivhd_hw h;
	uint64_t efr;            /* image of the EFR register */
	uint64_t efr2;
} __packed;
_Static_assert(sizeof(struct ivhd_ext_hw) == 40, "IVHD type 0x11/0x40 header is 40 bytes");
_Static_assert(offsetof(struct ivhd_ext_hw, efr) == 24, "EFR image at offset 24");

struct ivhd_entry4_hw {
	uint8_t type;
	uint16_t devid;
	uint8_t setting;         /* DTE setting: INITPass, EIntPass, NMIPass, SysMgt, Lint0/1 */
} __packed;
_Static_assert(sizeof(struct ivhd_entry4_hw) == 4, "4-byte device entry");

struct ivhd_alias_hw {
	uint8_t type;
	uint16_t devid;
	uint8_t setting;
	uint8_t reserved;
	uint16_t alias_devid;    /* the requester id the device's DMA carries */
	uint8_t reserved2;
} __packed;
_Static_assert(sizeof(struct ivhd_alias_hw) == 8, "alias device entry is 8 bytes");

struct ivhd_ext_entry_hw {
	uint8_t type;
	uint16_t devid;
	uint8_t setting;
	uint32_t ext;            /* extended DTE setting (bit 31: ATS disabled) */
} __packed;
_Static_assert(sizeof(struct ivhd_ext_entry_hw) == 8, "extended device entry is 8 bytes");

struct ivhd_special_hw {
	uint8_t type;
	uint16_t reserved;
	uint8_t setting;
	uint8_t handle;          /* IOAPIC id or HPET number */
	uint16_t devid;          /* the requester id it uses */
	uint8_t variety;         /* IVHD_SPECIAL_* */
} __packed;
_Static_assert(sizeof(struct ivhd_special_hw) == 8, "special device entry is 8 bytes");

struct ivhd_hid_hw {
	uint8_t type;
	uint16_t devid;
	uint8_t setting;
	char hid[8];
	char cid[8];
	uint8_t uid_format;      /* 0 none, 1 integer, 2 string */
	uint8_t uid_length;
	/* uid_length bytes of UID follow */
} __packed;
_Static_assert(sizeof(struct ivhd_hid_hw) == 22, "ACPI HID entry is 22 bytes plus its UID");

struct ivmd_hw {
	uint8_t type;
	uint8_t flags;
	uint16_t length;
	uint16_t devid;
	uint16_t aux;            /* type 0x22: last device id */
	uint16_t segment;        /* reserved (0) before multi-segment IVRS */
	uint8_t reserved[6];
	uint64_t start;
	uint64_t size;
} __packed;
_Static_assert(sizeof(struct ivmd_hw) == 32, "IVMD is 32 bytes");

/* Parsed, self-contained results. Device ids are bus << 8 | device << 3 | function. */
struct ivrs_devrange {
	uint16_t first, last;    /* inclusive */
	uint8_t kind;            /* the entry that opened it: IVHD_DEV_ALL, _SELECT, _START, ... */
	uint8_t setting;
	bool alias;
	uint16_t alias_devid;
	uint32_t ext;            /* EXT_* entries */
};

struct ivrs_special {
	uint8_t variety;
	uint8_t handle;
	uint16_t devid;
	uint8_t setting;
};

struct ivrs_hid {
	uint16_t devid;
	uint8_t setting;
	char hid[9];
	char cid[9];
	char uid[17];            /* string UIDs; integer UIDs in uid_int */
	uint64_t uid_int;
};

struct ivrs_ivhd {
	uint8_t type;
	uint8_t flags;
	uint16_t devid;
	uint16_t cap_offset;
	uint64_t base;
	uint16_t segment;
	uint16_t info;
	uint32_t feature;
	bool has_efr;            /* type 0x11/0x40 */
	uint64_t efr, efr2;

	unsigned entry_count;    /* device entries walked */
	struct ivrs_devrange ranges[IVRS_MAX_RANGES];
	unsigned range_count;
	struct ivrs_special specials[IVRS_MAX_SPECIALS];
	unsigned special_count;
	struct ivrs_hid hids[IVRS_MAX_HIDS];
	unsigned hid_count;
	unsigned dropped;        /* entries over a cap or malformed */
	bool truncated;          /* the entry walk stopped early */
};

struct ivrs_ivmd {
	uint8_t type;
	uint8_t flags;
	uint16_t segment;
	uint16_t first, last;    /* device ids */
	uint64_t start, size;
};

struct ivrs_info {
	uint32_t ivinfo;
	uint8_t va_size, pa_size, gva_size;   /* raw IVinfo fields */
	bool efr_sup;
	struct ivrs_ivhd ivhds[IVRS_MAX_IVHDS];
	unsigned ivhd_count;
	struct ivrs_ivmd ivmds[IVRS_MAX_IVMDS];
	unsigned ivmd_count;
	unsigned superseded;     /* IVHD blocks dropped for a newer type of the same IOMMU */
	unsigned unknown_count;
	unsigned rejected;       /* blocks reported and skipped */
	bool truncated;          /* the block walk stopped early */
};

/*
 * Parse the IVRS at `tbl` (`len` readable bytes). Returns 0, or -EINVAL when
 * it is not an IVRS or is shorter than its 48-byte header.
 */
int ivrs_parse(const void *tbl, uint32_t len, struct ivrs_info *out);

/*
 * Does IVHD `h` translate DMA from `devid`: does a device entry range, a
 * special device (IOAPIC, HPET) or an ACPI HID device name it?
 */
bool ivrs_covers(const struct ivrs_ivhd *h, uint16_t devid);

/*
 * The device id the unit sees on DMA from `devid`: the alias of the last
 * alias entry naming it (a PCIe-to-PCI bridge forwards its secondary bus
 * under one requester id, and the unit looks up that id's DTE), else
 * `devid` itself. Later entries override earlier ones, as in Linux.
 */
uint16_t ivrs_alias(const struct ivrs_ivhd *h, uint16_t devid);

/* How many of the 65536 device ids `h` covers. */
unsigned ivrs_devid_count(const struct ivrs_ivhd *h);

/*
 * "I/amdvi: IVRS IVinfo 0x00002800 VAsize 0 PAsize 40 ...", then per IVHD
 * "I/amdvi: IVHD type 0x10 at 0x00000000fed80000 segment 0 devid 00:03.0 flags 0xd1, N device entries"
 * with a line per range / special device, then the IVMDs.
 */
void ivrs_report(const struct ivrs_info *ii);

#endif
