/* SPDX-License-Identifier: MIT */
/*
 * ACPI DMAR (VT-d specification §8): the remapping units (DRHD) and the
 * devices each one covers, reserved memory that devices keep using (RMRR),
 * ATS-capable root ports (ATSR), NUMA affinity (RHSA) and ACPI namespace
 * devices (ANDD). The table is untrusted: every length is checked against
 * its container, bad structures are reported and skipped, arrays are capped.
 */
#ifndef IOMON_DMAR_H
#define IOMON_DMAR_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

#define DMAR_MAX_DRHDS        8
#define DMAR_MAX_DRHD_SCOPES  64
#define DMAR_MAX_RMRRS        16
#define DMAR_MAX_RMRR_SCOPES  8
#define DMAR_MAX_ATSRS        8
#define DMAR_MAX_ATSR_SCOPES  16
#define DMAR_MAX_PATH         8      /* (device, function) hops kept per scope */

/* DMAR header flags (§8.1). */
#define DMAR_FLAG_INTR_REMAP               BIT(0)
#define DMAR_FLAG_X2APIC_OPT_OUT           BIT(1)
#define DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN BIT(2)

/* Remapping structure types (§8.2). */
#define DMAR_TYPE_DRHD   0
#define DMAR_TYPE_RMRR   1
#define DMAR_TYPE_ATSR   2
#define DMAR_TYPE_RHSA   3
#define DMAR_TYPE_ANDD   4
#define DMAR_TYPE_SATC   5

#define DMAR_DRHD_INCLUDE_PCI_ALL BIT(0)
#define DMAR_DRHD_SIZE            GENMASK(3, 0)   /* register set: 2^N 4 KiB pages */
#define DMAR_ATSR_ALL_PORTS       BIT(0)

/* Device scope types (§8.3.1). */
#define DMAR_SCOPE_ENDPOINT  1
#define DMAR_SCOPE_BRIDGE    2    /* PCI sub-hierarchy */
#define DMAR_SCOPE_IOAPIC    3
#define DMAR_SCOPE_HPET      4    /* MSI-capable HPET */
#define DMAR_SCOPE_ACPI      5    /* ACPI namespace device (see ANDD) */

struct acpi_dmar {
	struct acpi_header hdr;
	uint8_t haw;             /* host address width - 1 */
	uint8_t flags;
	uint8_t reserved[10];
} __packed;
_Static_assert(sizeof(struct acpi_dmar) == 48, "DMAR header is 48 bytes");

struct dmar_struct_header {
	uint16_t type;
	uint16_t length;
} __packed;

struct dmar_drhd_hw {
	struct dmar_struct_header h;
	uint8_t flags;
	uint8_t size;            /* bits 3:0 (VT-d 3.x+; reserved 0 before, i.e. one page) */
	uint16_t segment;
	uint64_t address;
} __packed;
_Static_assert(sizeof(struct dmar_drhd_hw) == 16, "DRHD is 16 bytes plus scopes");

struct dmar_rmrr_hw {
	struct dmar_struct_header h;
	uint16_t reserved;
	uint16_t segment;
	uint64_t base;
	uint64_t limit;          /* inclusive */
} __packed;
_Static_assert(sizeof(struct dmar_rmrr_hw) == 24, "RMRR is 24 bytes plus scopes");

struct dmar_atsr_hw {
	struct dmar_struct_header h;
	uint8_t flags;
	uint8_t reserved;
	uint16_t segment;
} __packed;
_Static_assert(sizeof(struct dmar_atsr_hw) == 8, "ATSR is 8 bytes plus scopes");

struct dmar_rhsa_hw {
	struct dmar_struct_header h;
	uint32_t reserved;
	uint64_t base;
	uint32_t proximity_domain;
} __packed;
_Static_assert(sizeof(struct dmar_rhsa_hw) == 20, "RHSA is 20 bytes");

struct dmar_andd_hw {
	struct dmar_struct_header h;
	uint8_t reserved[3];
	uint8_t device_number;   /* matches a type 5 scope's enumeration id */
	/* NUL-terminated ACPI object name follows */
} __packed;
_Static_assert(sizeof(struct dmar_andd_hw) == 8, "ANDD is 8 bytes plus its name");

struct dmar_scope_hw {
	uint8_t type;
	uint8_t length;
	uint8_t flags;
	uint8_t reserved;
	uint8_t enumeration_id;  /* IOAPIC id, HPET number or ANDD device number */
	uint8_t start_bus;
	/* (device, function) pairs follow */
} __packed;
_Static_assert(sizeof(struct dmar_scope_hw) == 6, "device scope header is 6 bytes");

/* Parsed, self-contained results. */
struct dmar_path {
	uint8_t dev, fn;
};

struct dmar_scope {
	uint8_t type;            /* DMAR_SCOPE_* */
	uint8_t enumeration_id;
	uint8_t start_bus;
	uint8_t path_len;        /* hops in path[] */
	struct dmar_path path[DMAR_MAX_PATH];
};

struct dmar_drhd {
	uint8_t flags;
	uint16_t segment;
	uint64_t base;
	uint64_t reg_size;       /* bytes */
	struct dmar_scope scopes[DMAR_MAX_DRHD_SCOPES];
	unsigned scope_count;
	unsigned scopes_dropped;
};

struct dmar_rmrr {
	uint16_t segment;
	uint64_t base;
	uint64_t limit;          /* inclusive */
	struct dmar_scope scopes[DMAR_MAX_RMRR_SCOPES];
	unsigned scope_count;
	unsigned scopes_dropped;
};

struct dmar_atsr {
	uint8_t flags;
	uint16_t segment;
	struct dmar_scope scopes[DMAR_MAX_ATSR_SCOPES];
	unsigned scope_count;
	unsigned scopes_dropped;
};

struct dmar_info {
	uint8_t haw;             /* host address width in bits (field + 1) */
	uint8_t flags;           /* DMAR_FLAG_* */
	struct dmar_drhd drhds[DMAR_MAX_DRHDS];
	unsigned drhd_count;
	struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
	unsigned rmrr_count;
	struct dmar_atsr atsrs[DMAR_MAX_ATSRS];
	unsigned atsr_count;
	unsigned rhsa_count;
	unsigned andd_count;
	unsigned unknown_count;  /* structures of types this parser does not know */
	unsigned rejected;       /* structures reported and skipped */
	bool truncated;          /* the walk stopped at a malformed structure */
};

/*
 * Parse the DMAR at `tbl` (`len` readable bytes). Returns 0, or -EINVAL when
 * it is not a DMAR or is shorter than its 48-byte header. Malformed content
 * is reported and skipped; the result holds what was sound.
 */
int dmar_parse(const void *tbl, uint32_t len, struct dmar_info *out);

/*
 * "I/vtd: DMAR HAW 48, flags 0x1 (INTR_REMAP)", then per DRHD
 * "I/vtd: DRHD 0 at 0x00000000fed90000 segment 0 flags 0x0, 7 device scopes"
 * and a line per scope ("I/vtd:   scope endpoint 00:1f.0"), then RMRRs and ATSRs.
 */
void dmar_report(const struct dmar_info *di);

#endif
