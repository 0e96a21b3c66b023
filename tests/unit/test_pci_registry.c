/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "pci/dev.h"

static int setup(void **state)
{
	(void)state;
	pci_dev_registry_reset();
	log_capture_reset();
	return 0;
}

static struct pci_dev_desc fn_desc(uint8_t bus, uint8_t devfn)
{
	struct pci_dev_desc d;

	memset(&d, 0, sizeof(d));
	d.bus = bus;
	d.devfn = devfn;
	d.vendor = 0x1af4;
	d.device = 0x1041;
	d.class = 0x020000;
	d.rids[0] = PCI_RID(bus, devfn);
	d.nr_rids = 1;
	return d;
}

static struct pci_dev *add(const struct pci_dev_desc *desc)
{
	struct pci_dev *d = NULL;

	assert_int_equal(pci_dev_add(desc, &d), 0);
	assert_non_null(d);
	return d;
}

static struct pci_dev *add_bridge(uint8_t bus, uint8_t devfn, uint8_t sec, uint8_t sub)
{
	struct pci_dev_desc b = fn_desc(bus, devfn);

	b.header_type = PCI_HEADER_TYPE_BRIDGE;
	b.class = 0x060400;
	b.primary_bus = bus;
	b.secondary_bus = sec;
	b.subordinate_bus = sub;
	return add(&b);
}

static struct pci_dev *add_pf(uint8_t bus, uint8_t devfn, const struct pci_dev *bridge)
{
	struct pci_dev_desc pf = fn_desc(bus, devfn);

	pf.caps.pcie = 0x80;
	pf.caps.sriov = 0x160;
	pf.sriov.cap = 0x160;
	pf.sriov.total_vfs = 8;
	if (bridge) {
		pf.has_parent = true;
		pf.parent_bus = bridge->bus;
		pf.parent_devfn = bridge->devfn;
	}
	return add(&pf);
}

static struct pci_dev_desc vf_desc(const struct pci_dev *pf, uint8_t bus, uint8_t devfn,
				   uint16_t index)
{
	struct pci_dev_desc vf = fn_desc(bus, devfn);

	vf.device = 0x1042;
	vf.is_vf = true;
	vf.pf_bus = pf->bus;
	vf.pf_devfn = pf->devfn;
	vf.vf_index = index;
	return vf;
}

static struct pci_dev *add_vf(const struct pci_dev *pf, uint8_t bus, uint8_t devfn, uint16_t index)
{
	struct pci_dev_desc vf = vf_desc(pf, bus, devfn, index);

	return add(&vf);
}

static void test_add_find_refcounts(void **state)
{
	struct pci_dev_desc desc = fn_desc(1, PCI_DEVFN(0, 0));
	struct pci_dev *d, *found;

	(void)state;
	desc.flags = PCI_DEV_ROOT_BUS;
	d = add(&desc);
	assert_true(log_captured("I/pci: added 0000:01:00.0 1af4:1041 logical id 0x"));
	assert_int_equal(d->refcount, 2);           /* registry + ours */
	assert_int_equal(pci_dev_count(), 1);
	assert_int_equal(d->vendor, 0x1af4);
	assert_int_equal(d->class, 0x020000);
	assert_int_equal(d->flags, PCI_DEV_ROOT_BUS);
	assert_false(d->is_pf || d->is_vf);
	found = pci_dev_find(0, 1, PCI_DEVFN(0, 0));
	assert_ptr_equal(found, d);
	assert_int_equal(d->refcount, 3);
	pci_dev_put(found);
	pci_dev_put(d);
	assert_int_equal(d->refcount, 1);
	assert_null(pci_dev_find(0, 1, PCI_DEVFN(0, 1)));
	assert_null(pci_dev_find(1, 1, PCI_DEVFN(0, 0)));
	assert_int_equal(pci_dev_add(&desc, NULL), -EEXIST);
	assert_true(log_captured("W/pci: 0000:01:00.0 not registered: already registered"));
	assert_int_equal(pci_dev_count(), 1);
}

static void test_vf_without_pf(void **state)
{
	struct pci_dev_desc vf = fn_desc(1, PCI_DEVFN(0, 1));
	struct pci_dev *out = NULL, *plain;

	(void)state;
	vf.is_vf = true;
	vf.pf_bus = 1;
	vf.pf_devfn = PCI_DEVFN(0, 0);
	assert_int_equal(pci_dev_add(&vf, &out), -ENODEV);
	assert_null(out);
	assert_int_equal(pci_dev_count(), 0);
	assert_true(log_captured("W/pci: 0000:01:00.1 not registered: its PF is not registered"));
	/* No implicit PF: the PF's address is still free. */
	assert_null(pci_dev_find(0, 1, PCI_DEVFN(0, 0)));
	/* A function without SR-IOV is no PF either. */
	plain = add(&(struct pci_dev_desc){ .bus = 1, .devfn = 0, .vendor = 1 });
	assert_int_equal(pci_dev_add(&vf, NULL), -EINVAL);
	assert_int_equal(pci_dev_count(), 1);
	pci_dev_put(plain);
}

static void test_pf_removal_with_vfs_busy(void **state)
{
	struct pci_dev *pf, *vf[3];
	struct pci_dev pf_before, vf_before[3];

	(void)state;
	pf = add_pf(1, PCI_DEVFN(0, 0), NULL);
	for (unsigned i = 0; i < 3; i++) {
		vf[i] = add_vf(pf, 1, PCI_DEVFN(0, 1 + i), (uint16_t)i);
		pci_dev_put(vf[i]);                 /* the registry keeps them */
	}
	assert_true(log_captured("I/pci: added 0000:01:00.2 VF 1 of 0000:01:00.0"));
	assert_int_equal(pf->nr_vfs, 3);
	assert_int_equal(pf->refcount, 1 + 1 + 3);  /* registry, ours, one per VF */
	memcpy(&pf_before, pf, sizeof(pf_before));
	for (unsigned i = 0; i < 3; i++)
		memcpy(&vf_before[i], vf[i], sizeof(vf_before[i]));

	assert_int_equal(pci_dev_remove(pf), -EBUSY);
	assert_true(log_captured("W/pci: cannot remove PF 0000:01:00.0: 3 VFs are registered"));
	assert_memory_equal(&pf_before, pf, sizeof(pf_before));
	for (unsigned i = 0; i < 3; i++) {
		assert_memory_equal(&vf_before[i], vf[i], sizeof(vf_before[i]));
		assert_ptr_equal(vf[i]->pf, pf);
	}
	assert_int_equal(pci_dev_count(), 4);
	pci_dev_put(pf);
}

static void test_vfs_then_pf_removal(void **state)
{
	struct pci_dev *pf, *vf;

	(void)state;
	pf = add_pf(1, PCI_DEVFN(0, 0), NULL);
	pci_dev_put(add_vf(pf, 1, PCI_DEVFN(0, 1), 0));
	pci_dev_put(add_vf(pf, 1, PCI_DEVFN(0, 2), 1));
	vf = pci_dev_find(0, 1, PCI_DEVFN(0, 1));
	assert_int_equal(pci_dev_remove(vf), 0);
	assert_true(log_captured("I/pci: removed 0000:01:00.1"));
	assert_int_equal(pf->nr_vfs, 1);
	assert_int_equal(pf->vfs->vf_index, 1);
	assert_int_equal(pf->refcount, 3);
	assert_int_equal(pci_dev_remove_vfs(pf), 1);
	assert_int_equal(pf->nr_vfs, 0);
	assert_null(pf->vfs);
	assert_int_equal(pf->refcount, 2);
	assert_int_equal(pci_dev_remove(pf), 0);
	assert_int_equal(pci_dev_count(), 0);
	assert_null(pci_dev_find(0, 1, PCI_DEVFN(0, 0)));
}

static void test_references_prevent_free(void **state)
{
	struct pci_dev_desc desc = fn_desc(2, PCI_DEVFN(3, 0));
	struct pci_dev *d = add(&desc), *extra = pci_dev_get(d);
	struct pci_dev before;

	(void)state;
	memcpy(&before, d, sizeof(before));
	assert_int_equal(pci_dev_remove(d), -EBUSY);
	assert_true(log_captured("cannot remove 0000:02:03.0: in use (refcount 3, the registry's and the caller's are 2)"));
	assert_memory_equal(&before, d, sizeof(before));
	pci_dev_put(extra);
	/* A domain attached (the IOMMU hook) makes it busy too. */
	d->domain = (struct iommu_domain *)&before;   /* any non-NULL domain */
	assert_int_equal(pci_dev_remove(d), -EBUSY);
	assert_true(log_captured("domain attached"));
	d->domain = NULL;
	assert_int_equal(pci_dev_remove(d), 0);
}

static void test_freed_entry_poisoned(void **state)
{
	struct pci_dev_desc desc = fn_desc(2, PCI_DEVFN(3, 0));
	struct pci_dev *d = add(&desc);
	const uint8_t *bytes = (const uint8_t *)d;

	(void)state;
	assert_int_equal(pci_dev_remove(d), 0);
	assert_int_equal(d->state, PCI_DEV_STATE_FREED);
	assert_int_equal(bytes[offsetof(struct pci_dev, vendor)], PCI_DEV_POISON);
	assert_int_equal(bytes[offsetof(struct pci_dev, pf)], PCI_DEV_POISON);
	expect_assert_failure(pci_dev_get(d));
	expect_assert_failure(pci_dev_put(d));
	expect_assert_failure(pci_dev_get((struct pci_dev *)((char *)d + 8)));
}

static void test_put_of_registry_reference_panics(void **state)
{
	struct pci_dev_desc desc = fn_desc(2, 0);
	struct pci_dev *d = add(&desc);

	(void)state;
	pci_dev_put(d);
	assert_int_equal(d->refcount, 1);
	expect_assert_failure(pci_dev_put(d));
}

static void test_lookup_by_guid_and_logical_id(void **state)
{
	struct pci_dev_desc desc = fn_desc(3, PCI_DEVFN(4, 2));
	uint8_t guid[PCI_GUID_LEN];
	struct pci_dev *d, *found;

	(void)state;
	desc.seg = 2;
	desc.caps.dsn = 0x100;
	desc.caps.serial = 0xabcdef;
	d = add(&desc);
	pci_instance_guid(2, 3, PCI_DEVFN(4, 2), 0x1af4, 0x1041, true, 0xabcdef, guid);
	assert_memory_equal(d->guid, guid, PCI_GUID_LEN);
	assert_int_equal(d->logical_id, pci_logical_device_id(guid, PCI_DEVFN(4, 2)));
	assert_int_equal(d->logical_id & 7, 2);
	found = pci_dev_find_by_guid(guid);
	assert_ptr_equal(found, d);
	pci_dev_put(found);
	found = pci_dev_find_by_logical_id(d->logical_id);
	assert_ptr_equal(found, d);
	pci_dev_put(found);
	assert_null(pci_dev_find_by_logical_id(d->logical_id ^ 1));
	guid[15] ^= 1;
	assert_null(pci_dev_find_by_guid(guid));
	guid[15] ^= 1;
	assert_int_equal(pci_dev_remove(d), 0);
	assert_null(pci_dev_find_by_guid(guid));
}

static void test_logical_id_collision_resolved(void **state)
{
	/* Precomputed: these two functions' first GUIDs share logical id 0x3cc689d8. */
	struct pci_dev_desc a = fn_desc(0x06, PCI_DEVFN(17, 0));
	struct pci_dev_desc b = fn_desc(0x29, PCI_DEVFN(27, 0));
	struct pci_dev *da, *db, *found;

	(void)state;
	da = add(&a);
	assert_int_equal(da->logical_id, 0x3cc689d8);
	db = add(&b);
	assert_true(log_captured("W/pci: 0000:29:1b.0: logical id collision, GUID attempt 1 used"));
	assert_int_not_equal(db->logical_id, da->logical_id);
	found = pci_dev_find_by_logical_id(0x3cc689d8);
	assert_ptr_equal(found, da);
	pci_dev_put(found);
	found = pci_dev_find_by_logical_id(db->logical_id);
	assert_ptr_equal(found, db);
	pci_dev_put(found);
	pci_dev_put(da);
	pci_dev_put(db);
}

static void test_pool_exhaustion(void **state)
{
	struct pci_dev *victim;

	(void)state;
	for (unsigned i = 0; i < PCI_DEV_POOL_SIZE; i++) {
		struct pci_dev_desc d = fn_desc((uint8_t)(i / 256), (uint8_t)i);

		d.seg = (uint16_t)(i / 256);
		assert_int_equal(pci_dev_add(&d, NULL), 0);
	}
	assert_int_equal(pci_dev_count(), PCI_DEV_POOL_SIZE);
	{
		struct pci_dev_desc extra = fn_desc(9, 0);

		log_capture_reset();                /* 512 "added" lines filled the capture */
		assert_int_equal(pci_dev_add(&extra, NULL), -ENOMEM);
		assert_true(log_captured("E/pci: device pool exhausted (512 devices), 0000:09:00.0 not registered"));
		victim = pci_dev_find(1, 1, 7);
		assert_non_null(victim);
		assert_int_equal(pci_dev_remove(victim), 0);
		assert_int_equal(pci_dev_add(&extra, NULL), 0);
	}
	assert_int_equal(pci_dev_count(), PCI_DEV_POOL_SIZE);
}

static void test_bridge_children(void **state)
{
	struct pci_dev *br, *child;
	struct pci_dev_desc c = fn_desc(5, 0);

	(void)state;
	c.has_parent = true;
	c.parent_bus = 0;
	c.parent_devfn = PCI_DEVFN(2, 0);
	assert_int_equal(pci_dev_add(&c, NULL), -ENODEV);
	assert_true(log_captured("its parent bridge is not registered"));
	br = add_bridge(0, PCI_DEVFN(2, 0), 1, 4);
	assert_int_equal(pci_dev_add(&c, NULL), -EINVAL);    /* bus 5 is not behind 1-4 */
	c.bus = 4;
	child = add(&c);
	assert_ptr_equal(child->parent, br);
	assert_int_equal(br->refcount, 3);
	assert_int_equal(pci_dev_remove(br), -EBUSY);
	assert_int_equal(pci_dev_remove(child), 0);
	assert_int_equal(br->refcount, 2);
	assert_int_equal(pci_dev_remove(br), 0);
	assert_int_equal(pci_dev_count(), 0);
}

static void test_vf_bus_checked_against_bridge(void **state)
{
	struct pci_dev *br = add_bridge(0, PCI_DEVFN(1, 0), 1, 2);
	struct pci_dev *pf = add_pf(1, 0, br);
	struct pci_dev_desc vf = vf_desc(pf, 3, 0, 0);

	(void)state;
	assert_int_equal(pci_dev_add(&vf, NULL), -EINVAL);
	vf.bus = 2;
	pci_dev_put(add(&vf));
	assert_int_equal(pf->nr_vfs, 1);
	assert_ptr_equal(pf->vfs->parent, br);      /* VFs hang below the PF's bridge */
	pci_dev_put(pf);
	pci_dev_put(br);
}

static void test_remove_vfs_all_or_nothing(void **state)
{
	struct pci_dev *pf = add_pf(1, 0, NULL), *held;

	(void)state;
	/* Added out of order: the PF lists them by index. */
	pci_dev_put(add_vf(pf, 1, PCI_DEVFN(0, 3), 2));
	pci_dev_put(add_vf(pf, 1, PCI_DEVFN(0, 1), 0));
	pci_dev_put(add_vf(pf, 1, PCI_DEVFN(0, 2), 1));
	assert_int_equal(pf->vfs->vf_index, 0);
	assert_int_equal(pf->vfs->vf_next->vf_index, 1);
	assert_int_equal(pf->vfs->vf_next->vf_next->vf_index, 2);
	held = pci_dev_find(0, 1, PCI_DEVFN(0, 3));
	assert_int_equal(pci_dev_remove_vfs(pf), -EBUSY);
	assert_true(log_captured("W/pci: cannot remove the VFs of 0000:01:00.0: VF 0000:01:00.3 is in use"));
	assert_int_equal(pf->nr_vfs, 3);
	assert_int_equal(pci_dev_count(), 4);
	pci_dev_put(held);
	pf->vfs->vf_next->domain = (struct iommu_domain *)pf;             /* attached to a domain: busy as well */
	assert_int_equal(pci_dev_remove_vfs(pf), -EBUSY);
	pf->vfs->vf_next->domain = NULL;
	assert_int_equal(pci_dev_remove_vfs(pf), 3);
	assert_int_equal(pci_dev_count(), 1);
	assert_int_equal(pf->refcount, 2);
	pci_dev_put(pf);
}

struct walk {
	uint32_t keys[8];
	unsigned n;
	unsigned stop_after;
};

static int record(struct pci_dev *d, void *ctx)
{
	struct walk *w = ctx;

	w->keys[w->n++] = (uint32_t)d->seg << 16 | pci_dev_rid(d);
	return w->n == w->stop_after ? 42 : 0;
}

static void test_for_each_sorted(void **state)
{
	static const uint32_t order[][2] = { { 1, 0x0100 }, { 0, 0x0300 }, { 0, 0x0008 }, { 0, 0x0001 } };
	struct walk w = { .n = 0 };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		struct pci_dev_desc d = fn_desc(PCI_RID_BUS(order[i][1]), PCI_RID_DEVFN(order[i][1]));

		d.seg = (uint16_t)order[i][0];
		assert_int_equal(pci_dev_add(&d, NULL), 0);
	}
	assert_int_equal(pci_dev_for_each(record, &w), 0);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.keys[0], 0x00000001);
	assert_int_equal(w.keys[1], 0x00000008);
	assert_int_equal(w.keys[2], 0x00000300);
	assert_int_equal(w.keys[3], 0x00010100);
	w.n = 0;
	w.stop_after = 2;
	assert_int_equal(pci_dev_for_each(record, &w), 42);
	assert_int_equal(w.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_find_refcounts, setup),
		cmocka_unit_test_setup(test_vf_without_pf, setup),
		cmocka_unit_test_setup(test_pf_removal_with_vfs_busy, setup),
		cmocka_unit_test_setup(test_vfs_then_pf_removal, setup),
		cmocka_unit_test_setup(test_references_prevent_free, setup),
		cmocka_unit_test_setup(test_freed_entry_poisoned, setup),
		cmocka_unit_test_setup(test_put_of_registry_reference_panics, setup),
		cmocka_unit_test_setup(test_lookup_by_guid_and_logical_id, setup),
		cmocka_unit_test_setup(test_logical_id_collision_resolved, setup),
		cmocka_unit_test_setup(test_pool_exhaustion, setup),
		cmocka_unit_test_setup(test_bridge_children, setup),
		cmocka_unit_test_setup(test_vf_bus_checked_against_bridge, setup),
		cmocka_unit_test_setup(test_remove_vfs_all_or_nothing, setup),
		cmocka_unit_test_setup(test_for_each_sorted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
