// SPDX-License-Identifier: MIT
/*
 * Narrowing a stage-2 that other CPUs are running (s2_sync.h).
 *
 * Each partition has a generation, bumped by every narrowing. A CPU
 * publishes "in guest" before it reads the generation on its way in, and
 * flushes its stage-2 translations when the generation moved since its last
 * entry. The narrowing CPU bumps the generation, then waits for every other
 * CPU of the partition to be either out of its guest or in with the new
 * generation. Both sides use sequentially consistent accesses (store, then
 * load the other side's variable), so at least one of them sees the other:
 * either the entering CPU sees the new generation and flushes, or the
 * narrowing CPU sees it in its guest and kicks it (an NMI, which a guest
 * cannot mask: arch/x86/kick.h) until it exits. Kicks are repeated, since
 * one that lands while the CPU is in the monitor is absorbed there.
 */
#define LOG_TAG "part"
#include <errno.h>

#include "kernel/partition/s2_sync.h"
#include "kernel/partition/exits.h"
#include "arch/x86/kick.h"
#include "kernel/time.h"

#define KICK_RETRY_US   1000
#define FLUSH_TIMEOUT_US 1000000

struct cpu_s2 {
	uint64_t seen;     /* the generation of its partition at its last entry */
	bool in_guest;
} __attribute__((aligned(64)));

static struct cpu_s2 cpu_s2[SMP_MAX_CPUS];
static uint64_t s2_gen[PART_MAX];
static uint64_t kicks_sent[PART_MAX];

static uint64_t *gen_of(const struct partition *p)
{
	return &s2_gen[p - partitions];
}

void part_s2_before_entry(struct part_vcpu *pv)
{
	struct cpu_s2 *c = &cpu_s2[pv->vcpu.cpu];
	uint64_t g;

	__atomic_store_n(&c->in_guest, true, __ATOMIC_SEQ_CST);
	g = __atomic_load_n(gen_of(pv->vcpu.part), __ATOMIC_SEQ_CST);
	if (c->seen != g) {
		part_vops->flush_s2(&pv->vcpu);
		__atomic_store_n(&c->seen, g, __ATOMIC_RELEASE);
	}
}

void part_s2_after_exit(struct part_vcpu *pv)
{
	__atomic_store_n(&cpu_s2[pv->vcpu.cpu].in_guest, false, __ATOMIC_RELEASE);
}

static bool may_use_old(unsigned cpu, uint64_t g)
{
	return __atomic_load_n(&cpu_s2[cpu].in_guest, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&cpu_s2[cpu].seen, __ATOMIC_ACQUIRE) < g;
}

static int wait_for_cpu(struct partition *p, unsigned cpu, uint64_t g)
{
	uint64_t start = time_now_us(), last_kick = 0;
	bool kicked = false;

	while (may_use_old(cpu, g)) {
		uint64_t now = time_now_us();

		if (!kicked || now - last_kick >= KICK_RETRY_US) {
			cpu_kick(cpu);
			__atomic_add_fetch(&kicks_sent[p - partitions], 1, __ATOMIC_RELAXED);
			kicked = true;
			last_kick = now;
		}
		if (now - start >= FLUSH_TIMEOUT_US)
			return -ETIMEDOUT;
		__builtin_ia32_pause();
	}
	return 0;
}

int part_s2_flush_cpus(struct partition *p)
{
	uint64_t g = __atomic_add_fetch(gen_of(p), 1, __ATOMIC_SEQ_CST);
	unsigned self = smp_this_cpu();
	int rc = 0;

	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->cpus[i] != self && wait_for_cpu(p, p->cpus[i], g) < 0)
			rc = -ETIMEDOUT;
	return rc;
}

bool part_s2_cpu_in_guest(unsigned cpu)
{
	return cpu < SMP_MAX_CPUS && __atomic_load_n(&cpu_s2[cpu].in_guest, __ATOMIC_ACQUIRE);
}

uint64_t part_s2_kicks_sent(const struct partition *p)
{
	return __atomic_load_n(&kicks_sent[p - partitions], __ATOMIC_RELAXED);
}
