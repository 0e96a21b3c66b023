/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for device registers (arch/x86/io.h routes every MMIO
 * access and cache flush of a host build here). A test registers a
 * register window with a model behind it; accesses elsewhere are plain
 * memory. Models append what the driver made the hardware do to one
 * ordered trace, so a test can assert the order of operations.
 * No cmocka here: the fuzzers link it too.
 */
#ifndef IOMON_TEST_FAKE_MMIO_H
#define IOMON_TEST_FAKE_MMIO_H

#include "kernel/types.h"

struct fake_mmio_ops {
	uint64_t (*read)(void *ctx, unsigned off, unsigned width);
	void (*write)(void *ctx, unsigned off, unsigned width, uint64_t v);
};

/* Forget every window, the flush hook and the trace. */
void fake_mmio_reset(void);
/* Accesses to [base, base+len) go to `ops` with the offset into the window. */
void fake_mmio_window(void *base, size_t len, const struct fake_mmio_ops *ops, void *ctx);

enum fake_event_kind {
	FAKE_EV_CACHE_FLUSH,   /* a = address, b = length */
	FAKE_EV_VTD_CC,        /* a = granularity, b = did, c = sid; snap = the context entry then */
	FAKE_EV_VTD_IOTLB,     /* a = granularity, b = did, c = address | am */
	FAKE_EV_VTD_WAIT,      /* ok = the status was written */
	FAKE_EV_VTD_WBF,
	FAKE_EV_AMD_INV_DTE,   /* a = devid; snap = DTE qwords 0-1 then */
	FAKE_EV_AMD_INV_PAGES, /* b = domain id, c = address field | S */
	FAKE_EV_AMD_INV_ALL,
	FAKE_EV_AMD_WAIT,      /* ok = the store was done */
};

struct fake_event {
	enum fake_event_kind kind;
	uint64_t a, b, c;
	uint64_t snap_lo, snap_hi;
	bool ok;
};

#define FAKE_TRACE_MAX 4096
extern struct fake_event fake_trace[FAKE_TRACE_MAX];
extern unsigned fake_trace_len;
void fake_trace_add(struct fake_event e);
void fake_trace_clear(void);
/* Index of the first event of `kind` at or after `from`, or -1. */
int fake_trace_find(enum fake_event_kind kind, unsigned from);
/* Number of events of `kind`. */
unsigned fake_trace_count(enum fake_event_kind kind);
/* Was [p, p+len) flushed from the caches at trace index >= from? Returns its index or -1. */
int fake_trace_flushed(const volatile void *p, size_t len, unsigned from);

#endif
