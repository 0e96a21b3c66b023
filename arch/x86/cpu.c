/* SPDX-License-Identifier: MIT */
/*
 * The monitor's GDT, TSS and IDT. Every exception but NMI is fatal in the monitor
 * (an NMI is a kick or the guest's: arch/x86/kick.h):
 * the handler prints everything needed to find the cause (vector, error
 * code decoded, RIP, RSP, control registers, general registers, a frame-
 * pointer backtrace) and stops. Double fault, NMI and machine check run on
 * their own IST stacks so a stack overflow (guard page hit) still reports.
 */
#define LOG_TAG "cpu"
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/kick.h"
#include "arch/x86/io.h"
#include "boot/boot.h"
#include "kernel/log.h"
#include "kernel/panic.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

#define GDT_CODE64      0x00209a0000000000ULL   /* P, DPL 0, code, L */
#define GDT_DATA        0x0000920000000000ULL   /* P, DPL 0, data, writable */
#define TSS_TYPE_AVAIL  0x9ULL
#define DESC_PRESENT    BIT(47)
#define IDT_INTERRUPT_GATE 0x8E                 /* P, DPL 0, 64-bit interrupt gate */
#define IST_STACK_SIZE  8192
#define TRAP_STUB_SIZE  16

extern char trap_stubs[];

struct cpu_features cpu_features;

/*
 * Per CPU: a GDT (its TSS descriptor differs), a TSS and three IST stacks.
 * The boot CPU's live here; an AP's come from the frame allocator
 * (cpu_init_ap), so the image does not grow with the number of CPUs.
 */
struct cpu_tables {
	uint64_t gdt[5];
	struct tss tss;
	uint8_t ist_stacks[3][IST_STACK_SIZE];
} __aligned(16);
_Static_assert(sizeof(struct cpu_tables) <= CPU_TABLES_SIZE, "cpu tables fit their frames");

static struct cpu_tables boot_cpu_tables;
static struct idt_gate idt[NUM_EXCEPTIONS] __aligned(16);

static void gdt_set_tss(struct cpu_tables *t)
{
	uint64_t base = (uint64_t)&t->tss, limit = sizeof(t->tss) - 1;

	t->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (TSS_TYPE_AVAIL << 40) | DESC_PRESENT |
			      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[GDT_TSS / 8 + 1] = base >> 32;
}

static void gdt_load(struct cpu_tables *t)
{
	struct descriptor_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };

	t->gdt[GDT_CS / 8] = GDT_CODE64;
	t->gdt[GDT_DS / 8] = GDT_DATA;
	gdt_set_tss(t);
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"ltr %w3"
		:: "m"(p), "i"(GDT_CS), "i"(GDT_DS), "r"((uint16_t)GDT_TSS)
		: "rax", "memory");
}

static void idt_set(unsigned vec, unsigned ist)
{
	uint64_t handler = (uint64_t)trap_stubs + vec * TRAP_STUB_SIZE;

	idt[vec] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = GDT_CS,
		.ist = ist,
		.type_attr = IDT_INTERRUPT_GATE,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_high = handler >> 32,
	};
}

static void idt_load(void)
{
	struct descriptor_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" :: "m"(p));
}

static void cpu_tables_load(struct cpu_tables *t)
{
	for (unsigned i = 0; i < 3; i++)
		t->tss.ist[i] = (uint64_t)&t->ist_stacks[i][IST_STACK_SIZE];
	t->tss.iomap_base = sizeof(t->tss);   /* no I/O bitmap */
	gdt_load(t);
	idt_load();
}

void cpu_init(void)
{
	for (unsigned v = 0; v < NUM_EXCEPTIONS; v++)
		idt_set(v, 0);
	idt_set(VEC_DF, IST_DOUBLE_FAULT);
	idt_set(VEC_NMI, IST_NMI);
	idt_set(VEC_MC, IST_MACHINE_CHECK);
	cpu_tables_load(&boot_cpu_tables);
}

void cpu_init_ap(void *tables)
{
	memset(tables, 0, sizeof(struct cpu_tables));
	cpu_tables_load(tables);
}

const char *exception_name(uint64_t vector)
{
	static const char *const names[NUM_EXCEPTIONS] = {
		"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
		"#BR bound range", "#UD invalid opcode", "#NM device not available",
		"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
		"#NP segment not present", "#SS stack fault", "#GP general protection",
		"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
		"#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
	};

	if (vector < NUM_EXCEPTIONS && names[vector])
		return names[vector];
	return "reserved";
}

static void dump_page_fault_error(uint64_t err)
{
	pr_err("  page fault: %s, %s, %s%s%s", err & BIT(0) ? "protection" : "not present",
	       err & BIT(1) ? "write" : "read", err & BIT(2) ? "user" : "supervisor",
	       err & BIT(3) ? ", reserved bit" : "", err & BIT(4) ? ", instruction fetch" : "");
}

/* Follow saved frame pointers while they stay inside a known stack. */
static void dump_backtrace(uint64_t rbp)
{
	for (unsigned depth = 0; depth < 12 && rbp; depth++) {
		bool on_boot_stack = rbp >= (uint64_t)boot_stack_guard + PAGE_SIZE &&
				     rbp + 16 <= (uint64_t)boot_stack_top;

		if (!on_boot_stack || !IS_ALIGNED(rbp, 8))
			break;
		uint64_t ret = ((uint64_t *)rbp)[1];
		pr_err("  backtrace #%u: 0x%016llx", depth, (unsigned long long)ret);
		rbp = ((uint64_t *)rbp)[0];
	}
}

static void dump_frame(const struct trap_frame *f)
{
	pr_err("exception %s (vector %llu) error code 0x%llx", exception_name(f->vector),
	       (unsigned long long)f->vector, (unsigned long long)f->error_code);
	if (f->vector == VEC_PF)
		dump_page_fault_error(f->error_code);
	pr_err("  RIP 0x%016llx  CS 0x%llx  RFLAGS 0x%016llx", (unsigned long long)f->rip,
	       (unsigned long long)f->cs, (unsigned long long)f->rflags);
	pr_err("  RSP 0x%016llx  SS 0x%llx", (unsigned long long)f->rsp, (unsigned long long)f->ss);
	pr_err("  CR0 0x%016llx  CR2 0x%016llx", (unsigned long long)read_cr0(),
	       (unsigned long long)read_cr2());
	pr_err("  CR3 0x%016llx  CR4 0x%016llx", (unsigned long long)read_cr3(),
	       (unsigned long long)read_cr4());
	pr_err("  RAX 0x%016llx  RBX 0x%016llx  RCX 0x%016llx", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	pr_err("  RDX 0x%016llx  RSI 0x%016llx  RDI 0x%016llx", (unsigned long long)f->rdx,
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	pr_err("  RBP 0x%016llx  R8  0x%016llx  R9  0x%016llx", (unsigned long long)f->rbp,
	       (unsigned long long)f->r8, (unsigned long long)f->r9);
	pr_err("  R10 0x%016llx  R11 0x%016llx  R12 0x%016llx", (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	pr_err("  R13 0x%016llx  R14 0x%016llx  R15 0x%016llx", (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
	if (read_cr2() >= (uint64_t)(uintptr_t)boot_stack_guard &&
	    read_cr2() < (uint64_t)(uintptr_t)boot_stack_guard + PAGE_SIZE)
		pr_err("  CR2 is in the boot stack's guard page: stack overflow (%u KiB stack)",
		       BOOT_STACK_SIZE / 1024);
	dump_backtrace(f->rbp);
	pr_err("  resolve addresses with: addr2line -f -e build/iomon.elf 0x%llx",
	       (unsigned long long)f->rip);
}

void trap_handler(struct trap_frame *f)
{
	static volatile int depth;

	if (f->vector == VEC_NMI) {
		/* NMIs are kicks or the guest's (kick.h); the monitor itself raises none. */
		cpu_kick_nmi_arrived();
		return;
	}
	if (++depth > 1) {
		/* A fault while reporting a fault: do not recurse, just stop. */
		pr_err("nested exception %s at RIP 0x%016llx while handling another",
		       exception_name(f->vector), (unsigned long long)f->rip);
		monitor_exit(false);
	}
	dump_frame(f);
	panic("unhandled exception %s in the monitor", exception_name(f->vector));
}

static void cpu_read_brand(void)
{
	uint32_t r[12];

	for (uint32_t i = 0; i < 3; i++)
		cpuid(0x80000002 + i, 0, &r[i * 4], &r[i * 4 + 1], &r[i * 4 + 2], &r[i * 4 + 3]);
	memcpy(cpu_features.brand, r, 48);
	cpu_features.brand[48] = 0;
}

void cpu_detect_features(void)
{
	struct cpu_features *cf = &cpu_features;
	uint32_t a, b, c, d, max_ext;

	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(cf->vendor, &b, 4);
	memcpy(cf->vendor + 4, &d, 4);
	memcpy(cf->vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	cf->family = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? (a >> 20) & 0xff : 0);
	cf->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	cf->stepping = a & 0xf;
	cf->vmx = c & BIT(5);
	cf->x2apic = c & BIT(21);
	cpuid(0x80000000, 0, &max_ext, &b, &c, &d);
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cf->svm = c & BIT(2);
		cf->nx = d & BIT(20);
		cf->pdpe1gb = d & BIT(26);
	}
	if (max_ext >= 0x80000004)
		cpu_read_brand();
	if (max_ext >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cf->invariant_tsc = d & BIT(8);
	}
	cf->phys_addr_bits = 36;
	cf->virt_addr_bits = 48;
	if (max_ext >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		cf->phys_addr_bits = a & 0xff;
		cf->virt_addr_bits = (a >> 8) & 0xff;
	}
	if (cf->svm && max_ext >= 0x8000000A) {
		cpuid(0x8000000A, 0, &a, &b, &c, &d);
		cf->npt = d & BIT(0);
	}
}

void cpu_report(void)
{
	const struct cpu_features *cf = &cpu_features;
	const char *brand = cf->brand;

	while (*brand == ' ')
		brand++;
	pr_info("%s family 0x%x model 0x%x stepping %u: %s", cf->vendor, cf->family, cf->model,
		cf->stepping, *brand ? brand : "(no brand string)");
	pr_info("virtualization: VMX %s, SVM %s, NPT %s; NX %s, 1G pages %s, x2APIC %s; %u-bit physical addresses",
		cf->vmx ? "yes" : "no", cf->svm ? "yes" : "no", cf->npt ? "yes" : "no",
		cf->nx ? "yes" : "no", cf->pdpe1gb ? "yes" : "no", cf->x2apic ? "yes" : "no",
		cf->phys_addr_bits);
}
