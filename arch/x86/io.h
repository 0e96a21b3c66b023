/* SPDX-License-Identifier: MIT */
/* Port I/O, MMIO accessors and the few privileged instructions C needs. */
#ifndef IOMON_X86_IO_H
#define IOMON_X86_IO_H

#include "kernel/types.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/*
 * MMIO: one access of exactly the named width. Some devices (VT-d FECTL in
 * QEMU) abort on a wider access, so never let the compiler merge or split.
 * Host builds (unit tests, fuzzers) route register accesses and cache
 * flushes through a fake (tests/unit/fake_mmio.c), which models the
 * hardware behind a register window and records what the driver did.
 */
#ifdef IOMON_HOST
uint64_t host_mmio_read(const volatile void *a, unsigned width);
void host_mmio_write(volatile void *a, unsigned width, uint64_t v);
void host_cache_flush(const volatile void *p, size_t len);
static inline uint8_t mmio_read8(const volatile void *a) { return (uint8_t)host_mmio_read(a, 1); }
static inline uint16_t mmio_read16(const volatile void *a) { return (uint16_t)host_mmio_read(a, 2); }
static inline uint32_t mmio_read32(const volatile void *a) { return (uint32_t)host_mmio_read(a, 4); }
static inline uint64_t mmio_read64(const volatile void *a) { return host_mmio_read(a, 8); }
static inline void mmio_write8(volatile void *a, uint8_t v) { host_mmio_write(a, 1, v); }
static inline void mmio_write16(volatile void *a, uint16_t v) { host_mmio_write(a, 2, v); }
static inline void mmio_write32(volatile void *a, uint32_t v) { host_mmio_write(a, 4, v); }
static inline void mmio_write64(volatile void *a, uint64_t v) { host_mmio_write(a, 8, v); }
#else
static inline uint8_t mmio_read8(const volatile void *a) { return *(const volatile uint8_t *)a; }
static inline uint16_t mmio_read16(const volatile void *a) { return *(const volatile uint16_t *)a; }
static inline uint32_t mmio_read32(const volatile void *a) { return *(const volatile uint32_t *)a; }
static inline uint64_t mmio_read64(const volatile void *a) { return *(const volatile uint64_t *)a; }
static inline void mmio_write8(volatile void *a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write16(volatile void *a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void mmio_write32(volatile void *a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write64(volatile void *a, uint64_t v) { *(volatile uint64_t *)a = v; }
#endif

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void invlpg(const void *va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/*
 * Write back and evict the cache lines of [p, p+len), then fence: an IOMMU
 * whose table walks do not snoop CPU caches (VT-d ECAP.C=0, an AMD-Vi unit
 * without the coherent flag) reads memory, not the CPU's caches.
 */
static inline void cache_flush_range(const volatile void *p, size_t len)
{
#ifdef IOMON_HOST
	host_cache_flush(p, len);
#else
	for (uintptr_t a = ALIGN_DOWN((uintptr_t)p, 64); a < (uintptr_t)p + len; a += 64)
		__asm__ volatile("clflush (%0)" :: "r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
#endif
}

/*
 * Replace 16 aligned bytes with one locked CMPXCHG16B (every x86-64 CPU with
 * VT-x or SVM has CX16): a device reading the entry sees it old or new, never torn.
 */
static inline void store128(volatile void *dst, uint64_t lo, uint64_t hi)
{
	volatile uint64_t *q = dst;
	uint64_t old_lo = q[0], old_hi = q[1];
	bool done;

	do {
		__asm__ volatile("lock cmpxchg16b %1"
				 : "=@ccz"(done), "+m"(*(volatile __int128 *)dst), "+a"(old_lo), "+d"(old_hi)
				 : "b"(lo), "c"(hi)
				 : "memory");
	} while (!done);
}

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void __noreturn cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#define MSR_EFER        0xC0000080
#define  EFER_NXE       BIT(11)
#define MSR_PAT         0x277

#endif
