/* SPDX-License-Identifier: MIT */
#define LOG_TAG "cmdline"
#include <errno.h>
#include <string.h>

#include "kernel/options.h"
#include "arch/x86/uart.h"

struct boot_options boot_options = {
	.console = { UART_COM1, 115200 },
	.loglevel = LOG_INFO,
	.iommu_storm = 1000,
};

static const char *const selftest_names[] = {
	[SELFTEST_NONE] = "none",
	[SELFTEST_FAULT] = "fault",
	[SELFTEST_UD] = "ud",
	[SELFTEST_STACK] = "stack",
	[SELFTEST_SRIOV] = "sriov",
	[SELFTEST_DMA] = "dma",
	[SELFTEST_VCPU] = "vcpu",
	[SELFTEST_STORM] = "storm",
	[SELFTEST_ATTACH] = "attach",
	[SELFTEST_KICK] = "kick",
};

const char *selftest_name(enum selftest t)
{
	return t < ARRAY_SIZE(selftest_names) ? selftest_names[t] : "?";
}

static int parse_exit(const char *val, void *dst)
{
	if (!val)
		return -EINVAL;
	if (!strcmp(val, "qemu"))
		*(bool *)dst = true;
	else if (!strcmp(val, "halt"))
		*(bool *)dst = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_selftest(const char *val, void *dst)
{
	for (unsigned i = 0; val && i < ARRAY_SIZE(selftest_names); i++) {
		if (!strcmp(val, selftest_names[i])) {
			*(enum selftest *)dst = (enum selftest)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_vtd(const char *val, void *dst)
{
	if (!val || strcmp(val, "noqi"))
		return -EINVAL;
	*(bool *)dst = true;
	return 0;
}

/* iommu.storm=N, 1 to 2^32-1: a device faulting more often than that is broken or hostile. */
static int parse_storm(const char *val, void *dst)
{
	uint64_t n;

	if (!val || cmdline_parse_u64(val, &n) < 0 || n == 0 || n > UINT32_MAX)
		return -EINVAL;
	*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

static const struct cmdline_opt options[] = {
	{ "console", cmdline_parse_console, &boot_options.console, false },
	{ "loglevel", cmdline_parse_loglevel, &boot_options.loglevel, false },
	{ "exit", parse_exit, &boot_options.exit_qemu, false },
	{ "selftest", parse_selftest, &boot_options.selftest, false },
	{ "sriov", sriov_opt_parse, &boot_options.sriov, true },
	{ "vtd", parse_vtd, &boot_options.vtd_noqi, false },
	{ "iommu.storm", parse_storm, &boot_options.iommu_storm, false },
};

int options_apply(const char *cmdline)
{
	return cmdline_apply(cmdline, options, ARRAY_SIZE(options));
}
