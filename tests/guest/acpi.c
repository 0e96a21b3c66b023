// SPDX-License-Identifier: MIT
/*
 * Walking the ACPI root tables from inside a partition.
 */
#include "tests/guest/acpi.h"
#include "tests/guest/fmt.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return -1; } while (0)

static uint8_t sum8(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *b++);
	return s;
}

static bool sig_is(const char *a, const char *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* A whole table at `pa`: header reachable, length sane, checksum zero. */
static const struct acpi_header *table_at(guest_phys_fn phys, uint64_t pa, const char *expect,
					  char *why, size_t n)
{
	const struct acpi_header *h = phys(pa, sizeof(*h));

	if (!h) {
		gsnprintf(why, n, "table at 0x%llx is not reachable", (unsigned long long)pa);
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX_LEN || !phys(pa, h->length)) {
		gsnprintf(why, n, "table %.4s at 0x%llx has length %u", h->signature,
			  (unsigned long long)pa, h->length);
		return NULL;
	}
	if (expect && !sig_is(h->signature, expect)) {
		gsnprintf(why, n, "table at 0x%llx is '%.4s', expected %s", (unsigned long long)pa,
			  h->signature, expect);
		return NULL;
	}
	if (sum8(h, h->length)) {
		gsnprintf(why, n, "table %.4s at 0x%llx has a bad checksum", h->signature,
			  (unsigned long long)pa);
		return NULL;
	}
	return h;
}

int guest_acpi_init(struct guest_acpi *a, const uint8_t *rsdp, uint32_t len, guest_phys_fn phys,
		    char *why, size_t n)
{
	struct acpi_rsdp r = { 0 };
	uint32_t i;

	*a = (struct guest_acpi){ .phys = phys };
	if (!rsdp)
		FAIL("no ACPI RSDP tag in the multiboot2 information");
	if (len < 20)
		FAIL("RSDP is %u bytes", len);
	for (i = 0; i < len && i < sizeof(r); i++)
		((uint8_t *)&r)[i] = rsdp[i];
	if (!sig_is(r.signature, "RSD ") || !sig_is(r.signature + 4, "PTR "))
		FAIL("RSDP signature is not 'RSD PTR '");
	if (sum8(rsdp, 20))
		FAIL("RSDP checksum is bad");
	if (r.revision >= 2) {
		if (len < sizeof(r) || r.length < sizeof(r) || r.length > len)
			FAIL("RSDP revision %u with length %u in a %u-byte tag", r.revision, r.length, len);
		if (sum8(rsdp, r.length))
			FAIL("RSDP extended checksum is bad");
		if (r.xsdt_address && !(a->xsdt = table_at(phys, r.xsdt_address, "XSDT", why, n)))
			return -1;
	}
	if (r.rsdt_address && !(a->rsdt = table_at(phys, r.rsdt_address, "RSDT", why, n)))
		return -1;
	if (!a->rsdt && !a->xsdt)
		FAIL("RSDP names neither an RSDT nor an XSDT");
	return 0;
}

static unsigned root_entries(const struct acpi_header *root, unsigned width)
{
	return root ? (root->length - (uint32_t)sizeof(*root)) / width : 0;
}

static uint64_t root_entry(const struct acpi_header *root, unsigned width, unsigned i)
{
	const uint8_t *e = (const uint8_t *)(root + 1) + i * width;
	uint64_t v = 0;
	unsigned b;

	for (b = 0; b < width; b++)
		v |= (uint64_t)e[b] << (8 * b);
	return v;
}

/* Visit every table listed by the XSDT (width 8) and the RSDT (width 4). */
static const struct acpi_header *walk(const struct guest_acpi *a, const char *sig, char *why,
				      size_t n, int *err)
{
	const struct acpi_header *roots[2] = { a->xsdt, a->rsdt };
	const unsigned widths[2] = { 8, 4 };
	unsigned r, i;

	for (r = 0; r < 2; r++) {
		for (i = 0; i < root_entries(roots[r], widths[r]); i++) {
			uint64_t pa = root_entry(roots[r], widths[r], i);
			const struct acpi_header *h = table_at(a->phys, pa, NULL, why, n);

			if (!h) {
				*err = -1;
				return NULL;
			}
			if (sig && sig_is(h->signature, sig))
				return h;
			if (!sig && (sig_is(h->signature, "DMAR") || sig_is(h->signature, "IVRS"))) {
				gsnprintf(why, n, "%s lists %.4s at 0x%llx", r ? "RSDT" : "XSDT",
					  h->signature, (unsigned long long)pa);
				*err = -1;
				return NULL;
			}
		}
	}
	return NULL;
}

const struct acpi_header *guest_acpi_find(const struct guest_acpi *a, const char *sig)
{
	char why[8];
	int err = 0;

	return walk(a, sig, why, sizeof(why), &err);
}

int guest_acpi_check_hidden(const struct guest_acpi *a, char *why, size_t n)
{
	int err = 0;

	walk(a, NULL, why, n, &err);
	return err;
}
