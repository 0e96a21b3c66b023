/* SPDX-License-Identifier: MIT */
/*
 * The test guest's command line (its multiboot2 command line): words
 * separated by spaces, each `name` or `name=value`. tests/guest/README.md
 * lists them. Host-buildable: tests/unit/test_guest.c exercises the parser.
 */
#ifndef IOMON_GUEST_OPTS_H
#define IOMON_GUEST_OPTS_H

#include "kernel/types.h"

#define GUEST_EXCLUDE_MAX   8
#define GUEST_BAD_WORDS_MAX 4
#define GUEST_WORD_MAX      48
#define ATTACH_WAIT_DEFAULT 100         /* million pause iterations */
#define DMA_GPA_DEFAULT     0x2000000   /* 32 MiB: inside a 64 MiB child */

enum guest_role { ROLE_ROOT, ROLE_CHILD };
enum guest_crash { CRASH_NONE, CRASH_WRITE, CRASH_READ, CRASH_TRIPLE };

struct guest_range {
	uint64_t start;
	uint64_t end;           /* exclusive */
};

struct guest_opts {
	enum guest_role role;
	bool has_partid;
	uint64_t partid;        /* expected HvCallGetPartitionId result */
	uint32_t vp;            /* expected VP_INDEX */
	uint64_t ram;           /* child: expected RAM size, 0 = not given */
	struct guest_range exclude[GUEST_EXCLUDE_MAX];
	unsigned nexclude;
	bool ecam_hidden;
	uint8_t hidden_bus, hidden_dev, hidden_fn;
	bool acpi_hidden;
	bool memcheck;
	enum guest_crash crash;
	uint64_t crash_addr;
	bool has_ipi;
	uint32_t ipi_apic;
	bool irr_check;
	bool deposit;           /* DEPOSIT_MEMORY / WITHDRAW_MEMORY round trip */
	uint64_t hold;          /* millions of pause iterations */
	bool starve;            /* finally spin with interrupts off on every CPU, forever */
	bool ddomain;           /* root: the device-domain flow with edu */
	bool deny;              /* child: root-only calls get ACCESS_DENIED */
	bool has_attach;        /* root: direct-attach edu to partition `attach` */
	uint64_t attach;
	uint64_t attach_wait;   /* root: millions of pause iterations before UNMAP_GPA_PAGES */
	bool edu_child;         /* child: use the attached edu */
	uint64_t dma_gpa;       /* the child page edu writes (and the root unmaps) */
	bool has_marker;
	char marker[GUEST_WORD_MAX];
	/* Words that were not understood, for the command-line test to report. */
	unsigned nbad;
	char bad[GUEST_BAD_WORDS_MAX][GUEST_WORD_MAX];
};

/* Parse `cmdline` (NULL = empty). Returns the number of words not understood. */
unsigned guest_opts_parse(const char *cmdline, struct guest_opts *o);

/* Strict number parsers: the whole string must be consumed. 0 or -1. */
int guest_parse_u64(const char *s, size_t len, uint64_t *out);
int guest_parse_size(const char *s, size_t len, uint64_t *out);

#endif
