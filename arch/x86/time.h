/* SPDX-License-Identifier: MIT */
#ifndef IOMON_X86_TIME_H
#define IOMON_X86_TIME_H

/* Calibrate the TSC; udelay() and time_now_us() are usable after this. */
void time_init(void);
/* Remember "now" as time 0 of time_now_us() (kmain, before its first line). */
void time_mark_start(void);

#endif
