/* SPDX-License-Identifier: MIT */
/*
 * Guest linear -> guest-physical translation by walking the guest's own
 * page tables, for the one place the monitor needs it: fetching the
 * instruction at the guest's RIP to decode an MMIO access. Supports every
 * mode a guest can be in (Intel SDM Vol. 3A ch. 4, AMD APM Vol. 2 ch. 5):
 * paging off, 32-bit paging (4 KiB and, with CR4.PSE, 4 MiB pages with the
 * PSE-36 high bits), PAE (4 KiB, 2 MiB) and 4-level long mode (4 KiB,
 * 2 MiB, 1 GiB) or 5-level (CR4.LA57) long mode.
 *
 * Every table entry is read through the caller's read_gpa callback, so the
 * caller routes it through the partition's stage-2 (a table the guest put
 * in MMIO or outside its memory is a failed read, not a host access). The
 * walk only reads: it does not set accessed/dirty bits (the CPU did, when
 * the guest fetched the instruction) and it does not check permissions.
 */
#ifndef IOMON_X86_GUEST_WALK_H
#define IOMON_X86_GUEST_WALK_H

#include "kernel/types.h"
#include "arch/x86/vcpu.h"

/* Control-register bits the walk depends on. */
#define GW_CR4_PSE      BIT(4)
#define GW_CR4_PAE      BIT(5)
#define GW_CR4_PCIDE    BIT(17)
#define GW_CR4_LA57     BIT(12)
#define GW_EFER_NXE     BIT(11)

/* Guest page-table entry bits. */
#define GPTE_P          BIT(0)
#define GPTE_PS         BIT(7)
#define GPTE_XD         BIT(63)
#define GPTE_ADDR       GENMASK(51, 12)

/*
 * Read the naturally aligned 8 bytes at guest-physical `gpa` (8-aligned).
 * 0, or a negative errno when the GPA is not readable guest RAM.
 */
typedef int (*guest_read_gpa_fn)(void *ctx, uint64_t gpa, uint64_t *val);

/*
 * Translate linear address `la` under the paging mode in `m` (cr0, cr3,
 * cr4, efer, long_mode). 0 and *gpa; -EFAULT when an entry is not present
 * or has reserved bits set, or `la` is not canonical in long mode;
 * a read_gpa error as it came.
 */
int __must_check guest_walk(const struct vcpu_mode *m, uint64_t la, guest_read_gpa_fn read_gpa,
			    void *ctx, uint64_t *gpa);

/* The linear address of code at `rip`: CS base added outside 64-bit mode, 32-bit wrap. */
uint64_t guest_code_linear(const struct vcpu_mode *m, uint64_t rip);

/*
 * Fetch up to `want` instruction bytes at `rip` into buf, translating each
 * page separately (an instruction may straddle two pages, mapped anywhere).
 * Stops at the first byte whose page does not translate or read. 0 and
 * *got >= 1, or the error of the very first byte. The decoder then reports
 * -ENODATA if the instruction needed bytes beyond *got.
 */
int __must_check guest_fetch(const struct vcpu_mode *m, uint64_t rip, guest_read_gpa_fn read_gpa,
			     void *ctx, uint8_t *buf, size_t want, size_t *got);

#endif
