/* SPDX-License-Identifier: MIT */
/*
 * The root partition's stage-2 layout: the identity over [0, limit) minus
 * holes. Holes the root touches are emulated (the local APIC page, the
 * configuration-space pages of functions it does not own) or stop it (the
 * monitor, the trampoline, a child's RAM, an IOMMU's registers).
 */
#ifndef IOMON_PART_S2_LAYOUT_H
#define IOMON_PART_S2_LAYOUT_H

#include "boot/mb2.h"
#include "kernel/frames.h"

#define S2_HOLES_MAX   96
#define S2_RANGES_MAX  128

enum s2_hole_kind {
	S2_NOT_A_HOLE,
	S2_HOLE_MONITOR,       /* image, pool, trampoline */
	S2_HOLE_CHILD,         /* another partition's RAM */
	S2_HOLE_IOMMU,         /* an IOMMU's registers */
	S2_HOLE_ECAM_HIDDEN,   /* config space of a function the root does not own: reads all-ones */
	S2_HOLE_LAPIC,         /* the local APIC page: emulated */
};

struct s2_hole {
	struct phys_range r;
	enum s2_hole_kind kind;
};

struct s2_layout {
	struct s2_hole holes[S2_HOLES_MAX];
	unsigned nholes;
	struct phys_range mapped[S2_RANGES_MAX];   /* what the stage-2 maps (identity) */
	unsigned nmapped;
	struct phys_range ram[S2_RANGES_MAX];      /* the root's RAM (its memory map's available ranges) */
	unsigned nram;
	uint64_t limit;
};

struct partition;

/* Compute the root's layout (after children are planned and the IOMMU is up). */
int s2_layout_root_compute(const struct boot_info *bi);
struct s2_layout *s2_layout_root(void);
/* The root's RAM as identity chunks of the partition. */
int s2_layout_root_ram_to(struct partition *p);
enum s2_hole_kind s2_layout_hole_at(uint64_t gpa);
const char *s2_hole_name(enum s2_hole_kind k);
/* The ECAM page of a function (MCFG), or 0 when no MCFG range covers it. */
uint64_t s2_layout_ecam_page(uint16_t seg, uint8_t bus, uint8_t devfn);

#endif
