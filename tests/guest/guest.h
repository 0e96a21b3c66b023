/* SPDX-License-Identifier: MIT */
/*
 * The test guest: a freestanding multiboot2 kernel that prints TAP on COM1
 * and checks, from inside a partition, what the monitor shows it. Shared
 * declarations of the parts that only run in the guest (the host unit test
 * builds opts.c, mb2view.c, acpi.c and fmt.c alone).
 */
#ifndef IOMON_GUEST_H
#define IOMON_GUEST_H

#include "kernel/types.h"
#include "tests/guest/opts.h"
#include "tests/guest/mb2view.h"

/* isa-debug-exit (QEMU; the monitor virtualises the port for partitions). */
#define DEBUG_EXIT_PORT     0xf4
#define DEBUG_EXIT_SUCCESS  0x10
#define DEBUG_EXIT_FAILURE  0x11

#define VEC_NMI 2
#define VEC_UD  6
#define VEC_GP  13
#define VEC_PF  14

/* Result of rdmsr_safe/wrmsr_safe when the instruction faulted. */
#define SAFE_FAULT(vec)         (0x100 | (vec))
/* Result of hv_call_page when the page faulted: not a hypercall result (bits 63:44 are RsvdZ). */
#define HV_CALL_FAULTED(vec)    (BIT(63) | (vec))
/* Result of hv_issue when there is no usable hypercall page. */
#define HV_CALL_NO_PAGE         (BIT(63) | 0xffff)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * MMIO as Linux's readl/writel do it: one mov with a ModRM memory operand.
 * A plain volatile access could compile to the moffs64 form (A1/A3) for a
 * constant address such as the xAPIC's, which is not what guests emit.
 */
static inline uint32_t mmio_read32(uint64_t pa)
{
	uint32_t v;

	__asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*(volatile uint32_t *)(uintptr_t)pa) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t pa, uint32_t v)
{
	__asm__ volatile("movl %0, %1" : : "r"(v), "m"(*(volatile uint32_t *)(uintptr_t)pa) : "memory");
}

/* Saved by trap_common (entry.S), lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* entry.S */
extern const uint8_t trap_stubs[], rdmsr_insn[], wrmsr_insn[], safe_fault_ret[];
extern const uint8_t _image_start[], _image_end[], stack_top[];
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
uint64_t hv_call_page(void *page, uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
void trap_handler(struct trap_frame *f);
void guest_main(uint32_t magic, uint32_t info_pa);
__noreturn void halt_forever(void);

/* mem.c: what the compiler may call in a freestanding build. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* uart.c: COM1 as a 16550 driver drives it. */
bool uart_init(void);
void uart_puts(const char *s);

/* tap.c: TAP output and the exit. */
void diag(const char *fmt, ...) __printf(1, 2);
void tap_plan(unsigned n);
/* Number and name of the test being run, for the exception handler's report. */
void tap_begin(unsigned num, const char *name);
void tap_result(bool ok, const char *fmt, ...) __printf(2, 3);
unsigned tap_current(const char **name);
unsigned tap_failures(void);
__noreturn void guest_exit(bool success);

/* cpu.c: paging, the IDT, exceptions. */
void idt_install(void);
/* Replace the boot map with one covering [0, top) (clipped, see cpu.c). */
void paging_build(const struct mb2_view *v, uint64_t top);
/* Highest address the guest can reach now. */
uint64_t paging_limit(void);
/* Arm the hypercall page recovery: a fault inside [page, page + 4 KiB) returns HV_CALL_FAULTED. */
void trap_expect_hypercall(const void *page, bool on);

/* What every test may look at. */
struct guest_ctx {
	struct guest_opts opts;
	struct mb2_view view;
	uint32_t magic;
	const void *info;
	bool uart_ok;
};

/* One TAP test: true = ok; `why` says why not (or adds a detail to an ok). */
typedef bool (*guest_test_fn)(const struct guest_ctx *c, char *why, size_t n);

/* hv.c */
bool hv_test_present(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_vendor(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_interface(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_msr_access(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_privileges(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_hypercall_refused(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_hypercall_enable(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_page_content(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_partition_id(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_unknown_call(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_deposit(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_vp_index(const struct guest_ctx *c, char *why, size_t n);
bool hv_test_unknown_msr(const struct guest_ctx *c, char *why, size_t n);
/* One hypercall through the page: RAX, or HV_CALL_FAULTED(vector) / HV_CALL_NO_PAGE. */
uint64_t hv_issue(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);

/* pci.c: ACPI, ECAM and config-port checks. */
bool pci_test_acpi_hidden(const struct guest_ctx *c, char *why, size_t n);
bool pci_test_ecam_hidden(const struct guest_ctx *c, char *why, size_t n);
bool pci_test_cf8_hidden(const struct guest_ctx *c, char *why, size_t n);
/* Highest ECAM end address MCFG lists (0: none), so paging_build covers it. */
uint64_t pci_ecam_top(const struct mb2_view *v);
/* ECAM address of a segment-0 function's config space (0: MCFG does not cover it). */
uint64_t pci_ecam_fn(const struct mb2_view *v, uint8_t bus, uint8_t dev, uint8_t fn);
/* Configuration mechanism #1: dword at `off`. */
uint32_t pci_cf8_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off);
void pci_cf8_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, uint32_t val);

/* apic.c: IPIs from this partition, and the stray-vector check. */
bool apic_test_ipi(const struct guest_ctx *c, char *why, size_t n);
bool apic_test_irr(const struct guest_ctx *c, char *why, size_t n);
bool apic_starve(const struct guest_ctx *c, char *why, size_t n);
/* Software-enable the local APIC (before a hold with irr-check). */
void apic_enable(void);

/* ddomain.c: the root's device-domain flow with edu (option ddomain). */
bool dd_test_find(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_default_dma(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_create(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_deposit(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_map(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_attach(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_dma_lands(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_unmap(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_dma_blocked(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_detach(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_delete(const struct guest_ctx *c, char *why, size_t n);
bool dd_test_default_again(const struct guest_ctx *c, char *why, size_t n);

/* attach.c: direct attach (root attach=, child edu-child) and a child's denied calls (deny). */
bool att_test_find(const struct guest_ctx *c, char *why, size_t n);
bool att_test_attach(const struct guest_ctx *c, char *why, size_t n);
bool att_test_unmap_child(const struct guest_ctx *c, char *why, size_t n);
bool att_test_child_appears(const struct guest_ctx *c, char *why, size_t n);
bool att_test_child_enable(const struct guest_ctx *c, char *why, size_t n);
bool att_test_child_dma(const struct guest_ctx *c, char *why, size_t n);
bool att_test_child_blocked(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_0(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_1(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_2(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_3(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_4(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_5(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_6(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_7(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_8(const struct guest_ctx *c, char *why, size_t n);
bool deny_test_9(const struct guest_ctx *c, char *why, size_t n);

/* memcheck.c */
bool mem_test_writable(const struct guest_ctx *c, char *why, size_t n);

#endif
