// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_gmem.h"

static void *fake_page(void *ctx, uint64_t gpa_page)
{
	struct fake_gmem *f = ctx;

	assert_true(IS_ALIGNED(gpa_page, PAGE_SIZE));
	f->lookups++;
	if (gpa_page / PAGE_SIZE >= f->npages)
		return NULL;
	return f->pages[gpa_page / PAGE_SIZE];
}

void fake_gmem_init(struct fake_gmem *f, uint64_t npages)
{
	uint64_t i;

	memset(f, 0, sizeof(*f));
	f->npages = npages;
	f->pages = calloc(npages ? npages : 1, sizeof(*f->pages));
	assert_non_null(f->pages);
	/* Allocate in reverse order so host addresses do not follow GPAs. */
	for (i = npages; i-- > 0;) {
		f->pages[i] = malloc(PAGE_SIZE);
		assert_non_null(f->pages[i]);
		memset(f->pages[i], 0xA5, PAGE_SIZE);
	}
	f->gm.page = fake_page;
	f->gm.ctx = f;
	f->gm.size = npages * PAGE_SIZE;
}

void fake_gmem_free(struct fake_gmem *f)
{
	uint64_t i;

	for (i = 0; i < f->npages; i++)
		free(f->pages[i]);
	free(f->pages);
	memset(f, 0, sizeof(*f));
}

void fake_gmem_hole(struct fake_gmem *f, uint64_t gpa)
{
	uint64_t i = gpa / PAGE_SIZE;

	assert_true(i < f->npages);
	free(f->pages[i]);
	f->pages[i] = NULL;
}

uint8_t *fake_gmem_at(struct fake_gmem *f, uint64_t gpa)
{
	uint64_t i = gpa / PAGE_SIZE;

	assert_true(i < f->npages && f->pages[i]);
	return f->pages[i] + (gpa & (PAGE_SIZE - 1));
}
