/* SPDX-License-Identifier: MIT */
/*
 * Stable device identifiers, as pure functions (the rules Linux's Hyper-V
 * vPCI driver, drivers/pci/controller/pci-hyperv.c, relies on):
 *
 * - the instance GUID of a function, the same on every boot for the same
 *   hardware in the same slot;
 * - the logical device id the Hyper-V ABI derives from a GUID;
 * - the PCI domain (segment) number Linux derives from a vPCI bus GUID,
 *   with its collision fallback.
 *
 * GUIDs are stored as 16 bytes in Linux guid_t order: the first three
 * fields little-endian ("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" has a at
 * b[0..3] least significant byte first, b at b[4..5], c at b[6..7], then
 * d and e in text order).
 */
#ifndef IOMON_PCI_IDS_H
#define IOMON_PCI_IDS_H

#include "kernel/types.h"

#define PCI_GUID_LEN      16
#define PCI_GUID_STR_LEN  37   /* 36 characters and the terminator */

/*
 * The instance GUID. Construction (fixed; changing it changes every GUID):
 *
 *   msg = seg (2 bytes LE) | bus | devfn | vendor (2 LE) | device (2 LE) |
 *         has_dsn (1 byte, 0 or 1) | dsn (8 LE, zero without a DSN) |
 *         attempt (1 byte)                                        = 18 bytes
 *   h1  = mix64(fnv1a64(0xcbf29ce484222325, msg))
 *   h2  = mix64(fnv1a64(0xcbf29ce484222325 ^ 0x9e3779b97f4a7c15, msg))
 *
 * fnv1a64 is FNV-1a with prime 0x100000001b3; mix64 is the SplitMix64
 * finalizer (x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27;
 * x *= 0x94d049bb133111eb; x ^= x >> 31), which spreads every input bit
 * over the bytes the logical id takes. b[0..7] = h1 LE, b[8..15] = h2 LE,
 * then RFC 9562 version 8 ("custom": b[7] high nibble = 8, the first digit
 * of the third text field) and variant 10 (b[8] bits 7:6).
 *
 * `attempt` is 0 for pci_instance_guid(); the registry uses 1, 2, ... only
 * to resolve a logical-id collision between two devices.
 */
void pci_instance_guid(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor, uint16_t device,
		       bool has_dsn, uint64_t dsn, uint8_t guid[PCI_GUID_LEN]);
void pci_instance_guid_attempt(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
			       uint16_t device, bool has_dsn, uint64_t dsn, uint8_t attempt,
			       uint8_t guid[PCI_GUID_LEN]);

/* (b[5] << 24) | (b[4] << 16) | (b[7] << 8) | (b[6] & 0xf8) | function. */
uint32_t pci_logical_device_id(const uint8_t guid[PCI_GUID_LEN], uint8_t devfn);

/* The PCI domain number Linux requests for a vPCI bus: b[5] << 8 | b[4]. */
uint16_t pci_domain_from_guid(const uint8_t guid[PCI_GUID_LEN]);

/* Which of the 65536 domain numbers are taken. Zero-initialise; 0 is never handed out. */
struct pci_domain_nrs {
	uint64_t used[65536 / 64];
};

/*
 * Take `requested` if it is free and nonzero, else the next free number
 * after it (wrapping past 0xffff to 1; 0 is reserved for the root bus of
 * Gen1 guests). Returns the number taken or -ENOSPC when all 65535 are
 * used. A fallback logs "PCI dom# 0x%x has collision, using 0x%x", as
 * Linux's pci-hyperv does.
 */
int pci_domain_nr_alloc(struct pci_domain_nrs *nrs, uint16_t requested);
void pci_domain_nr_free(struct pci_domain_nrs *nrs, uint16_t nr);

/* "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", lower-case, as Linux prints %pUl. */
void pci_guid_format(const uint8_t guid[PCI_GUID_LEN], char out[PCI_GUID_STR_LEN]);

#endif
