/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/table_builder.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/regs.h"

/* A DMAR under construction. Structures are opened, filled, then closed to set their length. */
static struct tb t;
static struct dmar_info di;

static void put(const void *p, uint32_t n)
{
	tb_put(&t, p, n);
}

static void dmar_begin(uint8_t haw, uint8_t flags)
{
	struct acpi_dmar d;

	memset(&d, 0, sizeof(d));
	memcpy(d.hdr.oem_id, "BOCHS ", 6);
	d.haw = haw;
	d.flags = flags;
	tb_begin(&t, &d, sizeof(d), "DMAR", 1);
}

static uint32_t dmar_end(void)
{
	return tb_end(&t);
}

/* Structures: remember where one starts, patch its length when it is complete. */
static uint32_t open_at;

static void drhd_open(uint8_t flags, uint16_t seg, uint64_t base)
{
	struct dmar_drhd_hw d = { { DMAR_TYPE_DRHD, 0 }, flags, 0, seg, base };

	open_at = t.len;
	put(&d, sizeof(d));
}

static void rmrr_open(uint16_t seg, uint64_t base, uint64_t limit)
{
	struct dmar_rmrr_hw r = { { DMAR_TYPE_RMRR, 0 }, 0, seg, base, limit };

	open_at = t.len;
	put(&r, sizeof(r));
}

static void atsr_open(uint8_t flags, uint16_t seg)
{
	struct dmar_atsr_hw a = { { DMAR_TYPE_ATSR, 0 }, flags, 0, seg };

	open_at = t.len;
	put(&a, sizeof(a));
}

static void close_struct(void)
{
	uint16_t len = t.len - open_at;

	memcpy(t.buf + open_at + 2, &len, 2);
}

/* A scope with a one-hop path. */
static void scope(uint8_t type, uint8_t enum_id, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const uint8_t s[8] = { type, 8, 0, 0, enum_id, bus, dev, fn };

	put(s, sizeof(s));
}

/* QEMU 7.2 q35, intremap on, aw-bits=48 (its DMAR: docs/ARCHITECTURE.md). */
static void q35_dmar(void)
{
	dmar_begin(47, DMAR_FLAG_INTR_REMAP);
	drhd_open(0, 0, 0xfed90000);
	scope(DMAR_SCOPE_IOAPIC, 0, 0xff, 0, 0);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 0x00, 0);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 0x1f, 0);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 0x02, 0);
	scope(DMAR_SCOPE_BRIDGE, 0, 0, 0x1c, 0);
	close_struct();
}

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	log_capture_reset();
	acpi_mmio_forbid_reset();
	return 0;
}

static void test_q35(void **state)
{
	const struct dmar_drhd *d = &di.drhds[0];

	(void)state;
	q35_dmar();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(t.len, 48 + 16 + 5 * 8);
	assert_int_equal(di.haw, 48);
	assert_int_equal(di.flags, DMAR_FLAG_INTR_REMAP);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(d->base, 0xfed90000);
	assert_int_equal(d->flags, 0);
	assert_int_equal(d->segment, 0);
	assert_int_equal(d->reg_size, 4096);
	assert_int_equal(d->scope_count, 5);
	assert_int_equal(d->scopes[0].type, DMAR_SCOPE_IOAPIC);
	assert_int_equal(d->scopes[0].enumeration_id, 0);
	assert_int_equal(d->scopes[0].start_bus, 0xff);
	assert_int_equal(d->scopes[0].path_len, 1);
	assert_int_equal(d->scopes[2].type, DMAR_SCOPE_ENDPOINT);
	assert_int_equal(d->scopes[2].path[0].dev, 0x1f);
	assert_int_equal(d->scopes[4].type, DMAR_SCOPE_BRIDGE);
	assert_int_equal(d->scopes[4].path[0].dev, 0x1c);
	assert_int_equal(di.rmrr_count + di.atsr_count + di.rejected, 0);
	assert_false(di.truncated);
	assert_int_equal(log_captured_count(LOG_WARN), 0);

	dmar_report(&di);
	assert_true(log_captured("I/vtd: DMAR HAW 48, flags 0x1 (INTR_REMAP)"));
	assert_true(log_captured("I/vtd: DRHD 0 at 0x00000000fed90000 segment 0 flags 0x0, 5 device scopes"));
	assert_true(log_captured("I/vtd:   scope ioapic id 0 ff:00.0"));
	assert_true(log_captured("I/vtd:   scope endpoint 00:1f.0"));
	assert_true(log_captured("I/vtd:   scope endpoint 00:02.0"));
	assert_true(log_captured("I/vtd:   scope bridge 00:1c.0"));
}

static void test_register_size_field(void **state)
{
	(void)state;
	dmar_begin(38, 0);
	drhd_open(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	t.buf[open_at + 5] = 2;                  /* 2^2 pages */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.haw, 39);
	assert_int_equal(di.drhds[0].reg_size, 16384);
	dmar_report(&di);
	assert_true(log_captured("I/vtd: DMAR HAW 39, flags 0x0"));
	assert_true(log_captured("flags 0x1 (INCLUDE_PCI_ALL), 0 device scopes"));
}

static void test_rmrr(void **state)
{
	(void)state;
	q35_dmar();
	rmrr_open(0, 0x7d000000, 0x7d7fffff);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
	close_struct();
	rmrr_open(0, 0x7e000000, 0x7dffffff);   /* limit below base */
	close_struct();
	rmrr_open(0, 0x7e000800, 0x7e000fff);   /* base not page aligned */
	close_struct();
	rmrr_open(0, 0x7e000000, 0x7e000800);   /* limit + 1 not page aligned */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.rmrr_count, 1);
	assert_int_equal(di.rejected, 3);
	assert_int_equal(di.rmrrs[0].base, 0x7d000000);
	assert_int_equal(di.rmrrs[0].limit, 0x7d7fffff);
	assert_int_equal(di.rmrrs[0].scope_count, 1);
	assert_true(log_captured("W/vtd: RMRR at offset 136: range 0x7e000000-0x7dffffff is reversed or not 4 KiB granular, skipped"));
	dmar_report(&di);
	assert_true(log_captured("I/vtd: RMRR 0 segment 0 0x000000007d000000-0x000000007d7fffff, 1 device scopes"));
	assert_true(log_captured("I/vtd:   scope endpoint 00:14.0"));
}

static void test_scope_runs_past_structure(void **state)
{
	const uint8_t bad[8] = { DMAR_SCOPE_ENDPOINT, 16, 0, 0, 0, 0, 3, 0 };

	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0xfed90000);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 1, 0);
	put(bad, sizeof(bad));                    /* claims 16 bytes, 8 left in the DRHD */
	close_struct();
	rmrr_open(0, 0x7d000000, 0x7d7fffff);    /* the walk goes on after the DRHD */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(di.drhds[0].scope_count, 1);
	assert_int_equal(di.rmrr_count, 1);
	assert_false(di.truncated);
	assert_true(log_captured("W/vtd: DRHD 0: device scope at offset 72 has length 16 (8 bytes left), remaining scopes skipped"));
}

static void test_scope_bad_lengths(void **state)
{
	const uint8_t odd[9] = { DMAR_SCOPE_ENDPOINT, 9, 0, 0, 0, 0, 3, 0, 0 };
	const uint8_t tiny[4] = { DMAR_SCOPE_ENDPOINT, 4, 0, 0 };

	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0xfed90000);
	put(odd, sizeof(odd));
	close_struct();
	drhd_open(0, 0, 0xfed91000);
	put(tiny, sizeof(tiny));
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 2);
	assert_int_equal(di.drhds[0].scope_count + di.drhds[1].scope_count, 0);
	assert_true(log_captured("W/vtd: DRHD 0: device scope at offset 64 has length 9"));
	assert_true(log_captured("W/vtd: DRHD 1: 4 bytes at offset 89 are too short for a device scope"));
}

static void test_scope_path_depth(void **state)
{
	uint8_t deep[6 + 2 * (DMAR_MAX_PATH + 1)] = { DMAR_SCOPE_ENDPOINT, sizeof(deep), 0, 0, 0, 0 };
	const uint8_t two_hops[10] = { DMAR_SCOPE_ENDPOINT, 10, 0, 0, 0, 0, 0x1c, 0, 0, 0 };
	const uint8_t no_path[6] = { DMAR_SCOPE_ENDPOINT, 6, 0, 0, 0, 0 };

	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0xfed90000);
	put(deep, sizeof(deep));
	put(no_path, sizeof(no_path));
	put(two_hops, sizeof(two_hops));
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhds[0].scope_count, 1);
	assert_int_equal(di.drhds[0].scopes_dropped, 2);
	assert_int_equal(di.drhds[0].scopes[0].path_len, 2);
	assert_true(log_captured("has a path of 9 hops, skipped"));
	assert_true(log_captured("has a path of 0 hops, skipped"));
	dmar_report(&di);
	assert_true(log_captured("I/vtd:   scope endpoint 00:1c.0/00.0"));
}

static void test_scope_cap(void **state)
{
	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0xfed90000);
	for (unsigned i = 0; i < DMAR_MAX_DRHD_SCOPES + 6; i++)
		scope(DMAR_SCOPE_ENDPOINT, 0, 1 + i / 32, i % 32, 0);
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhds[0].scope_count, DMAR_MAX_DRHD_SCOPES);
	assert_int_equal(di.drhds[0].scopes_dropped, 6);
	assert_int_equal(log_captured_count(LOG_WARN), 1);
}

static void test_structure_length_zero(void **state)
{
	const uint8_t zero[4] = { DMAR_TYPE_RMRR, 0, 0, 0 };

	(void)state;
	q35_dmar();
	put(zero, sizeof(zero));
	rmrr_open(0, 0x7d000000, 0x7d7fffff);    /* unreachable */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_true(di.truncated);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(di.rmrr_count, 0);
	assert_true(log_captured("W/vtd: structure type 1 at offset 104 has length 0 (28 bytes left), walk stopped"));
}

static void test_structure_shorter_than_fixed_part(void **state)
{
	const uint8_t short_drhd[8] = { DMAR_TYPE_DRHD, 0, 8, 0, 0, 0, 0, 0 };

	(void)state;
	dmar_begin(47, 0);
	put(short_drhd, sizeof(short_drhd));
	drhd_open(0, 0, 0xfed90000);
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(di.rejected, 1);
	assert_true(log_captured("W/vtd: DRHD at offset 48 has length 8, needs 16, skipped"));
}

static void test_include_pci_all_not_last(void **state)
{
	(void)state;
	dmar_begin(47, 0);
	drhd_open(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	close_struct();
	drhd_open(0, 0, 0xfed91000);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	close_struct();
	drhd_open(0, 1, 0xfed92000);             /* other segment: does not matter */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 3);      /* still accepted */
	assert_true(log_captured("W/vtd: DRHD 0 (0xfed90000) has INCLUDE_PCI_ALL but is not the last unit of segment 0"));
}

static void test_include_pci_all_last_is_quiet(void **state)
{
	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0xfed91000);
	scope(DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	close_struct();
	drhd_open(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	close_struct();
	drhd_open(0, 1, 0xfed92000);
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 3);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_drhd_base_checks(void **state)
{
	(void)state;
	dmar_begin(47, 0);
	drhd_open(0, 0, 0);
	close_struct();
	drhd_open(0, 0, 0xfed90800);
	close_struct();
	drhd_open(0, 0, 0xfed90000);
	close_struct();
	drhd_open(0, 1, 0xfed90000);             /* same registers again */
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(di.rejected, 3);
	assert_true(log_captured("W/vtd: DRHD at offset 48: register base 0x0 is null or not 4 KiB aligned"));
	assert_true(log_captured("W/vtd: DRHD at offset 64: register base 0xfed90800 is null or not 4 KiB aligned"));
	assert_true(log_captured("W/vtd: DRHD at offset 96: register base 0xfed90000 already described"));
}

static void test_drhd_cap(void **state)
{
	(void)state;
	dmar_begin(47, 0);
	for (unsigned i = 0; i < DMAR_MAX_DRHDS + 1; i++) {
		drhd_open(0, 0, 0xfed90000 + i * 0x1000);
		close_struct();
	}
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, DMAR_MAX_DRHDS);
	assert_true(log_captured("more than 8 units, skipped"));
}

static void test_truncated_table(void **state)
{
	(void)state;
	q35_dmar();
	dmar_end();
	/* The caller mapped only 80 bytes: the DRHD (56 bytes at 48) runs past them. */
	assert_int_equal(dmar_parse(t.buf, 80, &di), 0);
	assert_true(di.truncated);
	assert_int_equal(di.drhd_count, 0);
	assert_true(log_captured("W/vtd: DMAR table claims 104 bytes, only 80 available"));
	assert_true(log_captured("W/vtd: structure type 0 at offset 48 has length 56 (32 bytes left), walk stopped"));
	assert_true(log_captured("W/vtd: DMAR describes no usable remapping unit"));
	/* A header cut inside the fixed part. */
	assert_int_equal(dmar_parse(t.buf, 47, &di), -EINVAL);
	/* Two stray bytes after the last structure. */
	log_capture_reset();
	t.len = 104;
	put("\0\0", 2);
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 1);
	assert_true(log_captured("W/vtd: 2 trailing bytes at offset 104"));
}

static void test_atsr_rhsa_andd_unknown(void **state)
{
	const uint8_t rhsa[20] = { DMAR_TYPE_RHSA, 0, 20, 0, 0, 0, 0, 0,
				   0x00, 0x00, 0xd9, 0xfe, 0, 0, 0, 0, 1, 0, 0, 0 };
	const uint8_t andd[16] = { DMAR_TYPE_ANDD, 0, 16, 0, 0, 0, 0, 1,
				   '\\', '_', 'S', 'B', '.', 'X', 0, 0 };
	const uint8_t satc[8] = { DMAR_TYPE_SATC, 0, 8, 0, 0, 0, 0, 0 };

	(void)state;
	q35_dmar();
	atsr_open(DMAR_ATSR_ALL_PORTS, 0);
	close_struct();
	put(rhsa, sizeof(rhsa));
	put(andd, sizeof(andd));
	put(satc, sizeof(satc));
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.atsr_count, 1);
	assert_int_equal(di.atsrs[0].flags, DMAR_ATSR_ALL_PORTS);
	assert_int_equal(di.rhsa_count, 1);
	assert_int_equal(di.andd_count, 1);
	assert_int_equal(di.unknown_count, 1);
	assert_false(di.truncated);
	assert_true(log_captured("D/vtd: RHSA at offset 112: unit 0xfed90000 in proximity domain 1"));
	assert_true(log_captured("D/vtd: ANDD at offset 132: device 1 is \\_SB.X"));
	dmar_report(&di);
	assert_true(log_captured("I/vtd: ATSR 0 segment 0 flags 0x1 (ALL_PORTS), 0 device scopes"));
}

static void test_header_checks(void **state)
{
	(void)state;
	q35_dmar();
	dmar_end();
	assert_int_equal(dmar_parse(NULL, 104, &di), -EINVAL);
	assert_true(log_captured("W/vtd: no DMAR table given"));
	((struct acpi_header *)t.buf)->length = 40;  /* header claims less than itself */
	assert_int_equal(dmar_parse(t.buf, 104, &di), -EINVAL);
	assert_true(log_captured("W/vtd: DMAR table length 40 is shorter than its 48-byte header"));
	memcpy(t.buf, "DMAX", 4);
	assert_int_equal(dmar_parse(t.buf, 104, &di), -EINVAL);
	assert_true(log_captured("W/vtd: table signature is not DMAR"));
}

/* --- VT-d capability decoding, on the values QEMU 7.2 reports (§1.2) --- */

static struct vtd_caps c;

static void test_caps_qemu_default(void **state)
{
	(void)state;
	vtd_caps_decode(0x10, 0x00d2008c22260206ULL, 0xf00f4aULL, &c);
	assert_int_equal(c.ver_major, 1);
	assert_int_equal(c.ver_minor, 0);
	assert_int_equal(c.nd_bits, 16);
	assert_int_equal(c.num_domains, 65536);
	assert_int_equal(c.sagaw, VTD_SAGAW_39_3LVL);
	assert_int_equal(c.level_count, 1);
	assert_int_equal(c.levels[0], 3);
	assert_true(vtd_caps_has_levels(&c, 3));
	assert_false(vtd_caps_has_levels(&c, 4));
	assert_true(c.can_translate);
	assert_int_equal(c.mgaw, 39);
	assert_int_equal(c.fro, 0x220);
	assert_int_equal(c.nfr, 1);
	assert_true(c.sp_2m);
	assert_true(c.sp_1g);
	assert_true(c.psi);
	assert_int_equal(c.mamv, 18);
	assert_true(c.dwd);
	assert_true(c.drd);
	assert_false(c.cm || c.rwbf || c.afl || c.plmr || c.phmr || c.zlr || c.fl1gp || c.pi);
	assert_true(c.qi);
	assert_true(c.ir);
	assert_true(c.pt);
	assert_false(c.coherent);
	assert_false(c.dt || c.eim || c.sc || c.nest || c.pasid || c.smts);
	assert_int_equal(c.iro, 0xf0);
	assert_int_equal(c.iotlb_reg, 0xf8);
	assert_int_equal(c.mhmv, 0xf);

	log_capture_reset();
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("I/vtd: unit 0x00000000fed90000: VT-d 1.0, AGAW 39-bit/3-level, MGAW 39, superpages 2M 1G, 65536 domains"));
	assert_true(log_captured("I/vtd: unit 0x00000000fed90000: QI IR PT PSI(MAMV 18) CM=0 C=0 SC=0 RWBF=0, 1 fault record at 0x220, IOTLB at 0xf8"));
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_caps_qemu_aw48(void **state)
{
	(void)state;
	vtd_caps_decode(0x10, 0x00d2008c222f0606ULL, 0xf00f4aULL, &c);
	assert_int_equal(c.sagaw, VTD_SAGAW_39_3LVL | VTD_SAGAW_48_4LVL);
	assert_int_equal(c.level_count, 2);
	assert_int_equal(c.levels[1], 4);
	assert_true(vtd_caps_has_levels(&c, 4));
	assert_int_equal(c.mgaw, 48);
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("VT-d 1.0, AGAW 39-bit/3-level 48-bit/4-level, MGAW 48, superpages 2M 1G"));
}

static void test_caps_qemu_cm_dt_sc(void **state)
{
	(void)state;
	vtd_caps_decode(0x10, 0x00d2008c22260286ULL, 0xf00fceULL, &c);
	assert_true(c.cm);
	assert_true(c.dt);
	assert_true(c.sc);
	assert_true(c.qi && c.ir && c.pt);
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("I/vtd: unit 0x00000000fed90000: QI DT IR PT PSI(MAMV 18) CM=1 C=0 SC=1 RWBF=0"));
}

static void test_caps_scalable_and_eim(void **state)
{
	(void)state;
	vtd_caps_decode(0x10, 0x00d2008c22260206ULL, 0x0000490080f00f4aULL, &c);
	assert_true(c.pasid);
	assert_true(c.smts);
	vtd_caps_decode(0x10, 0x00d2008c22260206ULL, 0xf00f5aULL, &c);
	assert_true(c.eim);
}

static void test_caps_cannot_translate(void **state)
{
	(void)state;
	/* dma-translation=off: SAGAW 0. */
	vtd_caps_decode(0x10, 0x00d2008c22260006ULL, 0xf00f4aULL, &c);
	assert_false(c.can_translate);
	assert_int_equal(c.level_count, 0);
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("AGAW none"));
	assert_true(log_captured("W/vtd: unit 0x00000000fed90000: SAGAW 0x0 offers neither 3- nor 4-level tables, the unit cannot translate"));
	/* 5-level only: no use to a monitor building 3- or 4-level tables. */
	log_capture_reset();
	vtd_caps_decode(0x10, FIELD_PREP(VTD_CAP_SAGAW, VTD_SAGAW_57_5LVL) | 0x22000000ULL, 0x100,
			&c);
	assert_false(c.can_translate);
	assert_int_equal(c.levels[0], 5);
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("AGAW 57-bit/5-level"));
	assert_true(log_captured("the unit cannot translate"));
}

static void test_caps_nd_and_nfr(void **state)
{
	(void)state;
	vtd_caps_decode(0x10, 0, 0, &c);
	assert_int_equal(c.num_domains, 16);      /* ND 0: 4-bit domain ids */
	assert_int_equal(c.nfr, 1);
	assert_false(c.sp_2m || c.sp_1g);
	vtd_caps_decode(0x21, FIELD_PREP(VTD_CAP_ND, 7) | FIELD_PREP(VTD_CAP_NFR, 7), 0, &c);
	assert_int_equal(c.ver_major, 2);
	assert_int_equal(c.ver_minor, 1);
	assert_int_equal(c.num_domains, 65536);   /* reserved ND 7 clamped */
	assert_int_equal(c.nfr, 8);
	vtd_caps_log(0xfed90000, &c);
	assert_true(log_captured("W/vtd: unit 0x00000000fed90000: reserved ND value 7"));
	assert_true(log_captured("superpages none"));
	assert_true(log_captured("8 fault records at 0x0"));
}

/* Item 13 of the IOMMU hardening issue: DRHD register windows over memory are refused. */
static void test_drhd_over_memory_refused(void **state)
{
	(void)state;
	assert_int_equal(acpi_mmio_forbid("the monitor image", 0x200000, 0x400000), 0);
	assert_int_equal(acpi_mmio_forbid("the monitor pool", 0x1c000000, 0x20000000), 0);
	assert_int_equal(acpi_mmio_forbid("RAM", 0x100000, 0x20000000), 0);
	dmar_begin(47, 0);
	drhd_open(0, 0, 0x300000);               /* inside the monitor image */
	close_struct();
	drhd_open(0, 0, 0x1fff0000);             /* page tables in the pool */
	close_struct();
	drhd_open(DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0xfed90000);
	close_struct();
	assert_int_equal(dmar_parse(t.buf, dmar_end(), &di), 0);
	assert_int_equal(di.drhd_count, 1);
	assert_int_equal(di.drhds[0].base, 0xfed90000);
	assert_int_equal(di.rejected, 2);
	assert_true(log_captured("E/vtd: DRHD at offset 48: register window 0x300000-0x300fff overlaps the monitor image, skipped"));
	assert_true(log_captured("E/vtd: DRHD at offset 64: register window 0x1fff0000-0x1fff0fff overlaps the monitor pool, skipped"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_q35, setup),
		cmocka_unit_test_setup(test_drhd_over_memory_refused, setup),
		cmocka_unit_test_setup(test_register_size_field, setup),
		cmocka_unit_test_setup(test_rmrr, setup),
		cmocka_unit_test_setup(test_scope_runs_past_structure, setup),
		cmocka_unit_test_setup(test_scope_bad_lengths, setup),
		cmocka_unit_test_setup(test_scope_path_depth, setup),
		cmocka_unit_test_setup(test_scope_cap, setup),
		cmocka_unit_test_setup(test_structure_length_zero, setup),
		cmocka_unit_test_setup(test_structure_shorter_than_fixed_part, setup),
		cmocka_unit_test_setup(test_include_pci_all_not_last, setup),
		cmocka_unit_test_setup(test_include_pci_all_last_is_quiet, setup),
		cmocka_unit_test_setup(test_drhd_base_checks, setup),
		cmocka_unit_test_setup(test_drhd_cap, setup),
		cmocka_unit_test_setup(test_truncated_table, setup),
		cmocka_unit_test_setup(test_atsr_rhsa_andd_unknown, setup),
		cmocka_unit_test_setup(test_header_checks, setup),
		cmocka_unit_test_setup(test_caps_qemu_default, setup),
		cmocka_unit_test_setup(test_caps_qemu_aw48, setup),
		cmocka_unit_test_setup(test_caps_qemu_cm_dt_sc, setup),
		cmocka_unit_test_setup(test_caps_scalable_and_eim, setup),
		cmocka_unit_test_setup(test_caps_cannot_translate, setup),
		cmocka_unit_test_setup(test_caps_nd_and_nfr, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
