// SPDX-License-Identifier: MIT
/*
 * The test guest's main: set up the console, the IDT and the identity map,
 * read the command line, print the TAP plan, run every enabled test in
 * order, then report through isa-debug-exit. The options and the expected
 * output are described in tests/guest/README.md.
 */
#include "tests/guest/guest.h"
#include "tests/guest/fmt.h"

#define WHY_MAX        192
#define HOLD_UNIT      1000000ULL   /* hold=N is N million pause iterations */
#define HOLD_REPORT    10           /* a "# still running" line every 10 million */
#define TESTS_MAX      64

static struct guest_ctx ctx;
static char mb2_why[WHY_MAX];
static int mb2_err;

static bool t_uart(const struct guest_ctx *c, char *why, size_t n)
{
	if (!c->uart_ok)
		gsnprintf(why, n, "divisor latch, LCR or scratch register did not read back");
	return c->uart_ok;
}

static bool t_mb2(const struct guest_ctx *c, char *why, size_t n)
{
	if (mb2_err) {
		gsnprintf(why, n, "%s", mb2_why);
		return false;
	}
	gsnprintf(why, n, "%u tags, %u bytes", c->view.ntags, c->view.total_size);
	return true;
}

static bool t_mmap(const struct guest_ctx *c, char *why, size_t n)
{
	if (mmap_check_sane(&c->view, why, n))
		return false;
	gsnprintf(why, n, "%u entries, %llu MiB available", c->view.nmap,
		  (unsigned long long)(mmap_available_bytes(&c->view) / MiB));
	return true;
}

static bool t_exclude(const struct guest_ctx *c, char *why, size_t n)
{
	return !mmap_check_excluded(&c->view, c->opts.exclude, c->opts.nexclude, why, n);
}

static bool t_child_map(const struct guest_ctx *c, char *why, size_t n)
{
	if (mmap_check_child(&c->view, c->opts.ram, why, n))
		return false;
	gsnprintf(why, n, "0-0x%llx", (unsigned long long)mmap_top(&c->view));
	return true;
}

static bool t_meminfo(const struct guest_ctx *c, char *why, size_t n)
{
	if (meminfo_check(&c->view, why, n))
		return false;
	gsnprintf(why, n, "lower %u KiB, upper %u KiB", c->view.mem_lower, c->view.mem_upper);
	return true;
}

static bool t_cmdline(const struct guest_ctx *c, char *why, size_t n)
{
	const struct guest_opts *o = &c->opts;

	if (!c->view.cmdline) {
		gsnprintf(why, n, "no command-line tag");
		return false;
	}
	if (o->nbad) {
		gsnprintf(why, n, "%u word(s) not understood, first '%s'", o->nbad, o->bad[0]);
		return false;
	}
	if (o->has_marker)
		gsnprintf(why, n, "marker=%s", o->marker);
	else
		gsnprintf(why, n, "no marker= word");
	return true;
}

static bool t_hold(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t i, m;

	diag("hold: still running, spinning %llu million iterations",
	     (unsigned long long)c->opts.hold);
	for (m = 0; m < c->opts.hold; m++) {
		for (i = 0; i < HOLD_UNIT; i++)
			cpu_relax();
		if ((m + 1) % HOLD_REPORT == 0 && m + 1 < c->opts.hold)
			diag("hold: still running (%llu million)", (unsigned long long)(m + 1));
	}
	gsnprintf(why, n, "%llu million iterations", (unsigned long long)c->opts.hold);
	return true;
}

/* Does not return when the monitor does its job: the partition is stopped. */
static bool t_crash(const struct guest_ctx *c, char *why, size_t n)
{
	static const struct descriptor_null { uint16_t limit; uint64_t base; } __packed null_idt;
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)c->opts.crash_addr;

	switch (c->opts.crash) {
	case CRASH_WRITE:
		diag("crash: writing to 0x%llx", (unsigned long long)c->opts.crash_addr);
		*p = 0x10de1e7edULL;
		gsnprintf(why, n, "the write to 0x%llx returned", (unsigned long long)c->opts.crash_addr);
		break;
	case CRASH_READ:
		diag("crash: reading 0x%llx", (unsigned long long)c->opts.crash_addr);
		gsnprintf(why, n, "the read of 0x%llx returned 0x%llx",
			  (unsigned long long)c->opts.crash_addr, (unsigned long long)*p);
		break;
	case CRASH_TRIPLE:
		diag("crash: null IDT, then #UD");
		__asm__ volatile("lidt %0\n\tud2" : : "m"(null_idt) : "memory");
		gsnprintf(why, n, "ud2 with a null IDT returned");
		break;
	default:
		gsnprintf(why, n, "no crash kind");
		break;
	}
	return false;
}

struct guest_test {
	const char *name;
	guest_test_fn fn;
	bool enabled;
};

/* The whole table, in the order the tests run; `enabled` says which are planned. */
static unsigned build_tests(struct guest_test t[TESTS_MAX], const struct guest_opts *o)
{
	bool child = o->role == ROLE_CHILD;
	unsigned n = 0;

#define TEST(cond, fn, name) \
	do { if (n < TESTS_MAX) t[n++] = (struct guest_test){ name, fn, cond }; } while (0)
	TEST(true, t_uart, "COM1 16550: divisor latch, LCR and scratch register read back");
	TEST(true, t_mb2, "multiboot2 info well-formed (magic, total_size, tag alignment, end tag)");
	TEST(true, t_mmap, "memory map present, entries sane, available ranges disjoint");
	TEST(o->nexclude, t_exclude, "exclude= host ranges are not available");
	TEST(child, t_child_map, "child: RAM only from GPA 0 up to its limit");
	TEST(child, t_meminfo, "child: basic meminfo consistent with the map");
	TEST(true, t_cmdline, "command line arrived");
	TEST(true, hv_test_present, "CPUID.1:ECX[31] hypervisor present");
	TEST(true, hv_test_vendor, "CPUID 0x40000000: max leaf >= 0x40000005, vendor Microsoft Hv");
	TEST(true, hv_test_interface, "CPUID 0x40000001: interface Hv#1");
	TEST(true, hv_test_msr_access, "CPUID 0x40000003 EAX: hypercall MSRs and VP_INDEX available");
	TEST(true, hv_test_privileges, child ?
	     "CPUID 0x40000003 EBX: child without CpuManagement, CreatePartitions, AccessMemoryPool" :
	     "CPUID 0x40000003 EBX: root with CreatePartitions, AccessMemoryPool, without CpuManagement");
	TEST(true, hv_test_hypercall_refused, "HYPERCALL enable refused while GUEST_OS_ID is 0");
	TEST(true, hv_test_hypercall_enable, "GUEST_OS_ID set, then the hypercall page enabled");
	TEST(true, hv_test_page_content, "hypercall page holds the VM call instruction, then ret");
	TEST(true, hv_test_partition_id, "HvCallGetPartitionId through the page");
	TEST(true, hv_test_unknown_call, "unknown call code 0x7fff: HV_STATUS_INVALID_HYPERCALL_CODE");
	TEST(o->deposit, hv_test_deposit, "DEPOSIT_MEMORY then WITHDRAW_MEMORY of own pages");
	TEST(true, hv_test_vp_index, "VP_INDEX MSR");
	TEST(true, hv_test_unknown_msr, "rdmsr 0x400000ff (unknown synthetic MSR) raises #GP");
	TEST(o->acpi_hidden, pci_test_acpi_hidden, "ACPI: no DMAR or IVRS in the RSDT/XSDT");
	TEST(o->ecam_hidden, pci_test_ecam_hidden, "ECAM: hidden function reads all-ones, 00:00.0 real");
	TEST(o->ecam_hidden, pci_test_cf8_hidden, "0xCF8/0xCFC: hidden function reads all-ones, 00:00.0 real");
	TEST(o->memcheck, mem_test_writable, "memcheck: every available region is writable RAM");
	TEST(o->ddomain, dd_test_find, "ddomain: edu 1234:11e8 found through ECAM, memory space and bus mastering on");
	TEST(o->ddomain, dd_test_default_dma, "ddomain: edu DMA in the default domain lands at GPA = bus address");
	TEST(o->ddomain, dd_test_create, "ddomain: CREATE_DEVICE_DOMAIN");
	TEST(o->ddomain, dd_test_deposit, "ddomain: DEPOSIT_MEMORY to the root's pool");
	TEST(o->ddomain, dd_test_map, "ddomain: MAP_DEVICE_GPA_PAGES in 507-page batches with deposit-and-retry");
	TEST(o->ddomain, dd_test_attach, "ddomain: ATTACH_DEVICE_DOMAIN edu by its PCI hv_device_id");
	TEST(o->ddomain, dd_test_dma_lands, "ddomain: edu DMA lands at the mapped page (IOVA -> GPA)");
	TEST(o->ddomain, dd_test_unmap, "ddomain: UNMAP_DEVICE_GPA_PAGES of the whole buffer");
	TEST(o->ddomain, dd_test_dma_blocked, "ddomain: after unmap the same DMA is blocked, memory unchanged");
	TEST(o->ddomain, dd_test_detach, "ddomain: DETACH_DEVICE_DOMAIN");
	TEST(o->ddomain, dd_test_delete, "ddomain: DELETE_DEVICE_DOMAIN");
	TEST(o->ddomain, dd_test_default_again, "ddomain: back in the default domain, DMA lands at GPA = bus address");
	TEST(o->has_attach, att_test_find, "attach: edu 1234:11e8 found through ECAM");
	TEST(o->has_attach, att_test_attach, "attach: ATTACH_DEVICE edu to the child with a logical id");
	TEST(o->has_attach, att_test_unmap_child, "attach: UNMAP_GPA_PAGES of the child's DMA page");
	TEST(o->edu_child, att_test_child_appears, "edu-child: edu appears in config space (0xCF8/0xCFC)");
	TEST(o->edu_child, att_test_child_enable, "edu-child: BAR0 programmed at its GPA, memory space and bus mastering on");
	TEST(o->edu_child, att_test_child_dma, "edu-child: DMA lands in the child's RAM through its stage-2");
	TEST(o->edu_child, att_test_child_blocked, "edu-child: DMA through the page blocked after the root's UNMAP_GPA_PAGES");
	TEST(o->deny, deny_test_0, "deny: CREATE_DEVICE_DOMAIN gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_1, "deny: ATTACH_DEVICE_DOMAIN gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_2, "deny: MAP_DEVICE_GPA_PAGES gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_3, "deny: UNMAP_DEVICE_GPA_PAGES gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_4, "deny: DETACH_DEVICE_DOMAIN gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_5, "deny: DELETE_DEVICE_DOMAIN gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_6, "deny: ATTACH_DEVICE gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_7, "deny: MAP_GPA_PAGES on the root gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_8, "deny: UNMAP_GPA_PAGES on the root gets ACCESS_DENIED, nothing changed");
	TEST(o->deny, deny_test_9, "deny: DEPOSIT_MEMORY to the root gets ACCESS_DENIED, nothing changed");
	TEST(o->has_ipi, apic_test_ipi, "IPIs to another partition's CPU");
	TEST(o->hold, t_hold, "hold: still running");
	TEST(o->irr_check, apic_test_irr, "irr-check: no stray IPI vector pending");
	TEST(o->crash != CRASH_NONE, t_crash, "crash: the monitor stops this partition");
	TEST(o->starve, apic_starve, "starve: every CPU spins with interrupts off (never returns)");
#undef TEST
	return n;
}

static const char *const role_names[] = { "root", "child" };

void guest_main(uint32_t magic, uint32_t info_pa)
{
	static struct guest_test tests[TESTS_MAX];
	unsigned i, count, planned = 0, num = 0;
	char why[WHY_MAX];

	ctx.uart_ok = uart_init();
	idt_install();
	ctx.magic = magic;
	ctx.info = (const void *)(uintptr_t)info_pa;
	mb2_err = mb2_view_parse(magic, ctx.info, &ctx.view, mb2_why, sizeof(mb2_why));
	guest_opts_parse(ctx.view.cmdline, &ctx.opts);
	paging_build(&ctx.view, MAX(mmap_top(&ctx.view), pci_ecam_top(&ctx.view)));
	if (ctx.opts.irr_check)
		apic_enable();

	count = build_tests(tests, &ctx.opts);
	for (i = 0; i < count; i++)
		planned += tests[i].enabled;
	diag("iomon test guest: role=%s, command line '%s'", role_names[ctx.opts.role],
	     ctx.view.cmdline ? ctx.view.cmdline : "(none)");
	tap_plan(planned);
	for (i = 0; i < count; i++) {
		bool ok;

		if (!tests[i].enabled)
			continue;
		why[0] = '\0';
		tap_begin(++num, tests[i].name);
		ok = tests[i].fn(&ctx, why, sizeof(why));
		if (why[0])
			tap_result(ok, ok ? "%s (%s)" : "%s: %s", tests[i].name, why);
		else
			tap_result(ok, "%s", tests[i].name);
	}
	guest_exit(true);
}
