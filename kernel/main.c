/* SPDX-License-Identifier: MIT */
/*
 * kmain: the boot sequence. Each step either completes or reports why not;
 * the boot report on the serial console is the record of what iomon found.
 *
 *   console -> CPU tables -> multiboot2 info -> command line -> own page tables
 *   -> TSC -> ACPI tables -> memory (monitor pool, root RAM, direct map)
 *   -> MADT, MCFG, PCI enumeration and SR-IOV -> IOMMU units, default domain,
 *   translation on -> self-tests -> idle: drain DMA faults (or exit=qemu)
 */
#define LOG_TAG "iomon"
#include <errno.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/paging.h"
#include "arch/x86/time.h"
#include "arch/x86/uart.h"
#include "boot/boot.h"
#include "boot/mb2.h"
#include "kernel/idle.h"
#include "kernel/platform.h"
#include "arch/x86/madt.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "iommu/iommu.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/selftest.h"
#include "kernel/smp.h"
#include "kernel/partition/partition.h"

#ifndef IOMON_VERSION
#define IOMON_VERSION "0.1"
#endif

static struct boot_info boot_info;
static struct acpi_info acpi_info;
extern bool heap_sealed;

/* The loader's info block is below 4 GiB, inside the boot identity map. */
static void read_boot_info(uint32_t magic, uint32_t info_pa)
{
	const volatile uint32_t *hdr = (const volatile uint32_t *)(uintptr_t)info_pa;
	uint32_t size;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 loader (EAX 0x%08x); boot iomon with GRUB's multiboot2 command",
		      magic);
	if (!info_pa || !IS_ALIGNED(info_pa, 8))
		panic("multiboot2 info pointer 0x%08x is null or misaligned", info_pa);
	size = *hdr;
	if (size > MB2_INFO_MAX_SIZE || (uint64_t)info_pa + size > 4 * GiB)
		panic("multiboot2 info at 0x%08x claims %u bytes", info_pa, size);
	if (mb2_parse((const void *)(uintptr_t)info_pa, size, info_pa, &boot_info) < 0)
		panic("multiboot2 info at 0x%08x is unusable", info_pa);
}

static void apply_command_line(void)
{
	const struct console_cfg before = boot_options.console;

	options_apply(boot_info.has_cmdline ? boot_info.cmdline : "");
	if (boot_options.console.port != before.port || boot_options.console.baud != before.baud) {
		uart_init(boot_options.console.port, boot_options.console.baud);
		pr_info("console on port 0x%x at %u baud", boot_options.console.port,
			boot_options.console.baud);
	}
	log_set_level(boot_options.loglevel);
}

/* Every device into the default domain, then translation on. */
static void start_iommu(void)
{
	struct iommu_memory mem;
	int rc;

	iommu_set_fault_storm(boot_options.iommu_storm);
	mem.nr_ram = memory_root_ram(&mem.ram);
	mem.nr_monitor = memory_monitor_ranges(&mem.monitor);
	rc = iommu_init(&acpi_info, &mem);

	if (rc == -ENODEV)
		pr_info("no IOMMU described by the firmware (no DMAR or IVRS table): DMA is not remapped");
	else if (rc < 0)
		pr_err("IOMMU bring-up failed (%d): DMA is not remapped", rc);
}

static void finish_boot(bool selftests_ok, unsigned planned)
{
	unsigned errors = log_count(LOG_ERR), warnings = log_count(LOG_WARN);
	bool ok = selftests_ok && errors == 0;

	heap_sealed = true;
	pr_info("boot complete: %u error(s), %u warning(s)%s", errors, warnings,
		ok ? "" : " -- FAILED");
	if (planned) {
		const struct madt_info *mi = platform_madt();

		if (mi)
			smp_start_aps(mi);
		partitions_start(&boot_info);
	}
	if (boot_options.exit_qemu)
		monitor_exit(ok);
	pr_info("idle: no partition to run (no multiboot2 module); DMA faults drained every %u ms; quit QEMU with Ctrl-A X",
		IDLE_FAULT_POLL_US / 1000);
	idle_loop();
}

void kmain(uint32_t magic, uint32_t info_pa);
void kmain(uint32_t magic, uint32_t info_pa)
{
	unsigned planned;

	time_mark_start();
	uart_init(UART_COM1, 115200);
	cpu_init();
	smp_init_boot_cpu();
	cpu_detect_features();
	log_printf(LOG_INFO, LOG_TAG, "iomon %s: IOMMU monitor starting", IOMON_VERSION);
	read_boot_info(magic, info_pa);
	apply_command_line();
	pr_info("loader '%s', command line '%s'", boot_info.loader_name,
		boot_info.has_cmdline ? boot_info.cmdline : "");
	if (boot_info.efi64_system_table)
		pr_info("firmware: UEFI, system table at 0x%llx, EFI memory map with %u entries%s",
			(unsigned long long)boot_info.efi64_system_table, boot_info.efi_mmap_entries,
			boot_info.efi_boot_services_not_exited ? ", boot services NOT exited" : "");
	else
		pr_info("firmware: legacy BIOS (no EFI system table)");
	paging_init();
	cpu_report();
	time_init();

	if (acpi_discover(boot_info.rsdp_len ? boot_info.rsdp : NULL, boot_info.rsdp_len,
			  &acpi_info) < 0)
		pr_err("no usable ACPI tables: cannot find CPUs, ECAM or IOMMUs");
	memory_init(&boot_info, &acpi_info);
	platform_discover(&boot_info, &acpi_info);
	planned = partitions_plan(&boot_info);
	start_iommu();
	finish_boot(selftest_run(boot_options.selftest), planned);
}
