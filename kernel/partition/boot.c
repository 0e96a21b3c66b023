// SPDX-License-Identifier: MIT
/*
 * Booting a partition: its stage-2, its kernel, its multiboot2 information
 * and its first vcpu.
 *
 * The root's stage-2 is the identity over the whole physical address space
 * up to the top of RAM and every BAR, except (holes): the monitor's image and
 * pool, the AP trampoline, every child's RAM, every IOMMU's registers, the
 * configuration-space pages of functions the root does not own, and the
 * local APIC page (its ICR is trapped; the rest of the page is emulated by
 * passing accesses through). A child's is its own RAM from GPA 0, nothing else.
 */
#define LOG_TAG "part"
#include <errno.h>
#include <string.h>

#include "kernel/partition/loader.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/gmem.h"
#include "kernel/partition/guest_map.h"
#include "kernel/partition/linux_boot.h"
#include "kernel/partition/mb2_build.h"
#include "kernel/partition/mb2_load.h"
#include "kernel/partition/s2_layout.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/madt.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp_boot.h"
#include "iommu/pt/fmt.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/phys.h"
#include "kernel/platform.h"

#define INFO_MAX       (16 * KiB)
#define GUEST_MMAP_MAX 128

static struct part_vcpu vcpu_store[SMP_MAX_CPUS];

static paddr_t s2_alloc(void *ctx)
{
	(void)ctx;
	return frame_alloc();
}

static void s2_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	frames_free(pa, 1);
}

static const struct pt_pool monitor_pt_pool = { s2_alloc, s2_free, NULL };

static void *gmem_page(void *ctx, uint64_t gpa_page)
{
	paddr_t hpa = part_gpa_to_hpa(ctx, gpa_page);

	return hpa ? phys_map(hpa, PAGE_SIZE, PHYS_WB) : NULL;
}

/* ---- Stage-2 ----------------------------------------------------------------------------- */

static int s2_map(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size)
{
	uint64_t done;
	int rc = pt_map_range(&p->s2, gpa, hpa, size, PT_READ | PT_WRITE | PT_EXEC, &done);

	if (rc < 0)
		pr_err("%s: stage-2 map of GPA 0x%llx+0x%llx failed (%d)", p->name,
		       (unsigned long long)gpa, (unsigned long long)size, rc);
	return rc;
}

/* A child's stage-2 may be walked by IOMMU units too (direct attach): those that do not snoop need its writes in memory. */
static void s2_write_back(void *va, size_t len)
{
	cache_flush_range(va, len);
}

static int s2_build(struct partition *p, const struct pt_format *fmt)
{
	uint32_t sizes = PT_SIZE_4K | PT_SIZE_2M | (cpu_features.pdpe1gb ? PT_SIZE_1G : 0);
	bool wb = !p->is_root && iommu_present() && !iommu_walkers_coherent();
	int rc = pt_init(&p->s2, fmt, 4, 48, sizes, &monitor_pt_pool, wb ? s2_write_back : NULL);

	if (rc < 0)
		return rc;
	/* An IOMMU may walk a child's stage-2: VT-d reserves output bits above its 48-bit width. */
	if (!p->is_root && p->s2.pa_limit > (1ull << 48))
		p->s2.pa_limit = 1ull << 48;
	if (p->is_root) {
		struct s2_layout *l = s2_layout_root();

		for (unsigned i = 0; i < l->nmapped && rc == 0; i++)
			rc = s2_map(p, l->mapped[i].base, l->mapped[i].base,
				    l->mapped[i].end - l->mapped[i].base);
	} else {
		for (unsigned i = 0; i < p->ram_chunks && rc == 0; i++)
			rc = s2_map(p, p->ram[i].gpa, p->ram[i].hpa, p->ram[i].size);
	}
	if (rc == 0)
		pr_info("%s: stage-2 (%s) ready: %llu table pages", p->name, fmt->name,
			(unsigned long long)p->s2.stats.tables);
	if (rc == 0 && !p->is_root && iommu_present()) {
		const char *why = iommu_share_check(&p->s2);

		pr_info("%s: a device attached to it would %s%s%s", p->name,
			why ? "use a mirrored IOMMU table (" : "walk this stage-2 (shared)", why ? why : "",
			why ? ")" : "");
	}
	return rc;
}

/* ---- Kernel and multiboot2 information -------------------------------------------------- */

static int guest_memory_map(struct partition *p, const struct boot_info *bi, struct mem_range *map,
			    unsigned *n)
{
	if (!p->is_root)
		return guest_map_child(p->ram_size, NULL, 0, map, GUEST_MMAP_MAX, n);
	return guest_map_root(bi->mmap, bi->mmap_count, s2_layout_root()->ram,
			      s2_layout_root()->nram, map, GUEST_MMAP_MAX, n);
}

/*
 * Boot modules sit in root RAM (GRUB puts them after the monitor), so the
 * root's kernel may load over a module's bytes, its own included. Children
 * are therefore loaded first, and the root's module is copied into monitor
 * frames before its segments are written.
 */
static int load_kernel(struct partition *p, const struct boot_info *bi, struct gmem *gm,
		       struct mb2_image *img)
{
	const struct boot_module *m = &bi->modules[p->module];
	uint64_t len = m->end - m->start, pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	const void *bytes = phys_map(m->start, len, PHYS_WB);
	paddr_t bounce = 0;
	int rc;

	if (!bytes)
		return -EFAULT;
	if (p->is_root && pages) {
		bounce = frames_alloc_contig(pages, PAGE_SIZE);
		if (!bounce) {
			pr_err("%s: no monitor memory to stage its %llu KiB kernel image", p->name,
			       (unsigned long long)(len / KiB));
			return -ENOMEM;
		}
		memcpy(phys_to_virt(bounce), bytes, len);
		bytes = phys_to_virt(bounce);
	}
	rc = mb2_load(gm, bytes, len, img);
	if (bounce)
		frames_free(bounce, pages);
	if (rc < 0)
		return rc;
	if (mb2_build_check_requests(img) < 0)
		return -ENOEXEC;
	return 0;
}

/* GRUB puts the information after the kernel; so does iomon, in the partition's RAM. */
static int build_info(struct partition *p, const struct boot_info *bi, struct gmem *gm,
		      const struct mb2_image *img, uint64_t *info_gpa)
{
	static struct mem_range map[GUEST_MMAP_MAX];
	static uint8_t buf[INFO_MAX] __aligned(8);
	struct mb2_build_args a = { .cmdline = p->cmdline };
	unsigned n;
	uint32_t size;
	int rc = guest_memory_map(p, bi, map, &n);

	if (rc < 0)
		return rc;
	a.mmap = map;
	a.nmmap = n;
	if (p->is_root && bi->rsdp_len) {
		a.rsdp_old = bi->rsdp;   /* the first 20 bytes are the ACPI 1.0 RSDP */
		if (bi->rsdp_len > MB2_RSDP_V1_LEN) {
			a.rsdp_new = bi->rsdp;
			a.rsdp_new_len = bi->rsdp_len;
		}
	}
	rc = mb2_build(&a, buf, sizeof(buf), &size);
	if (rc < 0)
		return rc;
	*info_gpa = ALIGN_UP(img->load_end, PAGE_SIZE);
	if (!gmem_range_ok(gm, *info_gpa, size)) {
		pr_err("%s: no RAM after the kernel (0x%llx) for its multiboot2 information", p->name,
		       (unsigned long long)*info_gpa);
		return -ENOSPC;
	}
	return gmem_write(gm, *info_gpa, buf, size);
}

/* ---- The first vcpu ---------------------------------------------------------------------- */

/* The multiboot2 machine state (spec §3.3): flat 32-bit protected mode, paging off. */
static void mb2_entry_state(struct vcpu_init_state *s, uint64_t entry, uint64_t info_gpa)
{
	const struct vcpu_segment code = { 0x08, 0xc9b, 0xffffffff, 0 };   /* G, D, P, code RX */
	const struct vcpu_segment data = { 0x10, 0xc93, 0xffffffff, 0 };   /* G, B, P, data RW */

	memset(s, 0, sizeof(*s));
	s->regs.rip = entry;
	s->regs.rax = MB2_BOOTLOADER_MAGIC;
	s->regs.rbx = info_gpa;
	s->regs.rflags = 0x2;
	s->cr0 = BIT(0) | BIT(4);   /* PE, ET */
	s->cs = code;
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vcpu_segment){ 0, 0x8b, 0xffff, 0 };    /* busy 32-bit TSS */
	s->ldtr = (struct vcpu_segment){ 0, 0x82, 0xffff, 0 };
	s->gdtr_limit = 0xffff;
	s->idtr_limit = 0x3ff;
}

/*
 * The Linux 64-bit boot protocol's machine state (boot.rst, "64-bit Boot
 * Protocol"): long mode, paging on with the loader's identity map, the
 * loader's GDT (flat code 0x10, data 0x18), interrupts off, RSI = boot_params.
 */
static void linux64_entry_state(struct vcpu_init_state *s, const struct partition *p)
{
	const struct vcpu_segment code = { LB_GDT_CODE64, 0xa9b, 0xffffffff, 0 };   /* G, L, P, code RX */
	const struct vcpu_segment data = { LB_GDT_DATA, 0xc93, 0xffffffff, 0 };     /* G, B, P, data RW */

	memset(s, 0, sizeof(*s));
	s->regs.rip = p->entry;
	s->regs.rsi = p->info_gpa;
	s->regs.rflags = 0x2;
	s->cr0 = BIT(0) | BIT(4) | BIT(5) | BIT(31);   /* PE, ET, NE, PG */
	s->cr3 = p->boot_cr3;
	s->cr4 = BIT(5);                               /* PAE */
	s->efer = BIT(8) | BIT(10);                    /* LME, LMA */
	s->cs = code;
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vcpu_segment){ 0, 0x8b, 0xffff, 0 };    /* busy 64-bit TSS */
	s->ldtr = (struct vcpu_segment){ 0, 0x82, 0xffff, 0 };
	s->gdtr_base = p->boot_gdt;
	s->gdtr_limit = 4 * 8 - 1;
	s->idtr_limit = 0;
}

static void open_root_intercepts(struct part_vcpu *pv)
{
	const struct vcpu_ops *o = part_vops;

	for (unsigned port = 0; port < 0x10000; port++)
		o->intercept_io(&pv->vcpu, (uint16_t)port, false);
	for (unsigned port = VUART_BASE; port < VUART_BASE + VUART_PORTS; port++)
		o->intercept_io(&pv->vcpu, (uint16_t)port, true);
	for (unsigned port = 0xCF8; port <= 0xCFF; port++)
		o->intercept_io(&pv->vcpu, (uint16_t)port, true);
	o->intercept_io(&pv->vcpu, QEMU_EXIT_PORT, true);
	for (uint32_t msr = 0; msr < 0x2000; msr++)
		o->intercept_msr(&pv->vcpu, msr, false);
	for (uint32_t msr = 0xC0000000; msr < 0xC0002000; msr++)
		o->intercept_msr(&pv->vcpu, msr, false);
	for (uint32_t msr = 0xC0010000; msr < 0xC0012000; msr++)
		o->intercept_msr(&pv->vcpu, msr, false);
	/*
	 * Never the guest's alone: the APIC's mode and address, x2APIC. (EFER and
	 * the extension's own MSRs are the backend's: it keeps them trapped.)
	 */
	o->intercept_msr(&pv->vcpu, MSR_APIC_BASE, true);
	for (uint32_t msr = 0x800; msr < 0x900; msr++)
		o->intercept_msr(&pv->vcpu, msr, true);
	o->intercept_msr(&pv->vcpu, 0x3A, true);   /* IA32_FEATURE_CONTROL */
}

/* A child keeps only the MSRs that are purely its own CPU state. */
static void open_child_intercepts(struct part_vcpu *pv)
{
	static const uint32_t own[] = {
		0x10, 0x174, 0x175, 0x176, 0x277,                 /* TSC, SYSENTER_*, PAT */
		0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084,   /* STAR, LSTAR, CSTAR, SFMASK */
		0xC0000100, 0xC0000101, 0xC0000102, 0xC0000103,   /* FS, GS, KERNEL_GS base, TSC_AUX */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(own); i++)
		part_vops->intercept_msr(&pv->vcpu, own[i], false);
}

static struct part_vcpu *vcpu_create(struct partition *p, unsigned cpu, unsigned index,
				     const struct vcpu_init_state *s)
{
	struct part_vcpu *pv = &vcpu_store[cpu];
	int rc;

	memset(pv, 0, sizeof(*pv));
	pv->vcpu.part = p;
	pv->vcpu.vp_index = index;
	pv->dfr = 0xffffffff;   /* the flat model, as after reset */
	pv->vcpu.cpu = cpu;
	pv->vcpu.apic_id = smp_apic_id(cpu);
	rc = part_vops->cpu_enable();
	if (rc == 0)
		rc = part_vops->create(&pv->vcpu, p->s2.root);
	if (rc < 0) {
		pr_err("%s: cannot create its vcpu on CPU %u (%d)", p->name, cpu, rc);
		return NULL;
	}
	part_vops->set_state(&pv->vcpu, s);
	if (p->is_root)
		open_root_intercepts(pv);
	else
		open_child_intercepts(pv);
	p->vcpus[index] = pv;
	return pv;
}

struct part_vcpu *part_vcpu_create(struct partition *p, unsigned cpu)
{
	struct vcpu_init_state s;

	if (p->linux_boot)
		linux64_entry_state(&s, p);
	else
		mb2_entry_state(&s, p->entry, p->info_gpa);
	return vcpu_create(p, cpu, 0, &s);
}

/* After STARTUP: real mode, CS base vector << 12, everything else as after INIT. */
static void sipi_entry_state(struct vcpu_init_state *s, uint8_t vector)
{
	const struct vcpu_segment data = { 0, 0x93, 0xffff, 0 };   /* P, data RW, 64 KiB */

	memset(s, 0, sizeof(*s));
	s->regs.rflags = 0x2;
	s->cr0 = BIT(4);                                           /* ET */
	s->cs = (struct vcpu_segment){ (uint16_t)(vector << 8), 0x9b, 0xffff,
				       (uint64_t)vector << 12 };
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vcpu_segment){ 0, 0x8b, 0xffff, 0 };
	s->ldtr = (struct vcpu_segment){ 0, 0x82, 0xffff, 0 };
	s->gdtr_limit = 0xffff;
	s->idtr_limit = 0xffff;
}

struct part_vcpu *part_ap_vcpu_create(struct partition *p, unsigned cpu, unsigned index,
				      uint8_t vector)
{
	struct vcpu_init_state s;

	sipi_entry_state(&s, vector);
	return vcpu_create(p, cpu, index, &s);
}

/* A bzImage (and its initramfs module) by the Linux boot protocol. */
static int boot_linux(struct partition *p, const struct boot_info *bi, struct gmem *gm)
{
	static struct mem_range map[GUEST_MMAP_MAX];
	static struct phys_range avoid[BOOT_MODULES_MAX];
	const struct boot_module *k = &bi->modules[p->module];
	struct linux_boot_args a = { .cmdline = p->cmdline, .map = map };
	struct linux_image li;
	int rc = guest_memory_map(p, bi, map, &a.nmap);

	if (rc < 0)
		return rc;
	a.image_len = k->end - k->start;
	a.image = phys_map(k->start, a.image_len, PHYS_WB);
	if (p->initrd_module) {
		const struct boot_module *r = &bi->modules[p->initrd_module];

		a.initrd_len = r->end - r->start;
		a.initrd = phys_map(r->start, a.initrd_len, PHYS_WB);
	}
	if (!a.image || (a.initrd_len && !a.initrd))
		return -EFAULT;
	/* The root's RAM is identity-mapped: nothing may land on a module not yet copied. */
	for (unsigned i = 0; p->is_root && i < bi->module_count; i++)
		avoid[a.navoid++] = (struct phys_range){ ALIGN_DOWN(bi->modules[i].start, PAGE_SIZE),
							 ALIGN_UP(bi->modules[i].end, PAGE_SIZE) };
	a.avoid = avoid;
	if (p->is_root && bi->rsdp_len) {
		a.rsdp = bi->rsdp;
		a.rsdp_len = bi->rsdp_len;
	}
	rc = linux_load(gm, &a, &li);
	if (rc < 0)
		return rc;
	pr_info("%s: Linux %u.%02u kernel at GPA 0x%llx (init_size 0x%x), entry 0x%llx, boot_params "
		"0x%llx, initramfs 0x%llx+0x%llx, command line '%s'", p->name, li.setup.version >> 8,
		li.setup.version & 0xff, (unsigned long long)li.kernel, li.setup.init_size,
		(unsigned long long)li.entry, (unsigned long long)li.boot_params,
		(unsigned long long)li.initrd, (unsigned long long)li.initrd_size, p->cmdline);
	p->linux_boot = true;
	p->entry = li.entry;
	p->info_gpa = li.boot_params;
	p->boot_cr3 = li.pml4;
	p->boot_gdt = li.gdt;
	return 0;
}

static bool module_is_bzimage(const struct boot_info *bi, unsigned m)
{
	const struct boot_module *k = &bi->modules[m];
	uint64_t len = MIN(k->end - k->start, (uint64_t)PAGE_SIZE);
	const void *b = len ? phys_map(k->start, len, PHYS_WB) : NULL;

	return b && linux_is_bzimage(b, len);
}

int part_boot(struct partition *p, const struct boot_info *bi, const struct vcpu_ops *ops)
{
	struct gmem gm = { gmem_page, p, 0 };
	struct mb2_image img;
	uint64_t info_gpa;
	int rc;

	part_vops = ops;
	if (p->is_root && s2_layout_root_ram_to(p) < 0) {
		pr_err("%s: too many RAM ranges for its memory map", p->name);
		return -ENOSPC;
	}
	gm.size = p->ram_size;
	rc = s2_build(p, ops == &svm_vcpu_ops ? &pt_fmt_x86 : &pt_fmt_ept);
	if (rc < 0) {
		pr_err("%s: cannot build its stage-2 (%d); not started", p->name, rc);
		return rc;
	}
	if (module_is_bzimage(bi, p->module)) {
		rc = boot_linux(p, bi, &gm);
		if (rc < 0)
			pr_err("%s: module %u is a bzImage that cannot be booted (%d); not started",
			       p->name, p->module, rc);
		return rc;
	}
	rc = load_kernel(p, bi, &gm, &img);
	if (rc < 0) {
		pr_err("%s: module %u is not a loadable multiboot2 kernel (%d); not started", p->name,
		       p->module, rc);
		return rc;
	}
	rc = build_info(p, bi, &gm, &img, &info_gpa);
	if (rc < 0) {
		pr_err("%s: cannot build its multiboot2 information (%d); not started", p->name, rc);
		return rc;
	}
	pr_info("%s: kernel at GPA 0x%llx-0x%llx, entry 0x%llx, info at 0x%llx, command line '%s'",
		p->name, (unsigned long long)img.load_start, (unsigned long long)img.load_end,
		(unsigned long long)img.entry, (unsigned long long)info_gpa, p->cmdline);
	p->entry = img.entry;
	p->info_gpa = info_gpa;
	return 0;
}
