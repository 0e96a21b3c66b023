/* SPDX-License-Identifier: MIT */
/*
 * Capability discovery: the standard list (PCI 3.0 §6.7) and the extended
 * list (PCIe 4.0 §7.6). Both lists come from the device and are hostile
 * input: every pointer is bounds-checked, each walk has a hop limit and a
 * visited bitmap, and a bad list ends the walk with a warning.
 */
#ifndef IOMON_PCI_CAPS_H
#define IOMON_PCI_CAPS_H

#include "kernel/types.h"

struct pci_caps {
	/* Standard capability offsets; 0 = absent. */
	uint8_t pm;
	uint8_t msi;
	uint8_t msix;
	uint8_t pcie;
	uint8_t pcix;
	/* Extended capability offsets (PCIe functions only); 0 = absent. */
	uint16_t aer;
	uint16_t ari;
	uint16_t acs;
	uint16_t ats;
	uint16_t pri;
	uint16_t pasid;
	uint16_t sriov;
	uint16_t dsn;

	/* Decoded fields, valid when the capability is present. */
	uint8_t pcie_type;          /* PCI_EXP_TYPE_* */
	bool ari_fwd_supported;     /* port: Device Capabilities 2 ARI Forwarding Supported */
	bool ari_fwd_enabled;       /* port: Device Control 2 ARI Forwarding Enable */
	uint16_t pm_pmc;            /* Power Management Capabilities register */
	bool msi_64bit;
	bool msi_maskable;
	uint8_t msi_max_vectors;    /* 1, 2, 4 .. 32 (Multiple Message Capable) */
	uint16_t msix_table_size;   /* entries, 1..2048 */
	uint8_t msix_table_bir;
	uint32_t msix_table_offset;
	uint8_t ari_next_fn;        /* ARI Next Function Number; 0 ends the chain */
	uint16_t acs_caps;          /* PCI_ACS_* capability bits */
	uint8_t ats_queue_depth;    /* Invalidate Queue Depth, 1..32 */
	uint32_t pri_max_requests;
	uint8_t pasid_width;        /* Max PASID Width, bits */
	bool pasid_exec;
	bool pasid_priv;
	uint64_t serial;            /* Device Serial Number (DSN capability) */

	unsigned warnings;          /* malformed lists or capabilities seen */
};

/*
 * Walk the capability lists of a function whose header type (bits 6:0) is
 * `header_type` and fill `caps`. The extended list is read only when the
 * function has a PCI Express capability (conventional functions have no
 * config space beyond 0x100).
 */
void pci_caps_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t header_type,
		   struct pci_caps *caps);

/*
 * Offset of the first extended capability `id` of a function, or 0. Quiet
 * (a malformed list just ends the search) and bounded like the full walk;
 * the caller knows the function is PCI Express.
 */
uint16_t pci_ext_cap_find(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t id);

static inline bool pci_caps_is_pcie(const struct pci_caps *caps)
{
	return caps->pcie != 0;
}

/* "root port", "endpoint", ...; "pcie type N" for reserved values. */
const char *pci_exp_type_name(uint8_t type);

#endif
