// SPDX-License-Identifier: MIT
/*
 * From the vcpu exit to the dispatcher (monitor only; host tests call
 * hvcall_dispatch directly). TLFS "Hypercall Interface": CPL 0 in protected
 * or long mode, else #UD. 64-bit callers pass RCX/RDX/R8 and get RAX (and
 * RCX, when a rep call continues); 32-bit callers pass EDX:EAX, EBX:ECX,
 * EDI:ESI and get EDX:EAX. A 32-bit caller's input value is overwritten by
 * the result, so it cannot be re-executed: its rep calls run to the end of
 * their list (at most 4095 elements) in one go.
 */
#include "kernel/hvcall/hvcall.h"
#include "kernel/partition/partition.h"
#include "kernel/partition/exits.h"
#include "kernel/time.h"

#define VEC_UD 6

uint64_t hvcall_clock_ns(void)
{
	return time_now_us() * 1000;
}

static void read_args(const struct vcpu_regs *r, bool long_mode, struct hvcall_args *a)
{
	if (long_mode) {
		a->control = r->rcx;
		a->in_gpa = r->rdx;
		a->out_gpa = r->r8;
	} else {
		a->control = (r->rdx << 32) | (uint32_t)r->rax;
		a->in_gpa = (r->rbx << 32) | (uint32_t)r->rcx;
		a->out_gpa = (r->rdi << 32) | (uint32_t)r->rsi;
	}
	a->may_continue = long_mode;
}

void hvcall_exit(struct part_vcpu *pv, const struct vcpu_exit *e)
{
	struct partition *p = pv->vcpu.part;
	struct vcpu_regs *r = &pv->vcpu.regs;
	struct hvcall_args a = { 0 };
	struct vcpu_mode m;
	bool long_mode;

	part_vops->get_mode(&pv->vcpu, &m);
	if (m.cpl != 0 || !m.protected_mode) {
		part_vops->inject_exception(&pv->vcpu, VEC_UD, -1);
		return;
	}
	long_mode = m.long_mode && m.cs_l;
	read_args(r, long_mode, &a);
	__atomic_add_fetch(&p->hypercalls, 1, __ATOMIC_RELAXED);
	hvcall_dispatch(p, pv, &a);
	if (long_mode) {
		r->rax = a.result;
		r->rcx = a.control;   /* the new rep start index when the call continues */
	} else {
		r->rdx = a.result >> 32;
		r->rax = (uint32_t)a.result;
	}
	if (a.advance_rip)
		r->rip += e->instr_len;
}
