/* SPDX-License-Identifier: MIT */
/*
 * ACPI table discovery: find the RSDP (loader tag, else the BIOS areas),
 * validate it and the RSDT/XSDT, and list every table whose header,
 * length and checksum are sound. Tables that fail are reported and left
 * out. Parsing a table's contents is the job of the module that owns it
 * (MCFG: pci/, MADT: arch/x86/madt, DMAR: iommu/vtd, IVRS: iommu/amdvi).
 * All access goes through phys_map(); nothing here writes to a table.
 */
#ifndef IOMON_ACPI_H
#define IOMON_ACPI_H

#include "kernel/types.h"

#define ACPI_MAX_TABLES    64
#define ACPI_TABLE_MAX_LEN (16u << 20)   /* refuse headers claiming more than 16 MiB */

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI SDT header is 36 bytes");

struct acpi_rsdp {
	char signature[8];       /* "RSD PTR " */
	uint8_t checksum;        /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;        /* 0: ACPI 1.0 (RSDT only), 2+: XSDT fields valid */
	uint32_t rsdt_address;
	uint32_t length;         /* revision >= 2 */
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");

struct acpi_table {
	char signature[5];       /* NUL-terminated copy */
	paddr_t pa;
	uint32_t length;
	uint8_t revision;
	char oem_id[7];
};

struct acpi_info {
	paddr_t rsdp_pa;         /* 0 when the RSDP came from a loader tag copy */
	uint8_t rsdp_revision;
	char oem_id[7];
	bool using_xsdt;
	paddr_t root_pa;         /* RSDT or XSDT */
	struct acpi_table tables[ACPI_MAX_TABLES];
	unsigned count;
	unsigned rejected;       /* entries reported and ignored */
};

/* 8-bit sum of `len` bytes; a valid table sums to 0. */
uint8_t acpi_checksum(const void *p, uint32_t len);

/*
 * Validate an RSDP image (from a loader tag or memory): signature,
 * the v1 checksum, and for revision >= 2 the length and extended checksum.
 * `avail` bytes are readable at `rsdp`. Returns 0 or -EINVAL.
 */
int acpi_rsdp_validate(const void *rsdp, uint32_t avail);

/*
 * Discover the tables. `rsdp_copy`/`rsdp_len` is the loader's copy (may be
 * NULL/0, then the EBDA and 0xE0000-0xFFFFF are scanned). Fills `ai`.
 * Prefers the XSDT when the RSDP revision is >= 2 and the XSDT is valid,
 * falls back to the RSDT (with a warning) otherwise. Returns 0 or -ENOENT.
 */
int acpi_discover(const void *rsdp_copy, uint32_t rsdp_len, struct acpi_info *ai);

/*
 * The common front door of every table parser (MADT, MCFG, DMAR, IVRS):
 * `tbl` must be non-NULL, carry signature `sig` and hold its `hdr_size`-byte
 * fixed header. Returns how many bytes the parser may read: the header's
 * length clamped to the `len` bytes that are really there, or 0 after a
 * warning logged under the caller's `tag`.
 */
uint32_t acpi_table_extent(const char *tag, const void *tbl, uint32_t len, const char sig[4],
			   uint32_t hdr_size);

/*
 * Subtables: MADT, DMAR and IVRS are a fixed header followed by
 * type-length records. Only the header layout differs between them.
 */
struct acpi_subtable_format {
	const char *what;        /* "entry", "structure", "block": the word used in warnings */
	uint8_t type_size;       /* bytes of the type field at offset 0: 1 or 2 */
	uint8_t length_offset;   /* where the length field starts */
	uint8_t length_size;     /* 1 or 2 */
	uint8_t min_length;      /* the record header itself: no record is shorter */
	bool type_hex;           /* print the type as 0x%x (IVRS) rather than %u */
};

struct acpi_subtable {
	const uint8_t *p;        /* the record, `length` readable bytes */
	uint32_t offset;         /* from the start of the table, for warnings */
	uint16_t type;
	uint16_t length;
};

enum acpi_walk {
	ACPI_WALK_NEXT,          /* go on with the next record */
	ACPI_WALK_STOP,          /* this record cannot be trusted: end the walk */
};

/*
 * Walk the records in [start, len) of `tbl`, calling `fn` for each one whose
 * length is at least the record header and stays inside the table. A record
 * whose length is impossible ends the walk with a warning under `tag` (the
 * next record can only be found through it), as does `fn` returning
 * ACPI_WALK_STOP. Returns true when the walk reached the end of the table.
 */
bool acpi_subtables_walk(const char *tag, const void *tbl, uint32_t start, uint32_t len,
			 const struct acpi_subtable_format *fmt,
			 enum acpi_walk (*fn)(void *ctx, const struct acpi_subtable *st), void *ctx);

/*
 * Register windows that firmware tables describe (ECAM in MCFG, VT-d
 * register sets in DMAR, AMD-Vi register sets in IVRS) are untrusted
 * addresses the monitor will map uncached and write to. memory_init()
 * names the memory that can never be a device window: the monitor image,
 * its pool and every RAM range of the loader's map. A parser asks
 * acpi_mmio_conflict() before it keeps a window: it returns the name of
 * the first such range that [base, base+size) touches ("RAM", "the monitor
 * pool", ...), or NULL. A window that wraps the address space conflicts
 * with everything. acpi_mmio_forbid() returns -ENOSPC when its table is
 * full (the caller must then treat every window as suspect).
 */
#define ACPI_MMIO_FORBIDDEN_MAX 272   /* a full memory map's RAM and the monitor's own */
int __must_check acpi_mmio_forbid(const char *name, uint64_t base, uint64_t end);
void acpi_mmio_forbid_reset(void);
const char *acpi_mmio_conflict(uint64_t base, uint64_t size);

/* The n-th (0-based) table with signature `sig`, mapped, or NULL. */
const struct acpi_header *acpi_find(const struct acpi_info *ai, const char sig[4],
				    unsigned n, uint32_t *len);

/* Log the RSDP, the root table and one line per accepted table. */
void acpi_report(const struct acpi_info *ai);

#endif
