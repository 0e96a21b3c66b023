// SPDX-License-Identifier: MIT
/*
 * The guest's own CPU state: an identity map covering every address its
 * memory map lists (2 MiB pages, 1 GiB pages where CPUID offers them), and
 * an IDT whose handler turns any exception or interrupt into a failed test
 * and the failure exit, except at the few instructions that are expected to
 * fault (rdmsr_safe, wrmsr_safe, the hypercall page).
 */
#include "tests/guest/guest.h"
#include "tests/guest/asm.h"

#define PTE_P           BIT(0)
#define PTE_W           BIT(1)
#define PTE_PWT         BIT(3)
#define PTE_PCD         BIT(4)
#define PTE_PS          BIT(7)
#define PD_POOL_GIB     64                  /* 2 MiB pages reach 64 GiB */
#define PDPT_COUNT      4                   /* 1 GiB pages reach 2 TiB */
#define CPUID_EXT_EDX_PAGE1GB BIT(26)       /* CPUID.80000001H:EDX */

#define IDT_GATE_INTR64 0x8e                /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "a long-mode IDT gate is 16 bytes");

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static struct idt_gate idt[256] __aligned(16);
static uint64_t pml4[512] __aligned(4096);
static uint64_t pdpt[PDPT_COUNT][512] __aligned(4096);
static uint64_t pd_pool[PD_POOL_GIB][512] __aligned(4096);
static uint64_t map_limit = 4 * GiB;        /* the boot map of entry.S */

static const void *hcall_page;
static bool hcall_armed;
static unsigned trap_depth;

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "(15)", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void idt_install(void)
{
	struct descriptor_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };
	unsigned v;

	for (v = 0; v < 256; v++) {
		uint64_t a = (uintptr_t)(trap_stubs + 16 * v);

		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.selector = GDT_CODE64,
			.type_attr = IDT_GATE_INTR64,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	__asm__ volatile("lidt %0" : : "m"(p));
}

void trap_expect_hypercall(const void *page, bool on)
{
	hcall_page = page;
	hcall_armed = on;
}

static bool recover(struct trap_frame *f)
{
	bool in_page = hcall_armed && f->rip - (uintptr_t)hcall_page < PAGE_SIZE;

	if (f->rip == (uintptr_t)rdmsr_insn || f->rip == (uintptr_t)wrmsr_insn) {
		f->rax = SAFE_FAULT(f->vector);
	} else if (in_page && f->vector < 32) {
		f->rax = HV_CALL_FAULTED(f->vector);
	} else {
		return false;
	}
	f->rip = (uintptr_t)safe_fault_ret;
	return true;
}

void trap_handler(struct trap_frame *f)
{
	const char *name, *what;
	uint64_t cr2;
	unsigned num;

	if (recover(f))
		return;
	if (trap_depth++) {                 /* faulted while reporting: just fail */
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_FAILURE);
		halt_forever();
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	what = f->vector < 32 && vector_names[f->vector] ? vector_names[f->vector] : "interrupt";
	num = tap_current(&name);
	if (num)
		tap_result(false, "%s: unexpected %s (vector %llu) at RIP 0x%llx error 0x%llx CR2 0x%llx",
			   name, what, (unsigned long long)f->vector, (unsigned long long)f->rip,
			   (unsigned long long)f->error, (unsigned long long)cr2);
	else
		uart_puts("not ok - unexpected exception outside any test\n");
	diag("RAX 0x%llx RBX 0x%llx RCX 0x%llx RDX 0x%llx RSP 0x%llx", (unsigned long long)f->rax,
	     (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx,
	     (unsigned long long)f->rsp);
	uart_puts("Bail out! ");
	uart_puts(what);
	uart_puts("\n");
	guest_exit(false);
}

/* Uncached unless the page holds some available RAM (MMIO, ECAM, the APIC). */
static uint64_t page_attr(const struct mb2_view *v, uint64_t base, uint64_t size)
{
	unsigned i;

	for (i = 0; i < v->nmap; i++) {
		const struct mem_range *e = &v->map[i];

		if (e->type == MEM_AVAILABLE && e->base < base + size && base < e->base + e->len)
			return 0;
	}
	return PTE_PCD | PTE_PWT;
}

void paging_build(const struct mb2_view *v, uint64_t top)
{
	uint32_t r[4];
	bool gib_pages;
	uint64_t max, gib;

	cpuid(0x80000000, 0, r);
	gib_pages = false;
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		gib_pages = r[3] & CPUID_EXT_EDX_PAGE1GB;
	}
	max = (gib_pages ? PDPT_COUNT * 512 : PD_POOL_GIB) * GiB;
	top = ALIGN_UP(MAX(top, 4 * GiB), GiB);
	if (top > max) {
		diag("identity map clipped at 0x%llx (the map reaches 0x%llx)", (unsigned long long)max,
		     (unsigned long long)top);
		top = max;
	}
	for (gib = 0; gib < top / GiB; gib++) {
		uint64_t base = gib * GiB;
		unsigned j;

		if (gib_pages) {
			pdpt[gib / 512][gib % 512] = base | PTE_P | PTE_W | PTE_PS | page_attr(v, base, GiB);
			continue;
		}
		for (j = 0; j < 512; j++) {
			uint64_t b = base + j * 2 * MiB;

			pd_pool[gib][j] = b | PTE_P | PTE_W | PTE_PS | page_attr(v, b, 2 * MiB);
		}
		pdpt[0][gib] = (uintptr_t)pd_pool[gib] | PTE_P | PTE_W;
	}
	for (gib = 0; gib < PDPT_COUNT; gib++)
		pml4[gib] = (uintptr_t)pdpt[gib] | PTE_P | PTE_W;
	__asm__ volatile("mov %0, %%cr3" : : "r"((uintptr_t)pml4) : "memory");
	map_limit = top;
	diag("identity map 0-0x%llx with %s pages", (unsigned long long)top,
	     gib_pages ? "1 GiB" : "2 MiB");
}

uint64_t paging_limit(void)
{
	return map_limit;
}
