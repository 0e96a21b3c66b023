// SPDX-License-Identifier: MIT
/*
 * Partitions: planning (CPUs and RAM, before the IOMMU builds the default
 * domain), stage-2 tables, guest memory access, and the per-CPU run loop.
 */
#define LOG_TAG "part"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/partition/partition.h"
#include "arch/x86/uart.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/loader.h"
#include "kernel/partition/words.h"
#include "arch/x86/io.h"
#include "arch/x86/kick.h"
#include "arch/x86/cpu.h"
#include "arch/x86/madt.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp_boot.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/phys.h"
#include "kernel/time.h"
#include "kernel/smp.h"
#include "kernel/idle.h"
#include "kernel/platform.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/selftest_attach.h"
#include "arch/x86/acpi_hide.h"
#include "kernel/shell/shell.h"

struct partition partitions[PART_MAX];
unsigned partition_count;
static const struct vcpu_ops *vops;
static unsigned running;              /* partitions not yet stopped */
static unsigned cpu_owner[SMP_MAX_CPUS];   /* partition index + 1; 0: none */

struct partition *part_of_cpu(unsigned cpu)
{
	return cpu < SMP_MAX_CPUS && cpu_owner[cpu] ? &partitions[cpu_owner[cpu] - 1] : NULL;
}

bool part_owns_cpu(const struct partition *p, unsigned cpu)
{
	return part_of_cpu(cpu) == p;
}

/* ---- Guest memory ---------------------------------------------------------------------- */

/*
 * Page by page through the partition's RAM map: MMIO, holes and anything
 * that is not the partition's RAM fail with -EFAULT before anything is copied.
 */
static int guest_copy(struct partition *p, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t cur = gpa + done, chunk = MIN(len - done, PAGE_SIZE - (cur & (PAGE_SIZE - 1)));

		if (!part_gpa_to_hpa(p, cur) || !part_gpa_to_hpa(p, cur + chunk - 1))
			return -EFAULT;
		done += chunk;
	}
	for (uint64_t done = 0; done < len;) {
		uint64_t cur = gpa + done, chunk = MIN(len - done, PAGE_SIZE - (cur & (PAGE_SIZE - 1)));
		void *hva = phys_map(part_gpa_to_hpa(p, cur), chunk, PHYS_WB);

		if (!hva)
			return -EFAULT;
		if (to_guest)
			memcpy(hva, (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, hva, chunk);
		done += chunk;
	}
	return 0;
}

int copy_from_guest(struct partition *p, void *dst, uint64_t gpa, uint64_t len)
{
	return guest_copy(p, gpa, dst, len, false);
}

int copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len)
{
	return guest_copy(p, gpa, (void *)src, len, true);
}

/* ---- Planning ---------------------------------------------------------------------------- */

static unsigned total_cpus(void)
{
	const struct madt_info *mi = platform_madt();

	return mi && mi->cpus_enabled ? MIN(mi->cpus_enabled, SMP_MAX_CPUS) : 1;
}

static bool plan_child_memory(struct partition *p)
{
	struct phys_range pieces[PART_RAM_CHUNKS];
	unsigned n = memory_take_from_root(p->mem_request, pieces, ARRAY_SIZE(pieces));
	uint64_t gpa = 0;

	if (!n)
		return false;
	/* Lowest host address first, so the guest's RAM rises with the host's. */
	for (unsigned i = n; i-- > 0;) {
		p->ram[p->ram_chunks++] = (struct part_chunk){ gpa, pieces[i].base,
							       pieces[i].end - pieces[i].base };
		gpa += pieces[i].end - pieces[i].base;
	}
	p->ram_size = gpa;
	return true;
}

static void plan_one(const struct boot_info *bi, unsigned module, unsigned *next_cpu)
{
	struct partition *p = &partitions[partition_count];
	struct part_words w;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = part_words_parse(bi->modules[module].cmdline, &w, p->cmdline, sizeof(p->cmdline));
	p->id = PART_ROOT_ID + partition_count;
	p->module = module;
	p->is_root = module == 0;
	snprintf(p->name, sizeof(p->name), "%s", w.name[0] ? w.name : p->is_root ? "root" : "");
	if (!p->name[0])
		snprintf(p->name, sizeof(p->name), "c%u", partition_count);
	if (rc < 0) {
		pr_err("module %u ('%s'): bad partition options, not started", module,
		       bi->modules[module].cmdline);
		return;
	}
	p->mem_request = w.mem ? w.mem : PART_CHILD_MEM_DEFAULT;
	/* The root's cpus= is a cap on what it takes (0: not given, see root_cpu_count). */
	p->cpus_request = w.cpus ? w.cpus : p->is_root ? 0 : 1;
	if (!p->is_root) {
		if (p->cpus_request > *next_cpu) {
			pr_err("%s: asks for %u CPU(s) but only %u are left after the root's", p->name,
			       p->cpus_request, *next_cpu);
			return;
		}
		if (!plan_child_memory(p)) {
			pr_err("%s: asks for %llu MiB but root RAM cannot give that much", p->name,
			       (unsigned long long)(p->mem_request / MiB));
			return;
		}
		for (unsigned i = 0; i < p->cpus_request; i++)
			p->cpus[p->ncpus++] = (*next_cpu)--;
	}
	vuart_init(&p->uart, p->name);
	p->uart.input = p->is_root;   /* the console's keys go to the root (README "Linux as the root") */
	p->state = PART_PLANNED;
	partition_count++;
}

/*
 * How many of the `left` CPUs nobody took go to the root. Without a periodic
 * exit (SVM has no preemption timer) the monitor runs on a partition CPU
 * only when its guest exits, and a guest spinning with interrupts off on
 * every CPU would starve the serial shell and the DMA-fault drain for good.
 * So the monitor keeps the last CPU for itself when the root still has one
 * after that, unless the root's line says cpus=N; when no CPU is left for
 * it, one loud line says so.
 */
static unsigned root_cpu_count(const struct partition *root, unsigned left)
{
	bool periodic = vcpu_backend_has_periodic_exit();
	unsigned take = left;

	if (root->cpus_request) {
		if (root->cpus_request > left)
			pr_warn("%s: asks for %u CPU(s), %u are left after the children's", root->name,
				root->cpus_request, left);
		take = MIN(root->cpus_request, left);
	} else if (left > 1 && !periodic) {
		take = left - 1;
		pr_info("CPU %u kept by the monitor: this CPU has no preemption timer (SVM), so the serial shell "
			"and the DMA-fault drain run there whatever the guests do", take);
	}
	if (take == left && !periodic)
		log_printf(LOG_WARN, "shell", "every CPU runs a partition and none has a preemption timer (SVM): "
			   "guests spinning with interrupts off on all of them would starve this shell; "
			   "give the machine one CPU more than the partitions use");
	return take;
}

unsigned partitions_plan(const struct boot_info *bi)
{
	unsigned next_cpu = total_cpus() - 1;   /* children take CPUs from the top */

	if (!bi->module_count)
		return 0;
	if (bi->module_count > PART_MAX)
		pr_warn("%u modules: only the first %u become partitions", bi->module_count, PART_MAX);
	for (unsigned m = 0; m < MIN(bi->module_count, (unsigned)PART_MAX); m++) {
		/* `initrd` as the second module's command line: the root's initramfs, no partition. */
		if (m == 1 && partition_count && partitions[0].is_root &&
		    strcmp(bi->modules[1].cmdline, "initrd") == 0) {
			partitions[0].initrd_module = 1;
			continue;
		}
		plan_one(bi, m, &next_cpu);
	}
	/* The root takes every CPU no child took. */
	if (partition_count && partitions[0].is_root) {
		struct partition *root = &partitions[0];
		unsigned take = root_cpu_count(root, next_cpu + 1);

		for (unsigned c = 0; c < take; c++)
			root->cpus[root->ncpus++] = c;
	}
	/* Boot modules are copied into their partitions; then their memory is the root's. */
	for (unsigned m = 0; m < bi->module_count; m++)
		memory_give_to_root(bi->modules[m].start, bi->modules[m].end);
	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *p = &partitions[i];

		for (unsigned c = 0; c < p->ncpus; c++)
			cpu_owner[p->cpus[c]] = i + 1;
		if (p->is_root)
			pr_info("partition %s (id %u): module %u, %u CPU(s), root RAM", p->name, p->id,
				p->module, p->ncpus);
		else
			pr_info("partition %s (id %u): module %u, %u CPU(s), %llu MiB at host 0x%llx%s",
				p->name, p->id, p->module, p->ncpus,
				(unsigned long long)(p->ram_size / MiB),
				(unsigned long long)p->ram[0].hpa, p->ram_chunks > 1 ? " (in pieces)" : "");
	}
	return partition_count;
}

/* ---- Stopping -------------------------------------------------------------------------- */

static void finish_if_all_stopped(void)
{
	bool ok = true;

	if (__atomic_sub_fetch(&running, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (unsigned i = 0; i < partition_count; i++)
		ok &= partitions[i].success;
	part_report_counters();
	pr_info("every partition has stopped: %s", ok ? "all reported success" : "not all succeeded");
	monitor_exit(ok && log_count(LOG_ERR) == 0);
}

void part_stop(struct partition *p, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	bool was_running;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	spin_lock(&p->lock);
	was_running = p->state == PART_RUNNING;
	p->state = PART_STOPPED;
	spin_unlock(&p->lock);
	if (!was_running)
		return;
	/* Its other CPUs leave their guest now, not at an exit a spinning guest may never make (SVM). */
	for (unsigned i = 0; i < p->ncpus && i < SMP_MAX_CPUS; i++)
		if (p->cpus[i] != smp_this_cpu())
			cpu_kick(p->cpus[i]);
	part_quarantine_devices(p);
	vuart_flush(&p->uart, time_now_us());
	if (p->success)
		pr_info("%s stopped: %s", p->name, why);
	else
		pr_warn("%s stopped: %s", p->name, why);
	finish_if_all_stopped();
}

/* ---- Running --------------------------------------------------------------------------- */

static void run_until_stopped(struct partition *p, struct part_vcpu *pv)
{
	struct vcpu_exit e;

	while (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PART_RUNNING) {
		part_s2_before_entry(pv);
		vops->run(&pv->vcpu, &e);
		part_s2_after_exit(pv);
		exit_handle(pv, &e);
	}
}

/* On the partition's first CPU: its vcpu, then exits until it stops. */
static void vcpu_loop(void *arg)
{
	struct partition *p = arg;
	struct part_vcpu *pv = part_vcpu_create(p, smp_this_cpu());

	if (!pv) {
		part_stop(p, "no vcpu on CPU %u", smp_this_cpu());
		return;
	}
	run_until_stopped(p, pv);
}

/* On an AP its partition started with INIT and STARTUP. */
static void ap_vcpu_loop(void *arg)
{
	struct part_ap_start *a = arg;
	struct part_vcpu *pv = part_ap_vcpu_create(a->part, smp_this_cpu(), a->index, a->vector);

	if (!pv) {
		part_stop(a->part, "no vcpu on CPU %u for its AP", smp_this_cpu());
		return;
	}
	run_until_stopped(a->part, pv);
}

int part_cpu_index(const struct partition *p, unsigned cpu)
{
	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->cpus[i] == cpu)
			return (int)i;
	return -1;
}

int part_start_ap(struct partition *p, unsigned index, uint8_t vector)
{
	struct part_ap_start *a = &p->ap_start[index];

	if (index == 0 || index >= p->ncpus)
		return -EINVAL;
	*a = (struct part_ap_start){ p, index, vector };
	__atomic_add_fetch(&p->aps_started, 1, __ATOMIC_RELAXED);
	return smp_run_on(p->cpus[index], ap_vcpu_loop, a);
}

static void enter_on_cpu(struct partition *p)
{
	p->state = PART_RUNNING;
	p->boot_tsc_us = time_now_us();
	if (p->cpus[0] == smp_this_cpu())
		return;   /* the boot CPU enters last, from partitions_start */
	if (smp_run_on(p->cpus[0], vcpu_loop, p) < 0)
		part_stop(p, "CPU %u is not available", p->cpus[0]);
}

static bool cpus_present(struct partition *p)
{
	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->cpus[i] >= smp_cpu_count()) {
			pr_err("%s: CPU %u did not come up; the partition does not start", p->name,
			       p->cpus[i]);
			return false;
		}
	return p->ncpus > 0;
}

static bool not_roots_cpu(uint32_t apic_id, void *ctx)
{
	int cpu = smp_cpu_of_apic(apic_id);

	return cpu < 0 || !part_owns_cpu(ctx, (unsigned)cpu);
}

/* The root's MADT lists only its own CPUs: its kernel neither counts nor starts the others. */
static void hide_other_cpus(struct partition *root)
{
	uint32_t len;
	const struct acpi_header *madt = platform_acpi() ? acpi_find(platform_acpi(), "APIC", 0, &len) : NULL;
	unsigned n;

	if (!madt)
		return;
	n = acpi_madt_hide_cpus((struct acpi_header *)madt, len, not_roots_cpu, root);
	if (n)
		pr_info("%s: %u CPU(s) of other partitions disabled in its MADT", root->name, n);
}

/* The root's view: its stage-2 layout, and no DMAR or IVRS (the IOMMU is the monitor's). */
static void prepare_root(const struct boot_info *bi, struct partition *root)
{
	if (s2_layout_root_compute(bi) < 0) {
		pr_err("%s: its stage-2 layout does not fit the monitor's tables; not started", root->name);
		root->state = PART_STOPPED;
		return;
	}
	if (platform_acpi() && acpi_hide_iommu_tables(platform_acpi()) < 0) {
		pr_err("%s: cannot hide the IOMMU's ACPI tables from it; not started", root->name);
		root->state = PART_STOPPED;
		return;
	}
	hide_other_cpus(root);
}

static bool runs_a_partition(unsigned cpu)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i].state == PART_RUNNING && partitions[i].cpus[0] == cpu)
			return true;
	return false;
}

static void monitor_cpu(void *arg)
{
	(void)arg;
	idle_loop();
}

/*
 * A CPU that enters no partition (a partition's further CPUs, which wait
 * until guest-started APs are emulated, or one no partition took) stays the
 * monitor's: it drains DMA faults and reads the serial line for the shell,
 * whatever the guests do.
 */
static void keep_spare_cpus(void)
{
	unsigned kept = 0;

	/*
	 * Only CPUs no partition owns: a partition's further CPUs wait in
	 * ap_main() for the STARTUP its guest may send (they poll faults and
	 * the serial line while they wait).
	 */
	for (unsigned cpu = 1; cpu < smp_cpu_count(); cpu++)
		if (!part_of_cpu(cpu) && !runs_a_partition(cpu) && smp_run_on(cpu, monitor_cpu, NULL) == 0)
			kept++;
	if (kept)
		pr_info("%u CPU(s) kept by the monitor (fault drain, serial shell)", kept);
}

void partitions_start(const struct boot_info *bi)
{
	struct partition *on_boot_cpu = NULL;

	vops = vcpu_backend_probe();
	if (!vops) {
		pr_err("no usable virtualization extension: no partition starts");
		monitor_exit(false);
	}
	pr_info("vcpu backend: %s", vops->name);
	/* The console's keys reach the root through the shell's router (kernel/shell/shell.h). */
	vuart_set_input(shell_console_getc, uart_set_ier);
	if (partition_count && partitions[0].is_root && partitions[0].state == PART_PLANNED)
		prepare_root(bi, &partitions[0]);
	/* Children first: the root's kernel may load over their boot modules (see boot.c). */
	for (unsigned k = 0; k < partition_count; k++) {
		unsigned i = (k + 1) % partition_count;
		struct partition *p = &partitions[i];

		if (p->state != PART_PLANNED || !cpus_present(p))
			continue;
		if (part_boot(p, bi, vops) < 0)
			continue;
		__atomic_add_fetch(&running, 1, __ATOMIC_ACQ_REL);
		enter_on_cpu(p);
		if (p->cpus[0] == smp_this_cpu())
			on_boot_cpu = p;
	}
	if (!running) {
		pr_err("no partition could start");
		monitor_exit(false);
	}
	if ((boot_options.selftest == SELFTEST_ATTACH && !selftest_attach()) ||
	    (boot_options.selftest == SELFTEST_KICK && !selftest_kick()))
		pr_err("selftest=%s failed", selftest_name(boot_options.selftest));
	keep_spare_cpus();
	if (on_boot_cpu)
		vcpu_loop(on_boot_cpu);
	/* The boot CPU has nothing (more) to run: it stays the monitor's while the others finish. */
	idle_loop();
}

