/* SPDX-License-Identifier: MIT */
#define LOG_TAG "iomon"
#include "kernel/platform.h"
#include "kernel/log.h"
#include "arch/x86/madt.h"
#include "pci/mcfg.h"
#include "pci/pci.h"
#include "pci/enum.h"
#include "pci/sriov.h"
#include "kernel/options.h"

static struct madt_info madt;
static bool have_madt;
static struct mcfg_info mcfg;
static const struct acpi_info *acpi;

const struct madt_info *platform_madt(void)
{
	return have_madt ? &madt : NULL;
}

const struct mcfg_info *platform_mcfg(void)
{
	return &mcfg;
}

const struct acpi_info *platform_acpi(void)
{
	return acpi;
}

static void report_cpus(const struct acpi_info *ai)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "APIC", 0, &len);

	if (!t) {
		pr_warn("no MADT: only the boot CPU is known");
		return;
	}
	if (madt_parse(t, len, &madt) == 0) {
		have_madt = true;
		madt_report(&madt);
	}
}

static void report_pci(const struct acpi_info *ai)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "MCFG", 0, &len);

	if (!t) {
		pr_warn("no MCFG: PCI Express config space (ECAM) unavailable; PCI enumeration skipped");
		return;
	}
	if (mcfg_parse(t, len, &mcfg) < 0)
		return;
	mcfg_report(&mcfg);
	pci_ecam_init(&mcfg);
	if (pci_enumerate(&mcfg) < 0)
		pr_err("PCI enumeration ran out of device slots; later devices are not managed");
	/* A request that cannot be met is the user's to fix: sriov_apply_requests warns. */
	if (boot_options.sriov.count)
		sriov_apply_requests(&boot_options.sriov);
	pci_report_tree();
}

void platform_discover(const struct boot_info *bi, const struct acpi_info *ai)
{
	(void)bi;
	acpi = ai;
	acpi_report(ai);
	report_cpus(ai);
	report_pci(ai);
}
