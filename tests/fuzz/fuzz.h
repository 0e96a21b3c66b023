/* SPDX-License-Identifier: MIT */
#ifndef IOMON_FUZZ_H
#define IOMON_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/types.h"

/* Back phys_map() with the fuzz input at physical address `base`. */
void fuzz_phys_set(paddr_t base, const uint8_t *data, uint64_t len);
/* Addresses outside that arena go to `fn` (NULL: unmapped), e.g. device registers and RAM. */
void fuzz_phys_fallback(void *(*fn)(paddr_t pa, uint64_t len));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
