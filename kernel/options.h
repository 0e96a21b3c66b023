/* SPDX-License-Identifier: MIT */
/* The monitor's command-line options (see README "Command line"). */
#ifndef IOMON_OPTIONS_H
#define IOMON_OPTIONS_H

#include "kernel/types.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "pci/sriov.h"

enum selftest {
	SELFTEST_NONE,
	SELFTEST_FAULT,      /* touch an unmapped address: #PF, register dump, failure exit */
	SELFTEST_UD,         /* execute ud2: #UD */
	SELFTEST_STACK,      /* overflow the boot stack into its guard page: #DF on the IST stack */
	SELFTEST_SRIOV,      /* disable every enabled PF's VFs and check they are gone */
	SELFTEST_DMA,        /* DMA isolation with QEMU's edu device (TAP output) */
	SELFTEST_VCPU,       /* one vcpu through the seam, every normalised exit (TAP output) */
	SELFTEST_STORM,      /* edu faults until the storm cut-off stops it, faults drained by the idle poll */
	SELFTEST_ATTACH,     /* direct attach of edu to the first child, once partitions run (TAP output) */
	SELFTEST_KICK,       /* a remote stage-2 flush of the first child, once partitions run (TAP output) */
};

struct boot_options {
	struct console_cfg console;
	enum log_level loglevel;
	bool exit_qemu;
	enum selftest selftest;
	struct sriov_requests sriov;   /* sriov=SEG:BUS:DEV.FN:N, repeatable */
	bool vtd_noqi;                 /* vtd=noqi: register-based invalidation even with ECAP.QI */
	uint32_t iommu_storm;          /* iommu.storm=N: DMA faults a device may cause before its bus mastering goes off */
};

extern struct boot_options boot_options;

/* Apply the loader's command line to boot_options; returns the number of words reported. */
int options_apply(const char *cmdline);
const char *selftest_name(enum selftest t);

#endif
