/* SPDX-License-Identifier: MIT */
/*
 * Instance GUIDs, logical device ids and PCI domain numbers. Pure
 * functions of their inputs (the domain allocator only of its bitmap), so
 * the same hardware gets the same identifiers on every boot and the unit
 * tests can check them against hand-computed vectors.
 */
#define LOG_TAG "pci"
#include "pci/ids.h"
#include "pci/pci.h"
#include "kernel/log.h"

#include <errno.h>
#include <string.h>

#define FNV64_BASIS     0xcbf29ce484222325ULL
#define FNV64_PRIME     0x100000001b3ULL
#define GUID_SEED2      0x9e3779b97f4a7c15ULL   /* 2^64 / golden ratio */
#define GUID_MSG_LEN    18

static uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV64_PRIME;
	}
	return h;
}

/* SplitMix64's finalizer: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void pci_instance_guid_attempt(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
			       uint16_t device, bool has_dsn, uint64_t dsn, uint8_t attempt,
			       uint8_t guid[PCI_GUID_LEN])
{
	uint8_t msg[GUID_MSG_LEN];

	put_le(&msg[0], seg, 2);
	msg[2] = bus;
	msg[3] = devfn;
	put_le(&msg[4], vendor, 2);
	put_le(&msg[6], device, 2);
	msg[8] = has_dsn;
	put_le(&msg[9], has_dsn ? dsn : 0, 8);
	msg[17] = attempt;
	put_le(&guid[0], mix64(fnv1a64(FNV64_BASIS, msg, sizeof(msg))), 8);
	put_le(&guid[8], mix64(fnv1a64(FNV64_BASIS ^ GUID_SEED2, msg, sizeof(msg))), 8);
	/* RFC 9562 §5.8: version 8 in the top nibble of field c (b[7] in guid_t order). */
	guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x80);
	/* RFC 9562 §4.1: variant 10x in the top bits of field d's first byte. */
	guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
}

void pci_instance_guid(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor, uint16_t device,
		       bool has_dsn, uint64_t dsn, uint8_t guid[PCI_GUID_LEN])
{
	pci_instance_guid_attempt(seg, bus, devfn, vendor, device, has_dsn, dsn, 0, guid);
}

uint32_t pci_logical_device_id(const uint8_t guid[PCI_GUID_LEN], uint8_t devfn)
{
	return (uint32_t)guid[5] << 24 | (uint32_t)guid[4] << 16 | (uint32_t)guid[7] << 8 |
	       (guid[6] & 0xf8u) | PCI_FN(devfn);
}

uint16_t pci_domain_from_guid(const uint8_t guid[PCI_GUID_LEN])
{
	return (uint16_t)(guid[5] << 8 | guid[4]);
}

static bool domain_nr_taken(const struct pci_domain_nrs *nrs, uint16_t nr)
{
	return nrs->used[nr / 64] & BIT(nr % 64);
}

int pci_domain_nr_alloc(struct pci_domain_nrs *nrs, uint16_t requested)
{
	uint16_t nr = requested ? requested : 1;
	unsigned tries;

	/* The 65535 nonzero numbers, from the requested one on, wrapping past 0xffff to 1. */
	for (tries = 0; tries < 0xffff && domain_nr_taken(nrs, nr); tries++)
		nr = nr == 0xffff ? 1 : (uint16_t)(nr + 1);
	if (tries == 0xffff)
		return -ENOSPC;
	nrs->used[nr / 64] |= BIT(nr % 64);
	if (nr != requested)
		pr_info("PCI dom# 0x%x has collision, using 0x%x", requested, nr);
	return nr;
}

void pci_domain_nr_free(struct pci_domain_nrs *nrs, uint16_t nr)
{
	nrs->used[nr / 64] &= ~BIT(nr % 64);
}

void pci_guid_format(const uint8_t guid[PCI_GUID_LEN], char out[PCI_GUID_STR_LEN])
{
	/* Text order of the bytes: fields a, b, c little-endian, d and e as stored. */
	static const uint8_t order[PCI_GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6,
						     8, 9, 10, 11, 12, 13, 14, 15 };
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (unsigned i = 0; i < PCI_GUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[guid[order[i]] >> 4];
		*p++ = hex[guid[order[i]] & 0xf];
	}
	*p = '\0';
}
