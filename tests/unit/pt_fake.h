/* SPDX-License-Identifier: MIT */
/*
 * Fake physical memory for the page-table engine tests: an arena of table
 * pages behind a pool that can be told to run dry, a recorder of every entry
 * store and cache flush, and a reference walker written from the
 * specifications' bit numbers, independent of the engine's formats.
 */
#ifndef IOMON_TEST_PT_FAKE_H
#define IOMON_TEST_PT_FAKE_H

#include "tests/unit/harness.h"
#include "iommu/pt/pt.h"

#define FAKE_BASE 0x40000000ULL        /* where the table arena sits in "physical" memory */

/* Fresh arena of npages, filled with garbage (the engine must zero pages). */
void fake_init(unsigned npages);
void fake_fini(void);

const struct pt_pool *fake_pool(void);
/* Let `n` more allocations succeed, then fail; -1: never fail. */
void fake_pool_limit(long n);
unsigned fake_pool_in_use(void);
unsigned fake_pool_allocs(void);
unsigned fake_pool_frees(void);

/* The flush_cache hook: records the range (in the event log when recording). */
void fake_flush(void *va, size_t len);
unsigned fake_flush_calls(void);
uint64_t fake_flush_bytes(void);     /* total length handed to the hook */

/* Raw entry at a physical address in the arena. */
uint64_t fake_entry(paddr_t pa);
/* Snapshot of the whole arena (malloc'd; free it). */
uint8_t *fake_snapshot(void);
bool fake_same_as(const uint8_t *snapshot);

/* Record every store and flush from now on (snapshotting the arena first). */
void fake_record_start(void);
void fake_record_stop(void);
unsigned fake_recorded_writes(void);

/*
 * Replay the recording onto the snapshot, one store at a time; after each,
 * every probe IOVA must translate as before the operation or as after it.
 * Also: every store was observed (the replay ends equal to the arena), and
 * with a flush hook, every store is flushed, and a table page is flushed
 * before the entry that links it is written.
 */
void fake_replay_check(const struct pt_table *t, const uint64_t *probes, unsigned nprobes);

/* A translation by the reference walker. */
struct ref_tr {
	bool present;
	paddr_t pa;
	unsigned perms;
	uint64_t size;
};
/* Walk the live arena (mem NULL) or an arena image. */
struct ref_tr ref_translate(const struct pt_table *t, const uint8_t *mem, uint64_t iova);

/*
 * Visit every table reachable from the root and check each present entry
 * against the format's rules (reserved bits, table-pointer bits, leaf bits).
 * Returns the number of table pages; *mapped_bytes (may be NULL) gets the
 * total the leaves map.
 */
unsigned fake_check_tables(const struct pt_table *t, uint64_t *mapped_bytes);

/*
 * The same two as a VT-d unit sees an EPT or NPT table handed to it (direct
 * attach): VT-d decoding, VT-d reserved bits.
 */
struct ref_tr ref_translate_as_vtd(const struct pt_table *t, uint64_t iova);
unsigned fake_check_tables_as_vtd(const struct pt_table *t, uint64_t *mapped_bytes);

/* Deterministic PRNG for the randomised sequences. */
uint64_t fake_rand(void);
void fake_srand(uint64_t seed);

#endif
