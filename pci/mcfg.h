/* SPDX-License-Identifier: MIT */
/*
 * MCFG (PCI Firmware Specification 3.2 §4.1.2): the ECAM windows, one per
 * (segment, bus range). Entries that could make config accesses land in
 * the wrong place (reversed bus range, unaligned or null base, overlap with
 * another entry of the same segment) are reported and dropped.
 */
#ifndef IOMON_MCFG_H
#define IOMON_MCFG_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

#define MCFG_MAX_RANGES  16
#define ECAM_BUS_SHIFT   20            /* 1 MiB of config space per bus */

struct acpi_mcfg {
	struct acpi_header hdr;
	uint8_t reserved[8];
} __packed;
_Static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG header is 44 bytes");

struct acpi_mcfg_entry {
	uint64_t base;         /* ECAM address of bus 0 of the segment, even if bus_start > 0 */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;       /* inclusive */
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct acpi_mcfg_entry) == 16, "MCFG allocation entry is 16 bytes");

struct mcfg_range {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct mcfg_info {
	struct mcfg_range ranges[MCFG_MAX_RANGES];
	unsigned count;
	unsigned rejected;     /* entries reported and dropped (including over the cap) */
};

/*
 * Parse the MCFG at `tbl` (`len` readable bytes). Returns 0, or -EINVAL when
 * it is not an MCFG or is shorter than its 44-byte header.
 */
int mcfg_parse(const void *tbl, uint32_t len, struct mcfg_info *out);

/* One line per range: "I/pci: ECAM segment 0 buses 00-ff at 0x00000000b0000000". */
void mcfg_report(const struct mcfg_info *mi);

#endif
