// SPDX-License-Identifier: MIT
/*
 * Monitor seams the benchmarks over the domain layer share (bench_hvmap,
 * bench_attach): the monitor's frames from the arena, a panic that aborts,
 * and a PCI configuration space where nothing answers.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/bench/bench.h"
#include "kernel/frames.h"
#include "kernel/panic.h"
#include "pci/pci.h"

/* The monitor's frames (map-count pages, the default domain's tables): the same arena. */
paddr_t frame_alloc(void) { return bench_pool()->alloc(NULL); }
paddr_t frames_alloc_contig(uint64_t count, uint64_t align)
{
	paddr_t first = bench_pool()->alloc(NULL), prev = first;

	(void)align;   /* a fresh arena hands pages out in order */
	for (uint64_t i = 1; first && i < count; i++) {
		paddr_t pa = bench_pool()->alloc(NULL);

		if (pa != prev + PAGE_SIZE)
			return 0;
		prev = pa;
	}
	return first;
}
void frames_free(paddr_t pa, uint64_t count) { while (count--) bench_pool()->free(NULL, pa), pa += PAGE_SIZE; }

void panic(const char *fmt, ...)
{
	(void)fmt;
	fprintf(stderr, "bench: panic\n");
	abort();
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	(void)seg; (void)bus; (void)devfn; (void)off; (void)width;
	return 0xffffffff;
}
void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	(void)seg; (void)bus; (void)devfn; (void)off; (void)width; (void)val;
}
