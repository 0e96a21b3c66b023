/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "tests/unit/fake_mmio.h"
#include "arch/x86/io.h"

struct window {
	uint8_t *base;
	size_t len;
	const struct fake_mmio_ops *ops;
	void *ctx;
};

static struct window windows[8];
static unsigned nwindows;
struct fake_event fake_trace[FAKE_TRACE_MAX];
unsigned fake_trace_len;

void fake_mmio_reset(void)
{
	nwindows = 0;
	fake_trace_clear();
}

void fake_mmio_window(void *base, size_t len, const struct fake_mmio_ops *ops, void *ctx)
{
	if (nwindows < ARRAY_SIZE(windows))
		windows[nwindows++] = (struct window){ base, len, ops, ctx };
}

static struct window *window_of(const volatile void *a, unsigned width)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)a;

	for (unsigned i = 0; i < nwindows; i++)
		if (p >= windows[i].base && p + width <= windows[i].base + windows[i].len)
			return &windows[i];
	return NULL;
}

uint64_t host_mmio_read(const volatile void *a, unsigned width)
{
	struct window *w = window_of(a, width);
	uint64_t v = 0;

	if (w)
		return w->ops->read(w->ctx, (unsigned)((const uint8_t *)(uintptr_t)a - w->base), width);
	memcpy(&v, (const void *)(uintptr_t)a, width);
	return v;
}

void host_mmio_write(volatile void *a, unsigned width, uint64_t v)
{
	struct window *w = window_of(a, width);

	if (w)
		w->ops->write(w->ctx, (unsigned)((uint8_t *)(uintptr_t)a - w->base), width, v);
	else
		memcpy((void *)(uintptr_t)a, &v, width);
}

void host_cache_flush(const volatile void *p, size_t len)
{
	fake_trace_add((struct fake_event){ .kind = FAKE_EV_CACHE_FLUSH, .a = (uintptr_t)p, .b = len });
}

void fake_trace_add(struct fake_event e)
{
	if (fake_trace_len < FAKE_TRACE_MAX)
		fake_trace[fake_trace_len++] = e;
}

void fake_trace_clear(void)
{
	fake_trace_len = 0;
}

int fake_trace_find(enum fake_event_kind kind, unsigned from)
{
	for (unsigned i = from; i < fake_trace_len; i++)
		if (fake_trace[i].kind == kind)
			return (int)i;
	return -1;
}

unsigned fake_trace_count(enum fake_event_kind kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fake_trace_len; i++)
		n += fake_trace[i].kind == kind;
	return n;
}

int fake_trace_flushed(const volatile void *p, size_t len, unsigned from)
{
	uintptr_t a = (uintptr_t)p;

	for (unsigned i = from; i < fake_trace_len; i++)
		if (fake_trace[i].kind == FAKE_EV_CACHE_FLUSH && fake_trace[i].a <= a &&
		    a + len <= fake_trace[i].a + fake_trace[i].b)
			return (int)i;
	return -1;
}
