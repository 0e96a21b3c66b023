// SPDX-License-Identifier: MIT
/*
 * memcheck: every available region of the memory map is really RAM of this
 * partition. One qword per 4 KiB page and the last qword of each region are
 * written with a value derived from their address, then all are read back,
 * so two addresses backed by the same host page (a stage-2 aliasing bug)
 * fail too. The guest's own image (code, data, stack, page tables, the
 * hypercall page), its multiboot2 information and modules are skipped;
 * nothing else is restored, because nothing else is needed.
 */
#include "tests/guest/guest.h"
#include "tests/guest/fmt.h"

#define PATTERN 0x5a5aa5a5c3c33c3cULL
#define SKIP_MAX (2 + GUEST_MODS_MAX)

struct skip {
	struct guest_range r[SKIP_MAX];
	unsigned n;
};

static bool skipped(const struct skip *s, uint64_t a)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (a + 8 > s->r[i].start && a < s->r[i].end)
			return true;
	return false;
}

/* Visit the probe addresses of one region: write (pass 0) or verify (pass 1). */
static bool probe_region(const struct mem_range *e, const struct skip *s, int pass,
			 uint64_t *count, char *why, size_t n)
{
	uint64_t end = e->base + e->len;
	uint64_t a = ALIGN_UP(e->base, 8);
	uint64_t last = ALIGN_DOWN(end - 8, 8);

	if (end < 8 || last < a)
		return true;                        /* shorter than a qword */
	for (;;) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)a;

		if (!skipped(s, a)) {
			if (pass == 0) {
				*p = a ^ PATTERN;
			} else if (*p != (a ^ PATTERN)) {
				gsnprintf(why, n, "0x%llx reads 0x%llx, wrote 0x%llx", (unsigned long long)a,
					  (unsigned long long)*p, (unsigned long long)(a ^ PATTERN));
				return false;
			}
			(*count)++;
		}
		if (a == last)
			break;
		a = MIN(ALIGN_DOWN(a, PAGE_SIZE) + PAGE_SIZE, last);
	}
	return true;
}

bool mem_test_writable(const struct guest_ctx *c, char *why, size_t n)
{
	const struct mb2_view *v = &c->view;
	struct skip s = { .n = 0 };
	uint64_t count = 0, bytes = 0;
	unsigned i;
	int pass;

	s.r[s.n++] = (struct guest_range){ (uintptr_t)_image_start, (uintptr_t)_image_end };
	s.r[s.n++] = (struct guest_range){ (uintptr_t)c->info, (uintptr_t)c->info + v->total_size };
	for (i = 0; i < v->nmods; i++)
		s.r[s.n++] = v->mods[i];
	for (i = 0; i < v->nmap; i++) {
		const struct mem_range *e = &v->map[i];

		if (e->type == MEM_AVAILABLE && e->base + e->len > paging_limit()) {
			gsnprintf(why, n, "available 0x%llx-0x%llx is beyond the identity map 0x%llx",
				  (unsigned long long)e->base, (unsigned long long)(e->base + e->len),
				  (unsigned long long)paging_limit());
			return false;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		count = 0;
		for (i = 0; i < v->nmap; i++) {
			if (v->map[i].type != MEM_AVAILABLE)
				continue;
			if (!probe_region(&v->map[i], &s, pass, &count, why, n))
				return false;
			bytes += pass ? 0 : v->map[i].len;
		}
	}
	if (!count) {
		gsnprintf(why, n, "no available memory outside the guest's own image");
		return false;
	}
	gsnprintf(why, n, "%llu MiB, %llu qwords written and read back",
		  (unsigned long long)(bytes / MiB), (unsigned long long)count);
	return true;
}
