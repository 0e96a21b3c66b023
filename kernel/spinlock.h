/* SPDX-License-Identifier: MIT */
/*
 * Test-and-test-and-set spinlock. One CPU runs today; every shared structure
 * takes its lock anyway so SMP does not have to retrofit them.
 */
#ifndef IOMON_SPINLOCK_H
#define IOMON_SPINLOCK_H

#include "kernel/types.h"

typedef struct {
	volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

/* Take the lock only if it is free: for work another CPU may already be doing. */
static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	       !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
