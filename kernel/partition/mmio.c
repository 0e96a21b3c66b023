// SPDX-License-Identifier: MIT
/*
 * Stage-2 faults. Two kinds of page are emulated: the local APIC page (the
 * ICR is filtered, every other register is the CPU's own APIC) and, for the
 * root, the configuration-space pages of functions it does not own (reads
 * all-ones, writes ignored). For those the monitor fetches the instruction
 * at the guest's RIP through the guest's page tables and its stage-2,
 * decodes it (arch/x86/decode.c) and completes it. Everything else, and
 * anything the decoder cannot handle, stops the partition: containment.
 */
#define LOG_TAG "part"
#include <errno.h>
#include <string.h>

#include "kernel/partition/exits.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/s2_layout.h"
#include "arch/x86/apic.h"
#include "arch/x86/decode.h"
#include "arch/x86/guest_walk.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "arch/x86/madt.h"

static uint64_t lapic_page(void)
{
	const struct madt_info *mi = platform_madt();

	return mi && mi->lapic_address ? ALIGN_DOWN(mi->lapic_address, PAGE_SIZE) : APIC_DEFAULT_BASE;
}

static enum s2_hole_kind classify(struct partition *p, uint64_t gpa)
{
	if (ALIGN_DOWN(gpa, PAGE_SIZE) == lapic_page())
		return S2_HOLE_LAPIC;
	if (p->is_root && part_root_ecam_hidden(gpa))
		return S2_HOLE_ECAM_HIDDEN;   /* a function given to a child */
	if (p->is_root)
		return s2_layout_hole_at(gpa);
	return S2_NOT_A_HOLE;   /* a child: outside its RAM */
}

static int read_guest_qword(void *ctx, uint64_t gpa, uint64_t *val)
{
	return copy_from_guest(ctx, val, gpa, sizeof(*val));
}

/* Up to 15 bytes at CS:RIP, page by page through the guest's own translation. */
static int fetch_insn(struct part_vcpu *pv, const struct vcpu_mode *m, uint8_t *buf, size_t *got)
{
	struct partition *p = pv->vcpu.part;
	uint64_t la = guest_code_linear(m, pv->vcpu.regs.rip);

	*got = 0;
	while (*got < X86_INSN_MAX_LEN) {
		uint64_t gpa, chunk = MIN((uint64_t)X86_INSN_MAX_LEN - *got, PAGE_SIZE - (la & (PAGE_SIZE - 1)));

		if (guest_walk(m, la, read_guest_qword, p, &gpa) < 0 ||
		    copy_from_guest(p, buf + *got, gpa, chunk) < 0)
			break;
		*got += chunk;
		la += chunk;
	}
	return *got ? 0 : -EFAULT;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

#define XAPIC_LDR 0xd0   /* logical destination (SDM Vol. 3 §11.6.2.2) */
#define XAPIC_DFR 0xe0   /* destination format: flat or cluster */

static uint64_t lapic_access(struct part_vcpu *pv, unsigned off, const struct x86_insn *in,
			     uint64_t value)
{
	/* The xAPIC's registers are 32 bits wide at 16-byte strides (SDM Vol. 3 §11.4.1). */
	unsigned reg = off & ~0xfu;

	if (in->write) {
		if (reg == XAPIC_LDR)
			pv->ldr = (uint32_t)value;
		else if (reg == XAPIC_DFR)
			pv->dfr = (uint32_t)value;
		if (reg == APIC_ICR_HIGH)
			pv->icr_high = (uint32_t)value;
		else if (reg == APIC_ICR_LOW)
			vapic_icr_write(pv, (uint32_t)value);
		else
			apic_write(reg, (uint32_t)value);
		return 0;
	}
	if (reg == APIC_ICR_HIGH)
		return pv->icr_high;
	return apic_read(reg);
}

static void emulate(struct part_vcpu *pv, const struct vcpu_exit *e, enum s2_hole_kind kind)
{
	struct partition *p = pv->vcpu.part;
	struct vcpu_mode m;
	struct x86_insn in;
	uint8_t bytes[X86_INSN_MAX_LEN];
	size_t got;
	uint64_t value = 0;
	int rc;

	part_vops->get_mode(&pv->vcpu, &m);
	rc = fetch_insn(pv, &m, bytes, &got);
	if (rc == 0)
		rc = x86_decode(bytes, got, x86_code_mode(&m), &in);
	if (rc < 0 || in.write != e->s2.write) {
		part_stop(p, "stage-2 fault at GPA 0x%llx (%s) RIP 0x%llx: %s access not emulated (%s)",
			  (unsigned long long)e->s2.gpa, e->s2.write ? "write" : "read",
			  (unsigned long long)pv->vcpu.regs.rip, s2_hole_name(kind),
			  rc == -EFAULT ? "cannot fetch the instruction" : "instruction not decoded");
		return;
	}
	if (in.write)
		value = x86_mmio_write_value(&in, &pv->vcpu.regs);
	if (kind == S2_HOLE_LAPIC)
		value = lapic_access(pv, e->s2.gpa & (PAGE_SIZE - 1), &in, value);
	else
		value = ~0ULL;   /* hidden configuration space */
	if (!in.write)
		x86_mmio_complete_read(&in, &pv->vcpu.regs, value & size_mask(in.size));
	x86_advance_rip(&pv->vcpu.regs, x86_code_mode(&m), in.len);
}

void mmio_handle_s2_fault(struct part_vcpu *pv, const struct vcpu_exit *e)
{
	struct partition *p = pv->vcpu.part;
	enum s2_hole_kind kind = classify(p, e->s2.gpa);

	if ((kind == S2_HOLE_LAPIC || kind == S2_HOLE_ECAM_HIDDEN) && !e->s2.fetch) {
		__atomic_add_fetch(&p->exits[PEXIT_MMIO], 1, __ATOMIC_RELAXED);
		emulate(pv, e, kind);
		return;
	}
	__atomic_add_fetch(&p->exits[PEXIT_S2_FAULT], 1, __ATOMIC_RELAXED);
	part_stop(p, "stage-2 fault at GPA 0x%llx (%s) RIP 0x%llx%s%s", (unsigned long long)e->s2.gpa,
		  e->s2.fetch ? "fetch" : e->s2.write ? "write" : "read",
		  (unsigned long long)pv->vcpu.regs.rip, kind != S2_NOT_A_HOLE ? ": " : "",
		  kind != S2_NOT_A_HOLE ? s2_hole_name(kind) : "");
}
