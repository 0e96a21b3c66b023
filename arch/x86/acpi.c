/* SPDX-License-Identifier: MIT */
/*
 * ACPI table discovery (ACPI 6.5 §5.2.5 RSDP, §5.2.7 RSDT, §5.2.8 XSDT).
 *
 * Everything read here is firmware input and is checked before it is
 * trusted: the RSDP's checksums, the root table's signature, length and
 * checksum, and every listed table's header, length and checksum. A table
 * that fails is reported, counted in `rejected` and left out; nothing here
 * stops the boot except finding no usable root table at all.
 */
#define LOG_TAG "acpi"
#include <errno.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "kernel/log.h"
#include "kernel/phys.h"

#define RSDP_SIGNATURE   "RSD PTR "
#define RSDP_V1_LEN      20          /* what the ACPI 1.0 checksum covers */
#define RSDP_ALIGN       16          /* the RSDP sits on a 16-byte boundary */

/* §5.2.5.1: where a legacy BIOS leaves the RSDP. */
#define BDA_EBDA_SEGMENT 0x40E       /* BIOS data area word: real-mode segment of the EBDA */
#define EBDA_SCAN_LEN    1024        /* only the EBDA's first 1 KiB is searched */
#define EBDA_LIMIT       0xA0000     /* the EBDA lives below 640 KiB */
#define BIOS_ROM_BASE    0xE0000
#define BIOS_ROM_LEN     0x20000     /* 0xE0000-0xFFFFF */

/*
 * No real firmware lists more than a few dozen tables. A root table claiming
 * more is walked only this far, so a hostile length can neither make the
 * walk slow nor flood the log with one warning per bogus entry.
 */
#define ROOT_MAX_ENTRIES 256

#define SDT_HDR_LEN      ((uint32_t)sizeof(struct acpi_header))

uint8_t acpi_checksum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

/* A signature or OEM id as log text: unprintable bytes become '?'. */
uint32_t acpi_table_extent(const char *tag, const void *tbl, uint32_t len, const char sig[4],
			   uint32_t hdr_size)
{
	struct acpi_header h;

	if (!tbl) {
		log_printf(LOG_WARN, tag, "no %.4s table given", sig);
		return 0;
	}
	if (len < hdr_size) {
		log_printf(LOG_WARN, tag, "%.4s table of %u bytes is shorter than its %u-byte header", sig,
			   len, hdr_size);
		return 0;
	}
	memcpy(&h, tbl, sizeof(h));
	if (memcmp(h.signature, sig, 4) != 0) {
		log_printf(LOG_WARN, tag, "table signature is not %.4s", sig);
		return 0;
	}
	/* Never read past what the header claims, nor past what was mapped. */
	if (h.length > len)
		log_printf(LOG_WARN, tag, "%.4s table claims %u bytes, only %u available", sig, h.length, len);
	len = MIN(len, h.length);
	if (len < hdr_size) {
		log_printf(LOG_WARN, tag, "%.4s table length %u is shorter than its %u-byte header", sig, len,
			   hdr_size);
		return 0;
	}
	return len;
}

static uint32_t field_get(const uint8_t *p, uint8_t size)
{
	return size == 1 ? p[0] : (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

bool acpi_subtables_walk(const char *tag, const void *tbl, uint32_t start, uint32_t len,
			 const struct acpi_subtable_format *fmt,
			 enum acpi_walk (*fn)(void *ctx, const struct acpi_subtable *st), void *ctx)
{
	const uint8_t *t = tbl;

	for (uint32_t off = start; off < len;) {
		struct acpi_subtable st = { .p = t + off, .offset = off };
		uint32_t left = len - off;

		if (left < fmt->min_length) {
			log_printf(LOG_WARN, tag, "%u trailing bytes at offset %u, too short for another %s",
				   left, off, fmt->what);
			return false;
		}
		st.type = (uint16_t)field_get(st.p, fmt->type_size);
		st.length = (uint16_t)field_get(st.p + fmt->length_offset, fmt->length_size);
		if (st.length < fmt->min_length || st.length > left) {
			log_printf(LOG_WARN, tag, fmt->type_hex ?
				   "%s type 0x%x at offset %u has length %u (%u bytes left), walk stopped" :
				   "%s type %u at offset %u has length %u (%u bytes left), walk stopped",
				   fmt->what, st.type, off, st.length, left);
			return false;
		}
		if (fn(ctx, &st) == ACPI_WALK_STOP)
			return false;
		off += st.length;
	}
	return true;
}

static struct {
	const char *name;
	uint64_t base, end;      /* end exclusive */
} forbidden[ACPI_MMIO_FORBIDDEN_MAX];
static unsigned forbidden_count;
static bool forbidden_overflowed;

int acpi_mmio_forbid(const char *name, uint64_t base, uint64_t end)
{
	if (forbidden_count == ACPI_MMIO_FORBIDDEN_MAX) {
		forbidden_overflowed = true;
		return -ENOSPC;
	}
	forbidden[forbidden_count++] = (typeof(forbidden[0])){ name, base, end };
	return 0;
}

void acpi_mmio_forbid_reset(void)
{
	forbidden_count = 0;
	forbidden_overflowed = false;
}

const char *acpi_mmio_conflict(uint64_t base, uint64_t size)
{
	if (size == 0 || range_overflows(base, size))
		return "the end of the address space";
	/* Not every RAM range could be recorded: no window can be shown to miss RAM. */
	if (forbidden_overflowed)
		return "memory too fragmented to check";
	for (unsigned i = 0; i < forbidden_count; i++)
		if (base < forbidden[i].end && forbidden[i].base < base + size)
			return forbidden[i].name;
	return NULL;
}

static void text_copy(char *out, const char *in, size_t n, bool trim)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] <= 0x7e ? in[i] : '?';
	out[n] = '\0';
	while (trim && n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
}

/* The reason an RSDP image is unusable, or NULL when it is sound. */
static const char *rsdp_check(const uint8_t *p, uint32_t avail)
{
	struct acpi_rsdp r;

	if (avail < RSDP_V1_LEN)
		return "truncated";
	if (memcmp(p, RSDP_SIGNATURE, 8) != 0)
		return "bad signature";
	if (acpi_checksum(p, RSDP_V1_LEN) != 0)
		return "checksum mismatch";
	if (p[offsetof(struct acpi_rsdp, revision)] < 2)
		return NULL;
	/* ACPI 2.0+: the XSDT fields are only as good as the extended checksum. */
	if (avail < sizeof(r))
		return "revision 2 but shorter than 36 bytes";
	memcpy(&r, p, sizeof(r));
	if (r.length < sizeof(r) || r.length > avail)
		return "bad length";
	if (acpi_checksum(p, r.length) != 0)
		return "extended checksum mismatch";
	return NULL;
}

int acpi_rsdp_validate(const void *rsdp, uint32_t avail)
{
	if (!rsdp)
		return -EINVAL;
	return rsdp_check(rsdp, avail) ? -EINVAL : 0;
}

/* Copy a validated RSDP; bytes a revision 0 RSDP does not have read as 0. */
static void rsdp_copy_out(struct acpi_rsdp *out, const uint8_t *p, uint32_t avail)
{
	uint32_t n = p[offsetof(struct acpi_rsdp, revision)] >= 2 ? sizeof(*out) : RSDP_V1_LEN;

	memset(out, 0, sizeof(*out));
	memcpy(out, p, MIN(n, avail));
}

/* Search [base, base+len) on 16-byte boundaries for a valid RSDP. */
static bool rsdp_scan_area(paddr_t base, uint32_t len, struct acpi_rsdp *out, paddr_t *pa)
{
	const uint8_t *area = phys_map(base, len, PHYS_WB);

	if (!area)
		return false;
	for (uint32_t off = 0; len - off >= RSDP_V1_LEN; off += RSDP_ALIGN) {
		const char *why;

		if (memcmp(area + off, RSDP_SIGNATURE, 8) != 0)
			continue;
		why = rsdp_check(area + off, len - off);
		if (why) {
			pr_warn("RSDP candidate at 0x%llx ignored: %s",
				(unsigned long long)(base + off), why);
			continue;
		}
		rsdp_copy_out(out, area + off, len - off);
		*pa = base + off;
		return true;
	}
	return false;
}

/* §5.2.5.1: the EBDA's first KiB, then the BIOS read-only area. */
static bool rsdp_scan(struct acpi_rsdp *out, paddr_t *pa)
{
	const uint8_t *bda = phys_map(BDA_EBDA_SEGMENT, 2, PHYS_WB);

	if (bda) {
		uint16_t seg;
		paddr_t ebda;

		memcpy(&seg, bda, sizeof(seg));
		ebda = (paddr_t)seg << 4;
		if (ebda != 0 && ebda + EBDA_SCAN_LEN <= EBDA_LIMIT &&
		    rsdp_scan_area(ebda, EBDA_SCAN_LEN, out, pa))
			return true;
	}
	return rsdp_scan_area(BIOS_ROM_BASE, BIOS_ROM_LEN, out, pa);
}

/*
 * Map the system description table at `pa` after checking its header,
 * length and checksum. On failure returns NULL and says why; `sig` receives
 * the (printable) signature whenever the header could be read.
 */
static const struct acpi_header *table_map(paddr_t pa, char sig[5], uint32_t *len,
					   const char **why)
{
	const struct acpi_header *h;
	struct acpi_header hdr;

	memcpy(sig, "????", 5);
	if (pa == 0) {
		*why = "null address";
		return NULL;
	}
	h = phys_map(pa, SDT_HDR_LEN, PHYS_WB);
	if (!h) {
		*why = "header not in mapped memory";
		return NULL;
	}
	memcpy(&hdr, h, sizeof(hdr));
	text_copy(sig, hdr.signature, 4, false);
	*len = hdr.length;
	if (hdr.length < SDT_HDR_LEN) {
		*why = "length shorter than the 36-byte header";
		return NULL;
	}
	if (hdr.length > ACPI_TABLE_MAX_LEN) {
		*why = "absurd length";
		return NULL;
	}
	h = phys_map(pa, hdr.length, PHYS_WB);
	if (!h) {
		*why = "length runs past mapped memory";
		return NULL;
	}
	if (acpi_checksum(h, hdr.length) != 0) {
		*why = "checksum mismatch";
		return NULL;
	}
	return h;
}

/* Map the RSDT or XSDT at `pa`, checking that it is the one expected. */
static const struct acpi_header *root_map(paddr_t pa, const char *want, uint32_t *len)
{
	const struct acpi_header *h;
	const char *why;
	char sig[5];

	h = table_map(pa, sig, len, &why);
	if (h && memcmp(h->signature, want, 4) != 0) {
		why = "wrong signature";
		h = NULL;
	}
	if (!h)
		pr_warn("%s at 0x%llx (signature %s, length %u) unusable: %s", want,
			(unsigned long long)pa, sig, *len, why);
	return h;
}

static bool table_listed(const struct acpi_info *ai, paddr_t pa)
{
	for (unsigned i = 0; i < ai->count; i++)
		if (ai->tables[i].pa == pa)
			return true;
	return false;
}

/* Check root entry `idx` (a table at `pa`) and record it when it is sound. */
static void table_add(struct acpi_info *ai, unsigned idx, paddr_t pa)
{
	const struct acpi_header *h;
	struct acpi_table *t;
	const char *why;
	uint32_t len = 0;
	char sig[5];

	if (table_listed(ai, pa)) {
		pr_warn("entry %u: table at 0x%llx is listed twice, duplicate ignored",
			idx, (unsigned long long)pa);
		ai->rejected++;
		return;
	}
	h = table_map(pa, sig, &len, &why);
	if (!h) {
		pr_warn("entry %u: %s at 0x%llx (length %u) rejected: %s", idx, sig,
			(unsigned long long)pa, len, why);
		ai->rejected++;
		return;
	}
	t = &ai->tables[ai->count++];
	memcpy(t->signature, h->signature, 4);
	t->signature[4] = '\0';
	t->pa = pa;
	t->length = len;
	t->revision = h->revision;
	text_copy(t->oem_id, h->oem_id, 6, true);
}

/* Root entries are 4 (RSDT) or 8 (XSDT) bytes, packed without alignment. */
static paddr_t root_entry(const uint8_t *p, unsigned esz)
{
	uint64_t v64;
	uint32_t v32;

	if (esz == 8) {
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

static void root_walk(struct acpi_info *ai, const struct acpi_header *root, uint32_t len)
{
	const uint8_t *entries = (const uint8_t *)root + SDT_HDR_LEN;
	const char *name = ai->using_xsdt ? "XSDT" : "RSDT";
	unsigned esz = ai->using_xsdt ? 8 : 4;
	uint32_t body = len - SDT_HDR_LEN;
	uint32_t n = body / esz;

	if (body % esz)
		pr_warn("%s length %u is not 36 + a multiple of %u: trailing %u bytes ignored",
			name, len, esz, body % esz);
	if (n > ROOT_MAX_ENTRIES) {
		pr_warn("%s lists %u entries, only the first %u are examined", name, n,
			ROOT_MAX_ENTRIES);
		n = ROOT_MAX_ENTRIES;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (ai->count == ACPI_MAX_TABLES) {
			pr_warn("more than %u tables: %u %s entries ignored", ACPI_MAX_TABLES,
				n - i, name);
			break;
		}
		table_add(ai, i, root_entry(entries + (size_t)i * esz, esz));
	}
}

/* The loader's copy when it is sound, else whatever the BIOS areas hold. */
static bool rsdp_locate(const void *copy, uint32_t copy_len, struct acpi_rsdp *rsdp,
			paddr_t *pa)
{
	if (copy) {
		const char *why = rsdp_check(copy, copy_len);

		if (!why) {
			rsdp_copy_out(rsdp, copy, copy_len);
			*pa = 0;
			return true;
		}
		pr_warn("loader's RSDP copy (%u bytes) unusable: %s; scanning BIOS areas",
			copy_len, why);
	}
	return rsdp_scan(rsdp, pa);
}

int acpi_discover(const void *rsdp_copy, uint32_t rsdp_len, struct acpi_info *ai)
{
	const struct acpi_header *root = NULL;
	struct acpi_rsdp rsdp;
	uint32_t len = 0;

	memset(ai, 0, sizeof(*ai));
	if (!rsdp_locate(rsdp_copy, rsdp_len, &rsdp, &ai->rsdp_pa)) {
		pr_warn("no valid RSDP (loader copy %s, BIOS areas searched)",
			rsdp_copy ? "unusable" : "absent");
		return -ENOENT;
	}
	ai->rsdp_revision = rsdp.revision;
	text_copy(ai->oem_id, rsdp.oem_id, 6, true);

	/* §5.2.5.3: from ACPI 2.0 the XSDT supersedes the RSDT, when it is sound. */
	if (rsdp.revision >= 2) {
		root = root_map(rsdp.xsdt_address, "XSDT", &len);
		if (root) {
			ai->using_xsdt = true;
			ai->root_pa = rsdp.xsdt_address;
		} else {
			pr_warn("falling back to the RSDT");
		}
	}
	if (!root) {
		root = root_map(rsdp.rsdt_address, "RSDT", &len);
		if (!root)
			return -ENOENT;
		ai->root_pa = rsdp.rsdt_address;
	}
	root_walk(ai, root, len);
	return 0;
}

const struct acpi_header *acpi_find(const struct acpi_info *ai, const char sig[4],
				    unsigned n, uint32_t *len)
{
	for (unsigned i = 0; i < ai->count; i++) {
		const struct acpi_table *t = &ai->tables[i];
		const struct acpi_header *h;

		if (memcmp(t->signature, sig, 4) != 0 || n-- != 0)
			continue;
		h = phys_map(t->pa, t->length, PHYS_WB);
		if (h && len)
			*len = t->length;
		return h;
	}
	return NULL;
}

void acpi_report(const struct acpi_info *ai)
{
	if (ai->rsdp_pa)
		pr_debug("RSDP found at 0x%llx", (unsigned long long)ai->rsdp_pa);
	else
		pr_debug("RSDP taken from the loader's copy");
	pr_info("RSDP rev %u OEM %s, %s at 0x%016llx, %u tables, %u rejected",
		ai->rsdp_revision, ai->oem_id, ai->using_xsdt ? "XSDT" : "RSDT",
		(unsigned long long)ai->root_pa, ai->count, ai->rejected);
	for (unsigned i = 0; i < ai->count; i++) {
		const struct acpi_table *t = &ai->tables[i];
		char sig[5];

		text_copy(sig, t->signature, 4, false);
		pr_info("%s 0x%016llx len %u rev %u OEM %s", sig, (unsigned long long)t->pa,
			t->length, t->revision, t->oem_id);
	}
}
