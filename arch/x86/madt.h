/* SPDX-License-Identifier: MIT */
/*
 * MADT ("APIC", ACPI 6.5 §5.2.12): the local APIC address, the processors
 * (xAPIC and x2APIC entries), the I/O APICs, interrupt source overrides and
 * NMI wiring. The table is untrusted: an entry whose length is impossible
 * ends the walk with a warning, and every array is capped.
 */
#ifndef IOMON_MADT_H
#define IOMON_MADT_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

#define MADT_MAX_CPUS     256
#define MADT_MAX_IOAPICS  16
#define MADT_MAX_ISOS     16

/* Interrupt controller structure types (§5.2.12, table 5.21). */
#define MADT_TYPE_LAPIC           0
#define MADT_TYPE_IOAPIC          1
#define MADT_TYPE_ISO             2
#define MADT_TYPE_NMI_SOURCE      3
#define MADT_TYPE_LAPIC_NMI       4
#define MADT_TYPE_LAPIC_OVERRIDE  5
#define MADT_TYPE_X2APIC          9
#define MADT_TYPE_X2APIC_NMI      0xA

/* MADT header flags. */
#define MADT_FLAG_PCAT_COMPAT     BIT(0)   /* dual 8259s present */

/* Local APIC / x2APIC flags. */
#define MADT_LAPIC_ENABLED        BIT(0)
#define MADT_LAPIC_ONLINE_CAPABLE BIT(1)   /* ACPI 6.3+: may be enabled later */

struct acpi_madt {
	struct acpi_header hdr;
	uint32_t lapic_address;
	uint32_t flags;
} __packed;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");

struct madt_entry_header {
	uint8_t type;
	uint8_t length;
} __packed;

struct madt_lapic {
	struct madt_entry_header h;
	uint8_t uid;
	uint8_t apic_id;
	uint32_t flags;
} __packed;
_Static_assert(sizeof(struct madt_lapic) == 8, "Processor Local APIC is 8 bytes");

struct madt_ioapic {
	struct madt_entry_header h;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed;
_Static_assert(sizeof(struct madt_ioapic) == 12, "I/O APIC is 12 bytes");

struct madt_iso {
	struct madt_entry_header h;
	uint8_t bus;        /* 0: ISA */
	uint8_t source;     /* bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags;     /* MPS INTI flags: polarity 1:0, trigger mode 3:2 */
} __packed;
_Static_assert(sizeof(struct madt_iso) == 10, "Interrupt Source Override is 10 bytes");

struct madt_lapic_nmi {
	struct madt_entry_header h;
	uint8_t uid;        /* 0xFF: all processors */
	uint16_t flags;
	uint8_t lint;
} __packed;
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "Local APIC NMI is 6 bytes");

struct madt_lapic_override {
	struct madt_entry_header h;
	uint16_t reserved;
	uint64_t address;
} __packed;
_Static_assert(sizeof(struct madt_lapic_override) == 12, "Local APIC Address Override is 12 bytes");

struct madt_x2apic {
	struct madt_entry_header h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __packed;
_Static_assert(sizeof(struct madt_x2apic) == 16, "Processor Local x2APIC is 16 bytes");

struct madt_x2apic_nmi {
	struct madt_entry_header h;
	uint16_t flags;
	uint32_t uid;       /* 0xFFFFFFFF: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __packed;
_Static_assert(sizeof(struct madt_x2apic_nmi) == 12, "Local x2APIC NMI is 12 bytes");

/* Parsed, self-contained results (no pointers into the table). */
struct madt_cpu {
	uint32_t apic_id;
	uint32_t uid;          /* ACPI processor UID */
	bool enabled;
	bool online_capable;
	bool x2apic;           /* from a type 9 entry */
};

struct madt_ioapic_info {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct madt_iso_info {
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct madt_info {
	uint64_t lapic_address;        /* after any type 5 override */
	bool lapic_overridden;
	uint32_t flags;                /* MADT_FLAG_* */

	struct madt_cpu cpus[MADT_MAX_CPUS];
	unsigned cpu_count;            /* entries kept (enabled or not) */
	unsigned cpus_enabled;
	unsigned cpus_dropped;         /* beyond MADT_MAX_CPUS, or duplicate APIC ids */

	struct madt_ioapic_info ioapics[MADT_MAX_IOAPICS];
	unsigned ioapic_count;

	struct madt_iso_info isos[MADT_MAX_ISOS];
	unsigned iso_count;            /* kept: min(iso_total, MADT_MAX_ISOS) */
	unsigned iso_total;

	unsigned nmi_count;            /* type 4 and type 0xA entries */
	bool truncated;                /* the walk stopped at a malformed entry */
};

/*
 * Parse the MADT at `tbl` (`len` readable bytes). Returns 0, or -EINVAL when
 * the table is not a MADT or is shorter than its 44-byte header. A malformed
 * entry stops the walk (out->truncated, a warning) but still returns 0 with
 * what was found before it.
 */
int madt_parse(const void *tbl, uint32_t len, struct madt_info *out);

/* "I/madt: 2 CPUs (2 enabled), LAPIC at 0xfee00000", then a line per CPU and IOAPIC. */
void madt_report(const struct madt_info *mi);

#endif
