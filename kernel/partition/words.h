/* SPDX-License-Identifier: MIT */
/*
 * A boot module's command line: the monitor's words first, the guest's after.
 *
 *     partition=NAME   the partition's name (letters, digits, '-', '_'; at most 15)
 *     mem=SIZE         a child's RAM: K, M or G suffix; a multiple of 2 MiB, at least 4 MiB
 *     cpus=N           how many CPUs (1..16)
 *     --               end of the monitor's words (dropped)
 *
 * The first word that is none of these ends the monitor's part; it and
 * everything after it is the guest's command line, unchanged.
 */
#ifndef IOMON_PART_WORDS_H
#define IOMON_PART_WORDS_H

#include "kernel/types.h"

struct part_words {
	char name[16];
	uint64_t mem;      /* 0: not given */
	unsigned cpus;     /* 0: not given */
};

/* 0, or -EINVAL (with a log line) for a monitor word whose value is wrong. */
int part_words_parse(const char *cmdline, struct part_words *w, char *guest, size_t guest_cap);

#endif
