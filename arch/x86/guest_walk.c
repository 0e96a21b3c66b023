// SPDX-License-Identifier: MIT
/* Guest page-table walk (see guest_walk.h). */
#include <errno.h>

#include "arch/x86/guest_walk.h"

#define CR3_32_BASE     GENMASK(31, 12)
#define CR3_PAE_BASE    GENMASK(31, 5)
#define CR3_LM_BASE     GENMASK(51, 12)
#define PDE32_4M_BASE   GENMASK(31, 22)
#define PDE32_4M_HIGH   GENMASK(20, 13)  /* PSE-36: physical address bits 39:32 */
#define PDE32_4M_RSVD   BIT(21)
#define PDPTE_PAE_RSVD  (GENMASK(2, 1) | GENMASK(8, 5))
#define LARGE_2M_RSVD   GENMASK(20, 13)
#define LARGE_1G_RSVD   GENMASK(29, 13)
#define PML4E_RSVD      GPTE_PS

static int read_entry(guest_read_gpa_fn read_gpa, void *ctx, uint64_t gpa, unsigned size,
		      uint64_t *e)
{
	uint64_t q;
	int err = read_gpa(ctx, ALIGN_DOWN(gpa, 8), &q);

	if (err)
		return err;
	if (size == 4)
		q = (q >> (8 * (gpa & 4))) & 0xffffffffULL;
	*e = q;
	return 0;
}

/* Present, and no reserved bit: XD without EFER.NXE, and the level's own reserved bits. */
static bool entry_ok(const struct vcpu_mode *m, uint64_t e, uint64_t rsvd)
{
	if (!(e & GPTE_P))
		return false;
	if (!(m->efer & GW_EFER_NXE))
		rsvd |= GPTE_XD;
	return !(e & rsvd);
}

static int walk_32(const struct vcpu_mode *m, uint64_t la, guest_read_gpa_fn read_gpa, void *ctx,
		   uint64_t *gpa)
{
	uint64_t pde, pte;
	int err;

	err = read_entry(read_gpa, ctx, (m->cr3 & CR3_32_BASE) + ((la >> 22) & 0x3ff) * 4, 4, &pde);
	if (err)
		return err;
	if (!(pde & GPTE_P))
		return -EFAULT;
	if ((pde & GPTE_PS) && (m->cr4 & GW_CR4_PSE)) {
		if (pde & PDE32_4M_RSVD)
			return -EFAULT;
		*gpa = (pde & PDE32_4M_BASE) | (FIELD_GET(PDE32_4M_HIGH, pde) << 32) |
		       (la & GENMASK(21, 0));
		return 0;
	}
	err = read_entry(read_gpa, ctx, (pde & CR3_32_BASE) + ((la >> 12) & 0x3ff) * 4, 4, &pte);
	if (err)
		return err;
	if (!(pte & GPTE_P))
		return -EFAULT;
	*gpa = (pte & CR3_32_BASE) | (la & GENMASK(11, 0));
	return 0;
}

/*
 * The walk below the top level shared by PAE and long mode: a PDPTE (long
 * mode only, may map 1 GiB), a PDE (may map 2 MiB), a PTE.
 */
static int walk_lower(const struct vcpu_mode *m, uint64_t la, uint64_t table, int level,
		      guest_read_gpa_fn read_gpa, void *ctx, uint64_t *gpa)
{
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e, rsvd = 0;
		int err;

		err = read_entry(read_gpa, ctx, table + ((la >> shift) & 0x1ff) * 8, 8, &e);
		if (err)
			return err;
		if (level == 3 && (e & GPTE_PS))
			rsvd = LARGE_1G_RSVD;
		else if (level == 2 && (e & GPTE_PS))
			rsvd = LARGE_2M_RSVD;
		if (!entry_ok(m, e, rsvd))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (e & GPTE_PS))) {
			uint64_t page_mask = GENMASK(shift - 1, 0);

			*gpa = (e & GPTE_ADDR & ~page_mask) | (la & page_mask);
			return 0;
		}
		table = e & GPTE_ADDR;
	}
	return -EFAULT;
}

static int walk_pae(const struct vcpu_mode *m, uint64_t la, guest_read_gpa_fn read_gpa, void *ctx,
		    uint64_t *gpa)
{
	uint64_t pdpte;
	int err;

	la &= 0xffffffffULL;
	err = read_entry(read_gpa, ctx, (m->cr3 & CR3_PAE_BASE) + (la >> 30) * 8, 8, &pdpte);
	if (err)
		return err;
	/* A PAE PDPTE has no XD bit: bit 63 is reserved whatever EFER.NXE says. */
	if (!(pdpte & GPTE_P) || (pdpte & (PDPTE_PAE_RSVD | GPTE_XD)))
		return -EFAULT;
	return walk_lower(m, la, pdpte & GPTE_ADDR, 2, read_gpa, ctx, gpa);
}

/* 4-level paging, or 5-level with CR4.LA57 (SDM Vol. 3 §4.5): one more top level. */
static int walk_long(const struct vcpu_mode *m, uint64_t la, guest_read_gpa_fn read_gpa,
		     void *ctx, uint64_t *gpa)
{
	bool la57 = m->cr4 & GW_CR4_LA57;
	unsigned unused = la57 ? 7 : 16;
	uint64_t table = m->cr3 & CR3_LM_BASE;

	if ((uint64_t)((int64_t)(la << unused) >> unused) != la)
		return -EFAULT;                 /* not canonical */
	for (unsigned shift = la57 ? 48 : 39; shift >= 39; shift -= 9) {
		uint64_t e;
		int err = read_entry(read_gpa, ctx, table + ((la >> shift) & 0x1ff) * 8, 8, &e);

		if (err)
			return err;
		if (!entry_ok(m, e, PML4E_RSVD))
			return -EFAULT;
		table = e & GPTE_ADDR;
	}
	return walk_lower(m, la, table, 3, read_gpa, ctx, gpa);
}

int guest_walk(const struct vcpu_mode *m, uint64_t la, guest_read_gpa_fn read_gpa, void *ctx,
	       uint64_t *gpa)
{
	if (!m->paging) {
		*gpa = m->long_mode ? la : la & 0xffffffffULL;
		return 0;
	}
	if (m->long_mode)
		return walk_long(m, la, read_gpa, ctx, gpa);
	if (m->cr4 & GW_CR4_PAE)
		return walk_pae(m, la, read_gpa, ctx, gpa);
	return walk_32(m, la & 0xffffffffULL, read_gpa, ctx, gpa);
}

uint64_t guest_code_linear(const struct vcpu_mode *m, uint64_t rip)
{
	if (m->long_mode && m->cs_l)
		return rip;
	return (m->cs_base + rip) & 0xffffffffULL;
}

/* Linear address of the byte `i` after rip, with the instruction pointer's wrap. */
static uint64_t code_byte_linear(const struct vcpu_mode *m, uint64_t rip, size_t i)
{
	if (m->long_mode && m->cs_l)
		return rip + i;
	if (!m->protected_mode || !m->cs_db)
		return guest_code_linear(m, (rip + i) & 0xffffULL);
	return guest_code_linear(m, (rip + i) & 0xffffffffULL);
}

int guest_fetch(const struct vcpu_mode *m, uint64_t rip, guest_read_gpa_fn read_gpa, void *ctx,
		uint8_t *buf, size_t want, size_t *got)
{
	uint64_t page_gpa = 0, page_la = 1;   /* page_la 1: no page translated yet */
	size_t i;
	int err = 0;

	for (i = 0; i < want; i++) {
		uint64_t la = code_byte_linear(m, rip, i), gpa, q;

		if (ALIGN_DOWN(la, PAGE_SIZE) != page_la) {
			err = guest_walk(m, ALIGN_DOWN(la, PAGE_SIZE), read_gpa, ctx, &page_gpa);
			if (err)
				break;
			page_la = ALIGN_DOWN(la, PAGE_SIZE);
		}
		gpa = page_gpa + (la & (PAGE_SIZE - 1));
		err = read_gpa(ctx, ALIGN_DOWN(gpa, 8), &q);
		if (err)
			break;
		buf[i] = (uint8_t)(q >> (8 * (gpa & 7)));
	}
	*got = i;
	return i ? 0 : err;
}
