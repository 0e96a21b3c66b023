/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV (PCIe 4.0 §9): reading a PF's capability, enabling and disabling
 * its virtual functions, and the `sriov=SEG:BUS:DEV.FN:N` boot option.
 * VFs are registered with the device registry (pci/dev.h) as they come up
 * and unregistered before they go away, so no pci_dev ever describes a
 * function that no longer answers.
 *
 * sriov_enable()/sriov_disable() on one PF must not run concurrently (boot
 * is single-threaded; later callers serialize them per device).
 */
#ifndef IOMON_PCI_SRIOV_H
#define IOMON_PCI_SRIOV_H

#include "pci/dev.h"

/*
 * Read the SR-IOV capability at `cap` of a PF being enumerated: counts,
 * VF Device ID, page sizes, and the VF BARs (sized with VF Enable and VF
 * MSE clear). VFs that firmware left enabled are disabled with a warning:
 * they would be functions nobody registered. Returns 0 or -EIO when the
 * capability reads as all-ones.
 */
int sriov_read_cap(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t cap, struct pci_sriov *out);

/*
 * Enable `n` VFs of `pf` (the caller holds a reference) and register
 * them. Returns 0, or:
 *   -EINVAL  pf is not a PF, or n is not 1..TotalVFs;
 *   -EBUSY   VFs are already enabled;
 *   -ERANGE  a VF's routing id falls outside the buses the PF's bridge
 *            routes (or beyond 0xffff, or off the root bus of an RCiEP);
 *   -EIO     First VF Offset / VF Stride unusable, or a VF's config space
 *            did not answer after the 100 ms VF Enable wait;
 *   -EEXIST  a VF's routing id is that of a registered function;
 *   -ENOMEM  the device pool ran out while registering the VFs.
 * On any error VF Enable is clear, NumVFs is 0 and no VF is registered.
 */
int sriov_enable(struct pci_dev *pf, unsigned n);

/*
 * Unregister the VFs, then clear VF Enable and VF MSE and set NumVFs to 0.
 * -EBUSY (nothing changed) while any VF has a reference besides the
 * registry's or an IOMMU domain attached. 0 when no VFs were enabled.
 */
int sriov_disable(struct pci_dev *pf);

#define SRIOV_REQUESTS_MAX 8

struct sriov_request {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint16_t num_vfs;
};

struct sriov_requests {
	unsigned count;
	struct sriov_request req[SRIOV_REQUESTS_MAX];
};

/*
 * cmdline_opt parser for `sriov=SEG:BUS:DEV.FN:N` (repeatable; `dst` is a
 * struct sriov_requests). SEG, BUS and DEV are hex (at most 4, 2 and 2
 * digits; DEV <= 1f), FN decimal 0-7, N decimal 1-65535. A second request
 * for the same function replaces the first. -EINVAL for a malformed
 * value, -ENOSPC beyond SRIOV_REQUESTS_MAX functions; *dst is untouched
 * on error.
 */
int sriov_opt_parse(const char *val, void *dst);

/* Enable the requested VFs (after enumeration). Returns how many requests failed. */
unsigned sriov_apply_requests(const struct sriov_requests *reqs);

#endif
