/* SPDX-License-Identifier: MIT */
/*
 * TSC calibration against PIT channel 2 (the speaker gate), the one timer
 * every PC-compatible platform, QEMU and Bochs included, has at a fixed
 * frequency. Delays then spin on the TSC.
 */
#define LOG_TAG "time"
#include "kernel/time.h"
#include "arch/x86/io.h"
#include "arch/x86/time.h"
#include "kernel/log.h"

#define PIT_HZ              1193182ULL
#define PIT_CH2_DATA        0x42
#define PIT_MODE            0x43
#define  PIT_MODE_CH2_ONESHOT 0xB0        /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B              0x61
#define  PORT_B_GATE2       BIT(0)
#define  PORT_B_SPEAKER     BIT(1)
#define  PORT_B_OUT2        BIT(5)
#define CALIBRATE_MS        10
#define CALIBRATE_MAX_SPINS 200000000ULL  /* a missing PIT must not hang the boot */
#define FALLBACK_TSC_KHZ    1000000ULL    /* 1 GHz: delays stay roughly right on any sane CPU */

static uint64_t tsc_khz = FALLBACK_TSC_KHZ;
static uint64_t tsc_at_boot;
static uint64_t tsc_at_start;

void time_mark_start(void)
{
	tsc_at_start = rdtsc();
}

static uint64_t pit_measure_tsc_khz(void)
{
	uint64_t count = PIT_HZ * CALIBRATE_MS / 1000, start, end, spins = 0;

	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_MODE, PIT_MODE_CH2_ONESHOT);
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	start = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2))
		if (++spins > CALIBRATE_MAX_SPINS)
			return 0;
	end = rdtsc();
	return (end - start) / CALIBRATE_MS;
}

void time_init(void)
{
	uint64_t khz = pit_measure_tsc_khz();

	/* Time 0 is the monitor's first line when kmain marked it, else now. */
	tsc_at_boot = tsc_at_start ? tsc_at_start : rdtsc();
	if (!khz) {
		pr_warn("PIT channel 2 never fired; assuming a %llu MHz TSC, delays are approximate",
			(unsigned long long)(FALLBACK_TSC_KHZ / 1000));
		return;
	}
	tsc_khz = khz;
	pr_info("TSC %llu.%03llu MHz (calibrated against the PIT over %u ms)",
		(unsigned long long)(khz / 1000), (unsigned long long)(khz % 1000), CALIBRATE_MS);
}

uint64_t time_now_us(void)
{
	return (rdtsc() - tsc_at_boot) * 1000 / tsc_khz;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz / 1000;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
