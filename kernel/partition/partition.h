/* SPDX-License-Identifier: MIT */
/*
 * Partitions (static partitioning, Jailhouse style). The first multiboot2
 * module is the root partition; every further module is a child. A module's
 * command line starts with the monitor's words, then the guest's own:
 *
 *     partition=NAME mem=SIZE cpus=N [--] GUEST WORDS...
 *
 * Each word the monitor knows is consumed up to the first word it does not
 * know (or a `--`, which is dropped); the rest reaches the guest as its
 * multiboot2 command line. Every CPU belongs to one partition for its whole
 * life; a partition's first CPU enters its kernel, the others wait.
 */
#ifndef IOMON_PARTITION_H
#define IOMON_PARTITION_H

#include "kernel/types.h"
#include "kernel/frames.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "arch/x86/vcpu.h"
#include "iommu/pt/pt.h"
#include "kernel/partition/vuart.h"

#define PART_MAX            8
#define PART_NAME_MAX       16
#define PART_RAM_CHUNKS     32
#define PART_CMDLINE_MAX    256
#define PART_ROOT_ID        1           /* what HvCallGetPartitionId returns for the root */
#define PART_CHILD_MEM_DEFAULT (64 * MiB)

enum part_state {
	PART_PLANNED,       /* memory and CPUs assigned */
	PART_RUNNING,
	PART_STOPPED,
};

/* Guest-physical [gpa, gpa+size) is host-physical [hpa, hpa+size). */
struct part_chunk {
	uint64_t gpa;
	paddr_t hpa;
	uint64_t size;
};

/* Why a vcpu stopped running its guest, counted per partition. */
enum part_exit_kind {
	PEXIT_CPUID, PEXIT_MSR_READ, PEXIT_MSR_WRITE, PEXIT_IO, PEXIT_S2_FAULT,
	PEXIT_MMIO, PEXIT_HYPERCALL, PEXIT_SHUTDOWN, PEXIT_HLT, PEXIT_INIT, PEXIT_INTR,
	PEXIT_OTHER, PEXIT_TIMER, PEXIT_KINDS
};

struct part_vcpu {
	struct vcpu vcpu;
	uint64_t vp_assist_msr;    /* HV_X64_MSR_VP_ASSIST_PAGE as the guest wrote it */
	uint32_t cf8;              /* the legacy config address register, as this CPU last wrote it */
	uint32_t icr_high;         /* the xAPIC ICR destination, as this CPU last wrote it */
	uint32_t ldr, dfr;         /* its logical destination and model, as the guest wrote them */
};

/* A partition's further CPU, as its own INIT and STARTUP IPIs move it (SDM Vol. 3 §9.4). */
enum part_ap_state {
	PART_AP_WAITING,       /* in the monitor, as after reset: an INIT arms it */
	PART_AP_INIT,          /* INIT received: the next STARTUP starts it */
	PART_AP_RUNNING,       /* its vcpu runs (later INIT and STARTUP are absorbed) */
};

/* What a started AP's CPU needs to create its vcpu. */
struct part_ap_start {
	struct partition *part;
	unsigned index;                        /* in cpus[], also its VP index */
	uint8_t vector;                        /* the STARTUP vector: real mode at vector << 12 */
};

struct partition {
	unsigned id;
	char name[PART_NAME_MAX];
	bool is_root;
	enum part_state state;
	unsigned module;                       /* boot module index */
	char cmdline[PART_CMDLINE_MAX];        /* what the guest sees */

	struct part_chunk ram[PART_RAM_CHUNKS];
	unsigned ram_chunks;
	uint64_t ram_size;
	uint64_t mem_request;                  /* mem=, children */
	struct pt_table s2;

	unsigned cpus[SMP_MAX_CPUS];           /* physical CPU indices */
	unsigned ncpus, cpus_request;
	struct part_vcpu *vcpus[SMP_MAX_CPUS];
	uint8_t ap_state[SMP_MAX_CPUS];        /* enum part_ap_state, by index in cpus[] */
	struct part_ap_start ap_start[SMP_MAX_CPUS];
	uint64_t aps_started;

	/* Hyper-V enlightenment state (partition-wide MSRs). */
	uint64_t guest_os_id;
	uint64_t hypercall_msr;

	struct vuart uart;

	/* Where its kernel starts (multiboot2 machine state). */
	uint64_t entry, info_gpa;
	/*
	 * A Linux bzImage instead (boot protocol, 64-bit entry): info_gpa is its
	 * boot_params, these its boot page tables and GDT; initrd_module its
	 * initramfs module (0: none).
	 */
	bool linux_boot;
	uint64_t boot_cr3, boot_gdt;
	unsigned initrd_module;

	/* How it ended. */
	bool exit_written;
	uint8_t exit_value;                    /* what it wrote to the exit port */
	bool success;

	/* Counters. */
	uint64_t exits[PEXIT_KINDS];
	uint64_t ipis_sent, ipis_dropped, inits_absorbed;
	uint64_t hypercalls;
	uint64_t boot_tsc_us;                  /* monitor time at entry */
	spinlock_t lock;
};

extern struct partition partitions[PART_MAX];
extern unsigned partition_count;

/*
 * Before the IOMMU: parse the modules, give each child its CPUs and RAM
 * (carved from root RAM, so the default DMA domain never covers it).
 * Returns the number of partitions planned (0: no modules, nothing to run).
 */
unsigned partitions_plan(const struct boot_info *bi);
/* After the IOMMU and the APs: build stage-2s, load kernels, enter them. Does not return. */
void partitions_start(const struct boot_info *bi) __noreturn;

/* Guest memory through the stage-2 (the monitor's only way in). */
int __must_check copy_from_guest(struct partition *p, void *dst, uint64_t gpa, uint64_t len);
int __must_check copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len);
/*
 * Host physical address of guest RAM at gpa, or 0 when gpa is not the
 * partition's RAM or its stage-2 does not map it now (deposited pages).
 */
paddr_t part_gpa_to_hpa(const struct partition *p, uint64_t gpa);
/*
 * part_gpa_to_hpa for many pages: also the run around gpa that one stage-2
 * leaf maps as RAM contiguously, [*first, *first + *span) -> [hpa - (gpa -
 * *first), ...) (span 0 when gpa is not RAM), so a caller checking a list
 * walks the stage-2 once per leaf, not once per page.
 */
paddr_t part_gpa_to_hpa_span(const struct partition *p, uint64_t gpa, uint64_t *first, uint64_t *span);
/* The same from the RAM chunks alone (what the page was, whatever the stage-2 says now). */
paddr_t part_chunk_hpa(const struct partition *p, uint64_t gpa);

/*
 * The partition's stage-2, for the hypercall layer (deposit and withdraw):
 * remove [gpa, gpa+size) (flushing what its CPUs cached), or map it back to
 * [hpa, hpa+size) as RAM. 0 or a negative errno; on failure nothing changed.
 */
int __must_check part_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size);
int __must_check part_s2_map_ram(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size);

/* Start the partition's CPU at index `index` in real mode at vector << 12 (a STARTUP IPI). */
int __must_check part_start_ap(struct partition *p, unsigned index, uint8_t vector);
/* Index of `cpu` in p->cpus[], or -1. */
int part_cpu_index(const struct partition *p, unsigned cpu);

/* Stop a partition with one line saying why (printf-style). Safe to call more than once. */
void part_stop(struct partition *p, const char *fmt, ...) __printf(2, 3);
struct partition *part_of_cpu(unsigned cpu);
bool part_owns_cpu(const struct partition *p, unsigned cpu);

#endif
