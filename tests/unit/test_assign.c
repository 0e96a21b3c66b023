/* SPDX-License-Identifier: MIT */
/*
 * Direct attach in the partition layer (kernel/partition/assign.c) with
 * real stage-2 tables and a fake IOMMU layer, PCI config space and CPU
 * flush that record every request and fail on demand: what moves, what is
 * undone when a step fails, quarantine, and a child's stage-2 changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/partition/exits.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define ARENA_BASE 0x10000000ULL
#define ARENA_SIZE (4 * MiB)
#define BAR0       0xfe000000ULL
#define ECAM_BASE  0xb0000000ULL

struct partition partitions[PART_MAX];
unsigned partition_count;

/* ---- Fake IOMMU layer ------------------------------------------------------------- */
static struct iommu_domain dom_default = { .id = 0 }, dom_null = { .id = 0xffffffff }, dom_shared;
static struct iommu_domain *dev_dom;          /* the one group's domain */
static unsigned share_calls, attach_calls, shared_maps, shared_unmaps, ram_adds, dom_commits;
static int attach_rc;
static bool share_mirrors;

struct iommu_domain *iommu_domain_default(void) { return &dom_default; }
struct iommu_domain *iommu_domain_null(void) { return &dom_null; }
struct iommu_domain *iommu_domain_of(const struct pci_dev *dev) { (void)dev; return dev_dom; }
struct iommu_domain *iommu_domain_share(uint32_t id, const struct pt_table *s2, const struct pt_pool *pool,
					const char **how, int *err)
{
	(void)pool;
	share_calls++;
	dom_shared = (struct iommu_domain){ .id = id, .kind = IOMMU_DOMAIN_SHARED, .s2 = share_mirrors ? NULL : s2 };
	*how = share_mirrors ? "mirror for the test" : "shared";
	*err = 0;
	return &dom_shared;
}
int iommu_domain_destroy(struct iommu_domain *d) { (void)d; return 0; }
uint64_t iommu_domain_table_pages(const struct iommu_domain *d) { (void)d; return 0; }
int iommu_shared_map(struct iommu_domain *d, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	(void)d; (void)gpa; (void)hpa; (void)size; (void)perms;
	shared_maps++;
	return 0;
}
int iommu_shared_unmap(struct iommu_domain *d, uint64_t gpa, uint64_t size)
{
	(void)d; (void)gpa; (void)size;
	shared_unmaps++;
	return 0;
}
/* One invalidation per operation on a stage-2 a device sees. */
int iommu_flush_commit(struct iommu_domain *d, const struct iommu_flush_acc *also)
{
	assert_ptr_equal(d, &dom_shared);
	assert_null(also);
	dom_commits++;
	return 1;
}
int iommu_group_attach(struct iommu_domain *d, struct pci_group *g)
{
	(void)g;
	attach_calls++;
	if (attach_rc)
		return attach_rc;
	if (d == dev_dom)
		return -EALREADY;
	dev_dom = d;
	return 0;
}
int iommu_quarantine(struct pci_dev *d) { return iommu_group_attach(&dom_null, d->group); }
int iommu_group_detach(struct pci_group *g) { int rc = iommu_group_attach(&dom_default, g); return rc == -EALREADY ? 0 : rc; }
int iommu_ram_add(paddr_t base, uint64_t size, bool root) { (void)base; (void)size; (void)root; ram_adds++; return 0; }

/* ---- Fake PCI, layout, CPU flush --------------------------------------------------- */
static uint16_t command = PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER;
uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	(void)seg; (void)bus; (void)devfn; (void)width;
	return off == PCI_COMMAND ? command : 0;
}
void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	(void)seg; (void)bus; (void)devfn; (void)width;
	if (off == PCI_COMMAND)
		command = (uint16_t)val;
}
static unsigned refs;
struct pci_dev *pci_dev_get(struct pci_dev *d) { refs++; return d; }
void pci_dev_put(struct pci_dev *d) { (void)d; refs--; }
uint64_t s2_layout_ecam_page(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	(void)seg;
	return ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12);
}
static unsigned cpu_flushes[PART_MAX];
static int flush_rc;
int part_s2_flush_cpus(struct partition *p) { cpu_flushes[p - partitions]++; return flush_rc; }
bool part_owns_dev(const struct partition *p, const struct pci_dev *d)
{
	struct partition *owner;

	if (part_dev_assigned(d, &owner))
		return owner == p;
	return p->is_root;
}

/* ---- Fixture ------------------------------------------------------------------------- */
static uint8_t *arena;
static struct pci_dev dev;
static struct pci_group group;
static struct partition *root = &partitions[0], *c1 = &partitions[1], *c2 = &partitions[2];

static paddr_t pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }
static const struct pt_pool pool = { pool_alloc, pool_free, NULL };

static void s2_init(struct partition *p)
{
	assert_int_equal(pt_init(&p->s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M, &pool, NULL), 0);
}

static bool maps(struct partition *p, uint64_t gpa)
{
	paddr_t pa;

	return pt_lookup(&p->s2, gpa, &pa, NULL, NULL) == 0 && pa == gpa;
}

static int setup(void **state)
{
	struct phys_range r = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };

	(void)state;
	arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	assert_int_equal(frames_init(&r, 1), 0);
	memset(partitions, 0, sizeof(partitions));
	partition_count = 3;
	root->id = 1; root->is_root = true; strcpy(root->name, "root");
	c1->id = 2; strcpy(c1->name, "c1");
	c2->id = 3; strcpy(c2->name, "c2");
	for (unsigned i = 0; i < 3; i++)
		s2_init(&partitions[i]);
	c1->ram[0] = (struct part_chunk){ 0, 0x20000000, 64 * MiB };
	c1->ram_chunks = 1;
	/* Its RAM in its stage-2, as the boot builds it (a mirror copies what the stage-2 maps). */
	assert_int_equal(pt_map_range(&c1->s2, 0, 0x20000000, 64 * MiB, PT_READ | PT_WRITE | PT_EXEC, NULL), 0);
	/* The root maps the device's BAR and config page, identity. */
	assert_int_equal(pt_map_range(&root->s2, BAR0, BAR0, 0x100000, PT_READ | PT_WRITE, NULL), 0);
	assert_int_equal(pt_map_range(&root->s2, s2_layout_ecam_page(0, 1, 0), s2_layout_ecam_page(0, 1, 0),
				      PAGE_SIZE, PT_READ | PT_WRITE, NULL), 0);
	memset(&dev, 0, sizeof(dev));
	dev.bus = 1;
	dev.bars[0] = (struct pci_bar){ BAR0, 0x100000, PCI_BAR_MEM32 };
	dev.group = &group;
	group = (struct pci_group){ .id = 7, .nr_devs = 1, .devs = &dev };
	dev_dom = &dom_default;
	share_calls = attach_calls = shared_maps = shared_unmaps = ram_adds = refs = dom_commits = 0;
	attach_rc = flush_rc = 0;
	share_mirrors = false;
	memset(cpu_flushes, 0, sizeof(cpu_flushes));
	command = PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* Leave no assignment behind for the next test (the table is static). */
	if (part_unassign_device(c1, 0x10) < 0 && part_unassign_device(c2, 0x20) < 0)
		(void)0;   /* nothing was attached */
	for (unsigned i = 0; i < 3; i++)
		pt_destroy(&partitions[i].s2);
	free(arena);
	return 0;
}

/* ---- Tests ------------------------------------------------------------------------------ */
static void test_attach_moves_mmio_config_and_dma(void **state)
{
	struct partition *owner;
	uint64_t ecam = s2_layout_ecam_page(0, 1, 0);

	(void)state;
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), 0);
	assert_false(maps(root, BAR0) || maps(root, BAR0 + 0xff000) || maps(root, ecam));
	assert_true(maps(c1, BAR0) && maps(c1, BAR0 + 0xff000) && maps(c1, ecam));
	assert_int_equal(cpu_flushes[0], 1);            /* every root CPU dropped the old BAR translation */
	assert_false(command & PCI_COMMAND_BUS_MASTER);  /* the child turns it on when it is ready */
	assert_ptr_equal(dev_dom, &dom_shared);
	assert_ptr_equal(dom_shared.s2, &c1->s2);
	assert_true(part_dev_assigned(&dev, &owner));
	assert_ptr_equal(owner, c1);
	assert_true(part_owns_dev(c1, &dev) && !part_owns_dev(root, &dev));
	assert_true(part_root_ecam_hidden(ecam + 0x10));
	assert_ptr_equal(part_assigned_dev(c1, 0x10), &dev);
	pci_dev_put(&dev);
	assert_null(part_assigned_dev(c1, 0x11));
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), -EEXIST);
}

static void test_failed_dma_move_undoes_the_mmio_move(void **state)
{
	(void)state;
	attach_rc = -EIO;
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), -EIO);
	assert_true(maps(root, BAR0) && maps(root, s2_layout_ecam_page(0, 1, 0)));
	assert_false(maps(c1, BAR0));
	assert_false(part_dev_assigned(&dev, NULL));
	assert_ptr_equal(dev_dom, &dom_default);
	assert_int_equal(refs, 0);
}

static void test_failed_root_flush_keeps_everything(void **state)
{
	(void)state;
	flush_rc = -ETIMEDOUT;   /* a root CPU might still reach the BAR: the device cannot go */
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), -ETIMEDOUT);
	assert_true(maps(root, BAR0));
	assert_false(maps(c1, BAR0));
	assert_int_equal(attach_calls, 0);
	assert_false(part_dev_assigned(&dev, NULL));
}

static void test_sub_page_bar_and_busy_group_are_refused(void **state)
{
	(void)state;
	dev.bars[1] = (struct pci_bar){ BAR0 + 0x100000, 0x100, PCI_BAR_MEM32 };
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), -EINVAL);
	dev.bars[1] = (struct pci_bar){ 0 };
	dev_dom = &dom_shared;   /* in some device domain */
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), -EBUSY);
	assert_int_equal(part_assign_device(root, &dev, 0x10, NULL), -EINVAL);
	assert_true(maps(root, BAR0));
	assert_int_equal(attach_calls, 0);
}

static void test_quarantine_then_attach_elsewhere(void **state)
{
	struct partition *owner = c1;

	(void)state;
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), 0);
	command |= PCI_COMMAND_BUS_MASTER;   /* the child turned it on */
	part_quarantine_devices(c1);
	assert_ptr_equal(dev_dom, &dom_null);
	assert_false(command & PCI_COMMAND_BUS_MASTER);
	assert_true(part_dev_assigned(&dev, &owner));
	assert_null(owner);                  /* nobody's: not even the root's config space */
	assert_false(part_owns_dev(root, &dev) || part_owns_dev(c1, &dev));
	assert_null(part_assigned_dev(c1, 0x10));
	/* The root attaches it again, to another child: MMIO moves from c1 to c2. */
	assert_int_equal(part_assign_device(c2, &dev, 0x20, NULL), 0);
	assert_false(maps(c1, BAR0) || maps(root, BAR0));
	assert_true(maps(c2, BAR0));
	assert_int_equal(cpu_flushes[1], 1);
	assert_true(part_owns_dev(c2, &dev));
	assert_int_equal(refs, 1);
}

static void test_detach_gives_everything_back(void **state)
{
	(void)state;
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), 0);
	assert_int_equal(part_unassign_device(c1, 0x11), -ENOENT);
	assert_int_equal(part_unassign_device(c1, 0x10), 0);
	assert_ptr_equal(dev_dom, &dom_default);
	assert_true(maps(root, BAR0) && maps(root, s2_layout_ecam_page(0, 1, 0)));
	assert_false(maps(c1, BAR0));
	assert_int_equal(cpu_flushes[1], 1);   /* the child's CPUs dropped the BAR */
	assert_false(part_dev_assigned(&dev, NULL));
	assert_true(part_owns_dev(root, &dev));
	assert_int_equal(refs, 0);
}

static void test_child_stage2_changes_reach_devices_and_cpus(void **state)
{
	(void)state;
	share_mirrors = true;
	assert_int_equal(part_assign_device(c1, &dev, 0x10, NULL), 0);
	assert_int_equal(ram_adds, 1);          /* a mirror: the child's RAM becomes DMA-able */
	assert_true(shared_maps >= 1);
	shared_maps = 0;
	dom_commits = 0;
	assert_int_equal(part_s2_grant(c1, 0x8000000, 0x30000000, PAGE_SIZE, PT_READ | PT_WRITE), 0);
	assert_int_equal(shared_maps, 1);
	assert_int_equal(dom_commits, 1);
	assert_int_equal(part_s2_grant(c1, 0x8000000, 0x30000000, PAGE_SIZE, PT_READ), -EEXIST);
	assert_int_equal(part_s2_revoke(c1, 0x8000000, PAGE_SIZE), 0);
	assert_int_equal(shared_unmaps, 1);
	assert_int_equal(cpu_flushes[1], 1);
	/* Many deferred grants, one commit (MAP_GPA_PAGES); a revoke of many pages, one more. */
	dom_commits = 0;
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(part_s2_grant_deferred(c1, 0x8000000 + i * PAGE_SIZE, 0x30000000 + i * PAGE_SIZE,
							PAGE_SIZE, PT_READ), 0);
	assert_int_equal(dom_commits, 0);
	assert_int_equal(part_s2_commit(c1), 1);
	assert_int_equal(part_s2_revoke(c1, 0x8000000, 8 * PAGE_SIZE), 0);
	assert_int_equal(dom_commits, 2);
	flush_rc = -ETIMEDOUT;
	assert_int_equal(part_s2_grant(c1, 0x8000000, 0x30000000, PAGE_SIZE, PT_READ), 0);
	assert_int_equal(part_s2_revoke(c1, 0x8000000, PAGE_SIZE), -ETIMEDOUT);
	flush_rc = 0;
	/* A grant that fails halfway takes back what it mapped, from the CPUs and the devices too. */
	assert_int_equal(part_s2_grant(c1, 0x8001000, 0x30001000, PAGE_SIZE, PT_READ), 0);
	cpu_flushes[1] = 0;
	shared_unmaps = 0;
	assert_int_equal(part_s2_grant(c1, 0x8000000, 0x30000000, 2 * PAGE_SIZE, PT_READ), -EEXIST);
	assert_false(maps(c1, 0x8000000));
	assert_int_equal(cpu_flushes[1], 1);
	assert_int_equal(shared_unmaps, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_attach_moves_mmio_config_and_dma),
		T(test_failed_dma_move_undoes_the_mmio_move),
		T(test_failed_root_flush_keeps_everything),
		T(test_sub_page_bar_and_busy_group_are_refused),
		T(test_quarantine_then_attach_elsewhere),
		T(test_detach_gives_everything_back),
		T(test_child_stage2_changes_reach_devices_and_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
