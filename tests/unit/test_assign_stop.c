/* SPDX-License-Identifier: MIT */
/*
 * Direct attach interrupted, over the real domain layer (iommu/iommu.c and
 * share.c, whose fake unit of tests/unit/fake_devdom.h mirrors a child's
 * stage-2) and the real partition layer (kernel/partition/assign.c): an
 * attach whose context write or mirror fails at step K, a stop of the
 * child arriving between the attach call's checks and the attach itself
 * (another CPU's part_stop), a quarantine whose move fails. Afterwards every
 * device is in exactly one domain, its group with it; a stopped child's
 * devices are blocked with bus mastering off; no table page is left behind.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "tests/unit/fake_devdom.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/hvcall/pool.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/regs.h"

#define ECAM_BASE 0xb0000000ULL
#define LOGICAL   0x10

/* ---- the partition layer's other seams ---- */

uint64_t s2_layout_ecam_page(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	(void)seg;
	return ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12);
}
int part_s2_flush_cpus(struct partition *p) { (void)p; return 0; }
bool part_owns_dev(const struct partition *p, const struct pci_dev *d)
{
	struct partition *owner;

	if (part_dev_assigned(d, &owner))
		return owner == p;
	return p->is_root;
}

/* ---- fixture ---- */

static paddr_t pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }
static const struct pt_pool frames_pool = { pool_alloc, pool_free, NULL };
static uint64_t free_at_start;

/* Frames free, plus those the two stage-2s hold (they grow when MMIO moves between them). */
static uint64_t free_frames(void)
{
	struct frames_stats st;

	frames_get_stats(&st);
	return st.free_frames + fdd_root()->s2.stats.tables + fdd_child()->s2.stats.tables;
}

static void bus_master_on(const struct pci_dev *d)
{
	fake_pci_set_command(fake_pci_find(d->seg, d->bus, d->devfn), PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
}

static bool bus_master(const struct pci_dev *d)
{
	return fake_pci_peek(fake_pci_find(d->seg, d->bus, d->devfn), PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER;
}

static int setup(void **state)
{
	struct fake_devdom_opts o = { .phys_add = phys_arena_add };
	struct partition *c = fdd_child();
	uint64_t done;

	(void)state;
	phys_arena_reset();
	log_capture_reset();
	assert_int_equal(fake_devdom_setup(&o), 0);
	c->state = PART_RUNNING;
	fdd_root()->state = PART_RUNNING;
	assert_int_equal(pt_init(&fdd_root()->s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M, &frames_pool, NULL), 0);
	assert_int_equal(pt_init(&c->s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M, &frames_pool, NULL), 0);
	c->s2.pa_limit = 1ull << 48;
	assert_int_equal(pt_map_range(&c->s2, 0, CHILD_HPA, CHILD_SIZE, PT_READ | PT_WRITE | PT_EXEC, &done), 0);
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		bus_master_on(fdd.devs[i]);
	free_at_start = free_frames();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* assign.c's table is static: leave nothing for the next test. */
	if (part_unassign_device(fdd_child(), LOGICAL) < 0)
		(void)0;   /* nothing was attached */
	pt_destroy(&fdd_child()->s2);
	pt_destroy(&fdd_root()->s2);
	fake_devdom_teardown();
	return 0;
}

static void assert_one_domain_each(void)
{
	assert_null(fake_devdom_domains_broken());
}

/* Nothing of the child's shared domain or its mirror is left. */
static void assert_no_shared_domain(void)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		assert_true(!d || d->kind != IOMMU_DOMAIN_SHARED);
	}
	assert_int_equal(free_frames(), free_at_start);
}

/* ---- an attach that fails half-way ---- */

/* The group of two behind the bridge: its K-th context write fails, for every K of the move. */
static void test_group_attach_failing_at_each_context_write(void **state)
{
	unsigned writes;

	(void)state;
	/* How many writes a whole move takes: attach and detach once. */
	fdd.set_rids = 0;
	assert_int_equal(part_assign_device(fdd_child(), fdd.conv1, LOGICAL, NULL), 0);
	writes = fdd.set_rids;
	assert_true(writes >= 2);
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_no_shared_domain();
	for (unsigned k = 1; k <= writes; k++) {
		fdd.set_rids = 0;
		fdd.fail_set_rid = k;
		bus_master_on(fdd.conv1);
		assert_int_not_equal(part_assign_device(fdd_child(), fdd.conv1, LOGICAL, NULL), 0);
		fdd.fail_set_rid = 0;
		assert_one_domain_each();
		/* Still the root's, in its default domain, and the child holds nothing. */
		assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_default());
		assert_false(part_dev_assigned(fdd.conv1, NULL));
		assert_false(bus_master(fdd.conv1));
		assert_no_shared_domain();
	}
}

/* The mirror of the child's stage-2 runs out of table pages at each step. */
static void test_attach_with_a_mirror_out_of_pages(void **state)
{
	paddr_t hoard[1024];
	unsigned n = 0, need = 0;

	(void)state;
	/* Leave the allocator k frames, for growing k, until the attach goes through. */
	for (unsigned k = 0; k < 16; k++) {
		while (n < ARRAY_SIZE(hoard) && (hoard[n] = frame_alloc()))
			n++;
		for (unsigned i = 0; i < k; i++)
			frames_free(hoard[--n], 1);
		free_at_start = free_frames();
		if (part_assign_device(fdd_child(), fdd.nic, LOGICAL, NULL) == 0) {
			need = k;
			break;
		}
		assert_ptr_equal(iommu_domain_of(fdd.nic), iommu_domain_default());
		assert_false(part_dev_assigned(fdd.nic, NULL));
		assert_one_domain_each();
		assert_no_shared_domain();
	}
	assert_true(need > 0);
	assert_ptr_not_equal(iommu_domain_of(fdd.nic), iommu_domain_default());
	while (n)
		frames_free(hoard[--n], 1);
}

/* ---- stop ---- */

/*
 * The root's ATTACH_DEVICE saw the child running; the child stops on
 * another CPU (part_stop: state, then quarantine of what it has, nothing
 * yet) before the attach takes the lock. The attach must not then give the
 * stopped child a live device that nothing will ever quarantine.
 */
static void test_stop_between_attach_check_and_attach(void **state)
{
	(void)state;
	fdd_child()->state = PART_STOPPED;
	part_quarantine_devices(fdd_child());
	assert_int_equal(part_assign_device(fdd_child(), fdd.edu, LOGICAL, NULL), -ESTALE);
	assert_ptr_equal(iommu_domain_of(fdd.edu), iommu_domain_default());
	assert_false(part_dev_assigned(fdd.edu, NULL));
	assert_one_domain_each();
	assert_no_shared_domain();
}

/* Attached, then stopped: null domain, bus mastering off, the mirror freed. */
static void test_stop_quarantines_the_group(void **state)
{
	struct partition *owner = fdd_root();

	(void)state;
	assert_int_equal(part_assign_device(fdd_child(), fdd.conv2, LOGICAL, NULL), 0);
	bus_master_on(fdd.conv1);
	bus_master_on(fdd.conv2);
	fdd_child()->state = PART_STOPPED;
	part_quarantine_devices(fdd_child());
	assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_null());
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_null());
	assert_false(bus_master(fdd.conv1));
	assert_false(bus_master(fdd.conv2));
	assert_true(part_dev_assigned(fdd.conv1, &owner));
	assert_null(owner);
	assert_one_domain_each();
	assert_no_shared_domain();
	/* Given back to the root: its default domain again. */
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_default());
	assert_one_domain_each();
}

/*
 * The operator's quarantine (the shell) of a group a running child has: recorded as
 * quarantined under the attach lock, so the child's mirror goes and the root may attach it
 * again; of a root device: the null domain, and nothing recorded.
 */
static void test_operator_quarantine_of_an_attached_group(void **state)
{
	struct partition *owner = fdd_root();

	(void)state;
	assert_int_equal(part_assign_device(fdd_child(), fdd.conv2, LOGICAL, NULL), 0);
	bus_master_on(fdd.conv1);
	assert_int_equal(part_quarantine_device(fdd.conv1), 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_null());
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_null());
	assert_false(bus_master(fdd.conv1));
	assert_true(part_dev_assigned(fdd.conv2, &owner));
	assert_null(owner);                       /* nobody's, the running child's neither */
	assert_false(part_owns_dev(fdd_child(), fdd.conv2));
	assert_no_shared_domain();
	assert_one_domain_each();
	/* The root attaches it again. */
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_default());
	/* A root device: the null domain, bus mastering off, not recorded as a child's. */
	bus_master_on(fdd.nic);
	assert_int_equal(part_quarantine_device(fdd.nic), 0);
	assert_ptr_equal(iommu_domain_of(fdd.nic), iommu_domain_null());
	assert_false(bus_master(fdd.nic));
	assert_false(part_dev_assigned(fdd.nic, NULL));
	assert_one_domain_each();
}

/* The quarantine's own move fails at each context write: the group ends blocked all the same. */
static void test_quarantine_failing_at_each_context_write(void **state)
{
	(void)state;
	for (unsigned k = 1; k <= 4; k++) {
		fdd_child()->state = PART_RUNNING;
		assert_int_equal(part_assign_device(fdd_child(), fdd.conv1, LOGICAL, NULL), 0);
		fdd.set_rids = 0;
		fdd.fail_set_rid = k;
		fdd_child()->state = PART_STOPPED;
		part_quarantine_devices(fdd_child());
		fdd.fail_set_rid = 0;
		assert_one_domain_each();
		assert_false(bus_master(fdd.conv1));
		assert_false(bus_master(fdd.conv2));
		/* Not the child's shared domain: that one is gone, its mirror with it. */
		assert_true(iommu_domain_of(fdd.conv1)->kind == IOMMU_DOMAIN_BLOCKED);
		assert_no_shared_domain();
		assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
		assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_default());
	}
}


/* ---- the mirror holds what the stage-2 maps, not the RAM list ---- */

static const struct iommu_domain *shared_of_child(void)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		if (d && d->kind == IOMMU_DOMAIN_SHARED)
			return d;
	}
	return NULL;
}

/* A page the root took away before the first attach stays out of the mirror built then. */
static void test_mirror_leaves_out_a_page_revoked_before_attach(void **state)
{
	const struct iommu_domain *d;
	unsigned perms = 0;
	paddr_t pa = 0;

	(void)state;
	assert_int_equal(part_s2_revoke(fdd_child(), 0x3000, PAGE_SIZE), 0);
	assert_int_equal(part_assign_device(fdd_child(), fdd.nic, LOGICAL, NULL), 0);   /* edu has a unity range */
	d = shared_of_child();
	assert_non_null(d);
	assert_null(d->s2);   /* the fake unit mirrors */
	assert_int_equal(pt_lookup(&d->pt, 0x3000, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&d->pt, 0x2000, &pa, &perms, NULL), 0);
	assert_int_equal(pa, CHILD_HPA + 0x2000);
	assert_int_equal(perms & (PT_READ | PT_WRITE), PT_READ | PT_WRITE);
	assert_int_equal(pt_lookup(&d->pt, CHILD_SIZE - PAGE_SIZE, &pa, NULL, NULL), 0);
	assert_int_equal(pa, CHILD_HPA + CHILD_SIZE - PAGE_SIZE);
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
}

/* ---- a mirror's tables come from the child's deposit pool (ATTACH_DEVICE) ---- */

#define DEPOSIT_BASE 0x1800000ULL   /* root pages the root deposits to the child */
#define GRANT_HPA    0x1000000ULL   /* a root page the root grants to the child */
#define FAR_GPA      (1ULL << 30)   /* a child GPA whose mirror entry needs new tables */

static unsigned deposited;

/* The root deposits n more of its pages into the child's pool (what DEPOSIT_MEMORY records). */
static void deposit_to_child(unsigned n)
{
	for (unsigned i = 0; i < n; i++, deposited++) {
		uint64_t gpa = DEPOSIT_BASE + (uint64_t)deposited * PAGE_SIZE;

		assert_int_equal(hv_pool_add(fdd_child(), fdd_root()->id, gpa, gpa, true), 0);
	}
}

/* What the root gets back with WITHDRAW_MEMORY: the free pages, no more. */
static unsigned withdraw_all(void)
{
	unsigned n = 0;
	uint64_t gpa;
	paddr_t hpa;
	bool dma;

	while (hv_pool_take_free(fdd_child(), fdd_root()->id, &gpa, &hpa, &dma) == 0)
		n++;
	return n;
}

/* The root's loop: attach, INSUFFICIENT_MEMORY (-ENOMEM), one more page to the child, again. */
static void attach_from_child_pool(struct pci_dev *dev)
{
	struct pt_pool pool;
	int rc;

	hv_pool_pt_pool(fdd_child(), &pool);
	while ((rc = part_assign_device(fdd_child(), dev, LOGICAL, &pool)) == -ENOMEM) {
		/* Nothing attached, nothing of the mirror left, no monitor frame used. */
		assert_ptr_equal(iommu_domain_of(dev), iommu_domain_default());
		assert_false(part_dev_assigned(dev, NULL));
		assert_one_domain_each();
		assert_no_shared_domain();
		assert_int_equal(hv_pool_in_use(fdd_child()), 0);
		assert_true(deposited < 64);
		deposit_to_child(1);
	}
	assert_int_equal(rc, 0);
}

static void test_attach_takes_mirror_tables_from_the_child_pool(void **state)
{
	deposited = 0;
	(void)state;
	attach_from_child_pool(fdd.nic);
	assert_true(deposited > 0);
	assert_non_null(shared_of_child());
	/* Every page of the mirror is one of the child's pool, in use; the monitor gave none. */
	assert_int_equal(hv_pool_in_use(fdd_child()), iommu_domain_table_pages(shared_of_child()));
	assert_int_equal(hv_pool_in_use(fdd_child()), deposited);
	assert_int_equal(free_frames(), free_at_start);
	assert_int_equal(withdraw_all(), 0);   /* tables in use are not withdrawable */
	/* Detached: the mirror is gone, its pages free in the child's pool, and withdrawable. */
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_no_shared_domain();
	assert_int_equal(hv_pool_in_use(fdd_child()), 0);
	assert_int_equal(hv_pool_pages(fdd_child()), deposited);
	assert_int_equal(withdraw_all(), deposited);
	assert_int_equal(hv_pool_pages(fdd_child()), 0);
}

/* A grant whose mirror entry needs new tables, the child's pool empty: refused whole. */
static void test_grant_with_an_empty_child_pool(void **state)
{
	unsigned used;
	paddr_t pa = 0;

	deposited = 0;
	(void)state;
	attach_from_child_pool(fdd.nic);
	used = hv_pool_in_use(fdd_child());
	assert_int_equal(part_s2_grant(fdd_child(), FAR_GPA, GRANT_HPA, PAGE_SIZE, PT_READ | PT_WRITE), -ENOMEM);
	assert_int_equal(pt_lookup(&fdd_child()->s2, FAR_GPA, NULL, NULL, NULL), -ENOENT);   /* stage-2 unchanged */
	assert_int_equal(pt_lookup(&shared_of_child()->pt, FAR_GPA, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(hv_pool_in_use(fdd_child()), used);
	/* One page is not enough for the two tables it needs: still nothing half-done. */
	deposit_to_child(1);
	assert_int_equal(part_s2_grant(fdd_child(), FAR_GPA, GRANT_HPA, PAGE_SIZE, PT_READ | PT_WRITE), -ENOMEM);
	assert_int_equal(pt_lookup(&fdd_child()->s2, FAR_GPA, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(hv_pool_in_use(fdd_child()), used);
	deposit_to_child(1);
	assert_int_equal(part_s2_grant(fdd_child(), FAR_GPA, GRANT_HPA, PAGE_SIZE, PT_READ | PT_WRITE), 0);
	assert_int_equal(pt_lookup(&shared_of_child()->pt, FAR_GPA, &pa, NULL, NULL), 0);
	assert_int_equal(pa, GRANT_HPA);
	assert_int_equal(hv_pool_in_use(fdd_child()), used + 2);
	assert_int_equal(hv_pool_in_use(fdd_child()), iommu_domain_table_pages(shared_of_child()));
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_int_equal(hv_pool_in_use(fdd_child()), 0);
	assert_int_equal(withdraw_all(), deposited);
}

/* A revoke that splits a 2M leaf of the mirror, the pool empty: the page stays the child's, for CPUs and devices alike. */
static void test_revoke_split_with_an_empty_child_pool(void **state)
{
	paddr_t pa = 0;

	deposited = 0;
	(void)state;
	attach_from_child_pool(fdd.nic);
	assert_int_equal(part_s2_revoke(fdd_child(), 0x3000, PAGE_SIZE), -ENOMEM);
	assert_int_equal(pt_lookup(&fdd_child()->s2, 0x3000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, CHILD_HPA + 0x3000);
	assert_int_equal(pt_lookup(&shared_of_child()->pt, 0x3000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, CHILD_HPA + 0x3000);
	deposit_to_child(1);
	assert_int_equal(part_s2_revoke(fdd_child(), 0x3000, PAGE_SIZE), 0);
	assert_int_equal(pt_lookup(&fdd_child()->s2, 0x3000, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&shared_of_child()->pt, 0x3000, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(part_unassign_device(fdd_child(), LOGICAL), 0);
	assert_int_equal(withdraw_all(), deposited);
}

/* The child stops: quarantine destroys the mirror, its pages are free in the child's pool. */
static void test_quarantine_frees_the_child_pool(void **state)
{
	deposited = 0;
	(void)state;
	attach_from_child_pool(fdd.nic);
	assert_true(hv_pool_in_use(fdd_child()) > 0);
	fdd_child()->state = PART_STOPPED;
	part_quarantine_devices(fdd_child());
	assert_no_shared_domain();
	assert_int_equal(hv_pool_in_use(fdd_child()), 0);
	assert_int_equal(withdraw_all(), deposited);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_group_attach_failing_at_each_context_write),
		T(test_attach_with_a_mirror_out_of_pages),
		T(test_stop_between_attach_check_and_attach),
		T(test_stop_quarantines_the_group),
		T(test_quarantine_failing_at_each_context_write),
		T(test_mirror_leaves_out_a_page_revoked_before_attach),
		T(test_operator_quarantine_of_an_attached_group),
		T(test_attach_takes_mirror_tables_from_the_child_pool),
		T(test_grant_with_an_empty_child_pool),
		T(test_revoke_split_with_an_empty_child_pool),
		T(test_quarantine_frees_the_child_pool),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
