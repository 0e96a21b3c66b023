/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "kernel/cmdline.h"
#include "kernel/time.h"
#include "pci/enum.h"
#include "pci/sriov.h"

#define VF_BAR_BASE 0xc1000000ULL
#define VF_BAR_SIZE (16 * KiB)

static struct mcfg_info mi;
static struct fake_fn *port, *pf_fn;
static uint16_t sriov_cap;
static struct pci_dev *pf;

static int setup(void **state)
{
	(void)state;
	fake_pci_reset();
	pci_dev_registry_reset();
	log_capture_reset();
	memset(&mi, 0, sizeof(mi));
	mi.ranges[0] = (struct mcfg_range){ 0xb0000000, 0, 0, 0xff };
	mi.count = 1;
	pf = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (pf)
		pci_dev_put(pf);
	return 0;
}

/* A VF image like QEMU's nvme VFs: class 010802, MSI-X, PCIe, PM, ARI. */
static struct fake_fn *nvme_vf_template(void)
{
	struct fake_fn *t = fake_pci_template(0x010802);

	fake_pci_cap(t, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_pcie(t, PCI_EXP_TYPE_ENDPOINT, false);
	fake_pci_cap(t, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_ari(t, 0);
	return t;
}

/*
 * Root port 00:02.0 (ARI forwarding supported, buses 01-sub) and the nvme
 * PF 01:00.0 with an ARI capability and SR-IOV: `total` VFs at `offset`
 * and `stride`, VF BAR0 64-bit 16 KiB. Enumerates and looks the PF up.
 */
static void build(uint8_t sub, uint16_t total, uint16_t offset, uint16_t stride)
{
	port = fake_pci_bridge(0, 0, PCI_DEVFN(2, 0), 1, sub);
	fake_pci_pcie(port, PCI_EXP_TYPE_ROOT_PORT, true);
	pf_fn = fake_pci_endpoint(0, 1, 0, 0x1b36, 0x0010, 0x010802);
	fake_pci_pcie(pf_fn, PCI_EXP_TYPE_ENDPOINT, false);
	fake_pci_ari(pf_fn, 0);
	sriov_cap = fake_pci_sriov(pf_fn, total, offset, stride, 0x0010, nvme_vf_template());
	fake_pci_sriov_vf_bar(pf_fn, 0, FAKE_BAR_MEM64, VF_BAR_BASE, VF_BAR_SIZE);
}

static void enumerate(void)
{
	assert_true(pci_enumerate(&mi) >= 2);
	pf = pci_dev_find(0, 1, 0);
	assert_non_null(pf);
	assert_true(pf->is_pf);
}

static uint16_t pf_reg(uint16_t reg)
{
	return fake_pci_peek(pf_fn, sriov_cap + reg, 2);
}

static struct pci_dev *vf_at(uint8_t bus, uint8_t devfn)
{
	struct pci_dev *d = pci_dev_find(0, bus, devfn);

	if (d)
		pci_dev_put(d);
	return d;
}

static void test_read_cap(void **state)
{
	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	assert_int_equal(pf->sriov.cap, sriov_cap);
	assert_int_equal(pf->sriov.total_vfs, 4);
	assert_int_equal(pf->sriov.initial_vfs, 4);
	assert_int_equal(pf->sriov.vf_device, 0x0010);
	assert_int_equal(pf->sriov.supported_page_sizes, 0x553);
	assert_int_equal(pf->sriov.system_page_size, 1);
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(pf->sriov.vf_bars[0].base, VF_BAR_BASE);
	assert_int_equal(pf->sriov.vf_bars[0].size, VF_BAR_SIZE);
	assert_int_equal(pf->sriov.vf_bars[0].flags, PCI_BAR_MEM64);
	assert_int_equal(pf->sriov.vf_bars[1].flags, PCI_BAR_UPPER);
	/* VF BARs sized with VF MSE off, and restored. */
	assert_int_equal(fake_pci_decode_violations(), 0);
	assert_int_equal(fake_pci_peek(pf_fn, sriov_cap + PCI_SRIOV_BAR, 4), (uint32_t)VF_BAR_BASE | 4);
}

static void test_enable_like_qemu_nvme(void **state)
{
	uint64_t before;

	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	before = time_now_us();
	assert_int_equal(sriov_enable(pf, 4), 0);
	assert_true(log_captured("I/sriov: 0000:01:00.0: 4 VFs enabled (offset 1 stride 1, ARI)"));
	/* The port had ARI forwarding enabled by enumeration, so ARI Capable Hierarchy. */
	assert_true(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_ARI);
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE),
			 PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 4);
	assert_int_equal(pf->sriov.num_vfs, 4);
	assert_int_equal(pf->nr_vfs, 4);
	/* No VF config access before 100 ms after VF Enable. */
	assert_true(fake_pci_first_vf_access_time() != ~0ULL);
	assert_true(fake_pci_first_vf_access_time() - fake_pci_vf_enable_time() >= 100000);
	assert_true(time_now_us() - before >= 100000);

	for (unsigned i = 0; i < 4; i++) {
		struct pci_dev *vf = vf_at(1, (uint8_t)(1 + i));

		assert_non_null(vf);
		assert_true(vf->is_vf);
		assert_ptr_equal(vf->pf, pf);
		assert_int_equal(vf->vf_index, i);
		/* Config space says FFFF; the registry has the PF's vendor and the VF Device ID. */
		assert_int_equal(pci_cfg_read(0, 1, (uint8_t)(1 + i), PCI_VENDOR_ID, 2), 0xffff);
		assert_int_equal(vf->vendor, 0x1b36);
		assert_int_equal(vf->device, 0x0010);
		assert_int_equal(vf->class, 0x010802);
		assert_int_equal(vf->bars[0].base, VF_BAR_BASE + i * VF_BAR_SIZE);
		assert_int_equal(vf->bars[0].size, VF_BAR_SIZE);
		assert_int_equal(vf->bars[0].flags, PCI_BAR_MEM64);
		assert_int_not_equal(vf->caps.msix, 0);
		assert_int_not_equal(vf->caps.ari, 0);
		assert_int_equal(vf->nr_rids, 1);
		assert_int_equal(vf->rids[0], 0x0101 + i);
		assert_ptr_equal(vf->parent, pf->parent);
	}
	assert_true(log_captured("I/pci: added 0000:01:00.4 VF 3 of 0000:01:00.0"));
	pci_report_tree();
	assert_true(log_captured("I/pci:   0000:01:00.0 1b36:0010 010802 device [endpoint] [PF, 4/4 VFs] rid 01:00.0 caps PCIe,ARI,SR-IOV"));
	assert_true(log_captured("I/pci:     0000:01:00.1 1b36:0010 010802 device [endpoint] [VF 0 of 0000:01:00.0] rid 01:00.1 caps PCIe,PM,MSI-X,ARI BARs mem64 0xc1000000/16K"));
	assert_true(log_captured("I/pci:     0000:01:00.4 1b36:0010 010802 device [endpoint] [VF 3 of 0000:01:00.0] rid 01:00.4 caps PCIe,PM,MSI-X,ARI BARs mem64 0xc100c000/16K"));
	assert_true(log_captured("I/pci: device tree: 6 functions, 1 PFs, 4 VFs"));
}

static void test_offset_stride_bus_carry(void **state)
{
	(void)state;
	build(3, 8, 0xfe, 2);
	enumerate();
	assert_int_equal(sriov_enable(pf, 3), 0);
	assert_non_null(vf_at(1, 0xfe));            /* 01:1f.6 */
	assert_non_null(vf_at(2, 0x00));            /* 02:00.0: carried into the bus */
	assert_non_null(vf_at(2, 0x02));            /* 02:00.2 */
	assert_int_equal(vf_at(2, 0x02)->vf_index, 2);
	assert_int_equal(vf_at(2, 0x02)->rids[0], 0x0202);
	assert_int_equal(pf->sriov.offset, 0xfe);
	assert_int_equal(pf->sriov.stride, 2);
}

/* First VF Offset and VF Stride of a device that spreads its VFs more as NumVFs grows. */
static void routing_by_numvfs(unsigned num_vfs, uint16_t *offset, uint16_t *stride)
{
	*offset = (uint16_t)(0x10 + num_vfs);
	*stride = (uint16_t)num_vfs;
}

static void test_offset_stride_read_after_numvfs(void **state)
{
	(void)state;
	build(1, 8, 1, 1);
	fake_pci_sriov_routing(pf_fn, routing_by_numvfs);
	enumerate();
	assert_int_equal(sriov_enable(pf, 3), 0);
	assert_int_equal(pf->sriov.offset, 0x13);
	assert_int_equal(pf->sriov.stride, 3);
	assert_non_null(vf_at(1, 0x13));
	assert_non_null(vf_at(1, 0x16));
	assert_non_null(vf_at(1, 0x19));
	assert_null(vf_at(1, 0x01));
	assert_int_equal(pci_dev_count(), 2 + 3);
}

static void test_bad_counts(void **state)
{
	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	assert_int_equal(sriov_enable(pf, 0), -EINVAL);
	assert_int_equal(sriov_enable(pf, 5), -EINVAL);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(sriov_enable(pf, 2), 0);
	assert_int_equal(sriov_enable(pf, 2), -EBUSY);
	assert_int_equal(pf->nr_vfs, 2);
	/* A function without SR-IOV is not a PF. */
	assert_int_equal(sriov_enable(pf->parent, 1), -EINVAL);
	assert_int_equal(sriov_disable(pf->parent), -EINVAL);
}

static void test_vf_beyond_subordinate_bus(void **state)
{
	(void)state;
	build(1, 4, 0xff, 1);
	enumerate();
	assert_int_equal(sriov_enable(pf, 2), -ERANGE);
	assert_true(log_captured("W/sriov: 0000:01:00.0: VF 1 would be at bus 2, beyond bus 01 the PF's bridge routes"));
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(fake_pci_vf_count(), 0);
	assert_int_equal(pf->nr_vfs, 0);
	assert_int_equal(pf->sriov.num_vfs, 0);
	assert_int_equal(sriov_enable(pf, 1), 0);   /* VF 0 alone fits on bus 1 */
}

static void test_unusable_offset_or_stride(void **state)
{
	(void)state;
	build(1, 4, 1, 0);
	enumerate();
	assert_int_equal(sriov_enable(pf, 2), -EIO);
	assert_true(log_captured("unusable First VF Offset 1 / VF Stride 0 for 2 VFs"));
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(sriov_enable(pf, 1), 0);   /* stride is irrelevant for one VF */
}

static void test_vfs_not_answering(void **state)
{
	(void)state;
	build(1, 4, 1, 1);
	fake_pci_sriov_vfs_dead(pf_fn);
	enumerate();
	assert_int_equal(sriov_enable(pf, 3), -EIO);
	assert_true(log_captured("W/sriov: 0000:01:00.0: VF 0 at 0000:01:00.1 does not answer (class ffffff header ff)"));
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(fake_pci_vf_count(), 0);
	assert_int_equal(pci_dev_count(), 2);
	assert_int_equal(pf->sriov.num_vfs, 0);
}

static void test_partial_failure_unregisters(void **state)
{
	struct pci_dev_desc filler = { .seg = 7, .vendor = 1 };

	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	/*
	 * The pool has room for two VFs only: VFs 0 and 1 are registered, VF 2
	 * fails, and the first two must be undone.
	 */
	for (unsigned i = pci_dev_count(); i < PCI_DEV_POOL_SIZE - 2; i++) {
		filler.bus = (uint8_t)(i / 256);
		filler.devfn = (uint8_t)i;
		assert_int_equal(pci_dev_add(&filler, NULL), 0);
	}
	log_capture_reset();
	assert_int_equal(sriov_enable(pf, 4), -ENOMEM);
	assert_int_equal(pf->nr_vfs, 0);
	assert_null(vf_at(1, 1));
	assert_null(vf_at(1, 2));
	assert_true(log_captured("I/pci: removed 0000:01:00.2"));
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(fake_pci_vf_count(), 0);
	assert_int_equal(pf->refcount, 2);
}

static void test_disable(void **state)
{
	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	assert_int_equal(sriov_disable(pf), 0);     /* nothing enabled: nothing to do */
	assert_int_equal(sriov_enable(pf, 4), 0);
	assert_int_equal(sriov_disable(pf), 0);
	assert_true(log_captured("I/pci: removed 0000:01:00.1"));
	assert_true(log_captured("I/sriov: 0000:01:00.0: 4 VFs disabled"));
	assert_int_equal(pf->nr_vfs, 0);
	assert_int_equal(pf->refcount, 2);
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE), 0);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(fake_pci_vf_count(), 0);
	assert_null(vf_at(1, 1));
	assert_int_equal(sriov_enable(pf, 2), 0);   /* and again */
	assert_int_equal(pf->nr_vfs, 2);
}

static void test_disable_busy_while_referenced(void **state)
{
	struct pci_dev *held;

	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	assert_int_equal(sriov_enable(pf, 2), 0);
	held = pci_dev_find(0, 1, 2);
	assert_int_equal(sriov_disable(pf), -EBUSY);
	assert_int_equal(pf->nr_vfs, 2);
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, PCI_SRIOV_CTRL_VFE);
	assert_int_equal(fake_pci_vf_count(), 2);
	/* The PF cannot go while its VFs exist either. */
	assert_int_equal(pci_dev_remove(pf), -EBUSY);
	pci_dev_put(held);
	/* A VF attached to a (non-default) domain is busy too. */
	vf_at(1, 1)->domain = (struct iommu_domain *)pf;   /* any non-NULL domain */
	assert_int_equal(sriov_disable(pf), -EBUSY);
	vf_at(1, 1)->domain = NULL;
	assert_int_equal(sriov_disable(pf), 0);
	assert_int_equal(pci_dev_remove(pf), 0);
	pf = NULL;
}

static void test_root_bus_pf(void **state)
{
	struct fake_fn *f;
	uint16_t cap;

	(void)state;
	/* An RCiEP PF: no ARI Capable Hierarchy (no port), VFs must stay on bus 0. */
	f = fake_pci_endpoint(0, 0, PCI_DEVFN(4, 0), 0x8086, 0x1520, 0x020000);
	fake_pci_pcie(f, PCI_EXP_TYPE_RC_END, false);
	cap = fake_pci_sriov(f, 16, 0xd8, 1, 0x1520, nvme_vf_template());
	fake_pci_poke(f, cap + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_ARI);  /* stale from firmware */
	assert_int_equal(pci_enumerate(&mi), 1);
	pf = pci_dev_find(0, 0, PCI_DEVFN(4, 0));
	assert_int_equal(sriov_enable(pf, 16), -ERANGE);               /* 0x20 + 0xd8 + 15 = 0x107 */
	assert_true(log_captured("VF 8 would be at bus 1, beyond bus 00"));
	assert_int_equal(sriov_enable(pf, 8), 0);                      /* up to 0xff */
	assert_int_equal(fake_pci_peek(f, cap + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_ARI, 0);
	assert_non_null(vf_at(0, 0xf8));
	assert_non_null(vf_at(0, 0xff));
	assert_null(vf_at(0, 0xf8)->parent);
	pci_report_tree();
	assert_true(log_captured("I/pci: 0000:00:04.0 8086:1520 020000 device [rc integrated] [PF, 8/16 VFs] rid 00:04.0 caps PCIe,SR-IOV"));
	assert_true(log_captured("I/pci:   0000:00:1f.7 8086:1520 010802 device [endpoint] [VF 7 of 0000:00:04.0] rid 00:1f.7"));
}

static void test_ari_hierarchy_only_in_lowest_pf(void **state)
{
	struct fake_fn *pf2;
	uint16_t cap2;
	struct pci_dev *d2;

	(void)state;
	build(1, 4, 0x20, 1);
	fake_pci_poke(pf_fn, 0x100 + PCI_ARI_CAP, 2, 1 << 8);    /* ARI chain: 0 -> 1 */
	pf2 = fake_pci_endpoint(0, 1, 1, 0x1b36, 0x0011, 0x010802);
	fake_pci_pcie(pf2, PCI_EXP_TYPE_ENDPOINT, false);
	fake_pci_ari(pf2, 0);
	cap2 = fake_pci_sriov(pf2, 2, 0x10, 1, 0x0011, nvme_vf_template());
	enumerate();
	d2 = pci_dev_find(0, 1, 1);
	assert_non_null(d2);
	assert_true(d2->is_pf);
	/* §9.3.3.3.5: the bit is RsvdP outside the lowest-numbered PF: left alone there. */
	assert_int_equal(sriov_enable(d2, 2), 0);
	assert_int_equal(fake_pci_peek(pf2, cap2 + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_ARI, 0);
	assert_non_null(vf_at(1, 0x11));
	assert_non_null(vf_at(1, 0x12));
	assert_int_equal(sriov_enable(pf, 1), 0);
	assert_true(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_ARI);
	assert_non_null(vf_at(1, 0x20));
	/* A VF routing id that lands on an existing function is refused, and undone. */
	assert_int_equal(sriov_disable(pf), 0);
	fake_pci_poke(pf_fn, sriov_cap + PCI_SRIOV_VF_OFFSET, 2, 1);
	assert_int_equal(sriov_enable(pf, 1), -EEXIST);
	assert_true(log_captured("W/sriov: 0000:01:00.0: VF 0 would take the routing id of 0000:01:00.1"));
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE, 0);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	pci_dev_put(d2);
}

static void test_firmware_left_vfs_enabled(void **state)
{
	(void)state;
	build(1, 4, 1, 1);
	fake_pci_poke(pf_fn, sriov_cap + PCI_SRIOV_NUM_VF, 2, 2);
	fake_pci_poke(pf_fn, sriov_cap + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
	enumerate();
	assert_true(log_captured("W/sriov: 0000:01:00.0: firmware left 2 VFs enabled; disabled (use sriov= to enable)"));
	assert_int_equal(pf_reg(PCI_SRIOV_CTRL) & (PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE), 0);
	assert_int_equal(pf_reg(PCI_SRIOV_NUM_VF), 0);
	assert_int_equal(fake_pci_decode_violations(), 0);
	assert_int_equal(sriov_enable(pf, 4), 0);
}

static void test_opt_parse_good(void **state)
{
	struct sriov_requests reqs = { 0 };
	const struct cmdline_opt opt = { "sriov", sriov_opt_parse, &reqs, true };

	(void)state;
	assert_int_equal(opt.parse("0000:01:00.0:4", opt.dst), 0);
	assert_int_equal(opt.parse("1a:FF:1f.7:65535", opt.dst), 0);
	assert_int_equal(reqs.count, 2);
	assert_int_equal(reqs.req[0].seg, 0);
	assert_int_equal(reqs.req[0].bus, 1);
	assert_int_equal(reqs.req[0].devfn, 0);
	assert_int_equal(reqs.req[0].num_vfs, 4);
	assert_int_equal(reqs.req[1].seg, 0x1a);
	assert_int_equal(reqs.req[1].bus, 0xff);
	assert_int_equal(reqs.req[1].devfn, PCI_DEVFN(0x1f, 7));
	assert_int_equal(reqs.req[1].num_vfs, 65535);
	/* The same function again replaces its count. */
	assert_int_equal(sriov_opt_parse("0:1:0.0:2", &reqs), 0);
	assert_int_equal(reqs.count, 2);
	assert_int_equal(reqs.req[0].num_vfs, 2);
}

static void test_opt_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "0:1:0.0", "0:1:0.0:", "0:1:0.8:1", "0:1:20.0:1", "0:100:0.0:1", "00000:1:0.0:1",
		"0:1:0.0:0", "0:1:0.0:65536", "0:1:0.0:4x", "g:1:0.0:1", "0:1:0.0:-1", "0:1:0:0:1",
		"0:1:0.0:4 ", ":1:0.0:1", "0:1:.0:1", "0:1:0.10:1", "0:1:0.0:000001",
	};
	struct sriov_requests reqs = { 0 }, before;
	char val[32];

	(void)state;
	assert_int_equal(sriov_opt_parse(NULL, &reqs), -EINVAL);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		if (sriov_opt_parse(bad[i], &reqs) != -EINVAL)
			fail_msg("sriov=%s accepted", bad[i]);
	}
	assert_int_equal(reqs.count, 0);
	for (unsigned i = 0; i < SRIOV_REQUESTS_MAX; i++) {
		snprintf(val, sizeof(val), "0:%x:0.0:1", i + 1);
		assert_int_equal(sriov_opt_parse(val, &reqs), 0);
	}
	memcpy(&before, &reqs, sizeof(before));
	assert_int_equal(sriov_opt_parse("0:99:0.0:1", &reqs), -ENOSPC);
	assert_memory_equal(&before, &reqs, sizeof(before));
}

static void test_apply_requests(void **state)
{
	struct sriov_requests reqs = { 0 };

	(void)state;
	build(1, 4, 1, 1);
	enumerate();
	assert_int_equal(sriov_opt_parse("0000:01:00.0:4", &reqs), 0);
	assert_int_equal(sriov_opt_parse("0000:07:00.0:1", &reqs), 0);
	assert_int_equal(sriov_opt_parse("0000:00:02.0:1", &reqs), 0);
	assert_int_equal(sriov_apply_requests(&reqs), 2);
	assert_int_equal(pf->nr_vfs, 4);
	assert_true(log_captured("W/sriov: sriov=0000:07:00.0:1 not applied: no such function"));
	assert_true(log_captured("W/sriov: sriov=0000:00:02.0:1 not applied: not a PF or bad VF count"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_like_qemu_nvme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_stride_bus_carry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_stride_read_after_numvfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vf_beyond_subordinate_bus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_offset_or_stride, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs_not_answering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_failure_unregisters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_busy_while_referenced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_bus_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ari_hierarchy_only_in_lowest_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_firmware_left_vfs_enabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opt_parse_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opt_parse_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_requests, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
