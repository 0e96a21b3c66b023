/* SPDX-License-Identifier: MIT */
/*
 * A fake PCI configuration space for host tests: it implements
 * pci_cfg_read/pci_cfg_write (pci/pci.h) over functions the test builds,
 * plus the fake clock behind udelay/time_now_us (kernel/time.h) and a
 * panic() that fails the running cmocka test (or satisfies
 * expect_assert_failure).
 *
 * Each function has 4 KiB of config bytes and a per-byte write mask: only
 * masked bits change on a write, so a BAR of size S reads back ~(S-1) plus
 * its flag bits after all-ones is written, as on hardware. An SR-IOV PF
 * materialises its VFs when VF Enable is set (at PF RID + First VF Offset
 * + i * VF Stride, carrying into the bus number) as copies of a template
 * function whose vendor/device read FFFFh, and removes them when it is
 * cleared.
 */
#ifndef IOMON_TEST_FAKE_PCI_H
#define IOMON_TEST_FAKE_PCI_H

#include "kernel/types.h"

#define FAKE_PCI_MAX_FUNCS 640

/* fake_pci_bar() flags */
#define FAKE_BAR_IO        BIT(0)
#define FAKE_BAR_MEM64     BIT(1)
#define FAKE_BAR_PREFETCH  BIT(2)

struct fake_fn;

void fake_pci_reset(void);

/* A function with a type-0 or type-1 header; `header_type` may carry the multi-function bit. */
struct fake_fn *fake_pci_add(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
			     uint16_t device, uint32_t class, uint8_t header_type);
struct fake_fn *fake_pci_endpoint(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
				  uint16_t device, uint32_t class);
/* A type-1 bridge (class 060400) with primary = bus and the given secondary/subordinate. */
struct fake_fn *fake_pci_bridge(uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t secondary,
				uint8_t subordinate);
/* Configuration used as the image of SR-IOV VFs; never answers itself. */
struct fake_fn *fake_pci_template(uint32_t class);
struct fake_fn *fake_pci_find(uint16_t seg, uint8_t bus, uint8_t devfn);

void fake_pci_set_multifunction(struct fake_fn *f);
/* Answer on every function number of the device with this one config space. */
void fake_pci_mirror_functions(struct fake_fn *f);

/* BAR `idx` (a 64-bit BAR also takes idx + 1) of `size` bytes at `base`. */
void fake_pci_bar(struct fake_fn *f, unsigned idx, uint32_t flags, uint64_t base, uint64_t size);
void fake_pci_set_command(struct fake_fn *f, uint16_t cmd);

/* Append a standard capability of `len` bytes to the list; returns its offset. */
uint8_t fake_pci_cap(struct fake_fn *f, uint8_t id, uint8_t len);
/* A PCIe capability (version 2) of the given device/port type. */
uint8_t fake_pci_pcie(struct fake_fn *f, uint8_t type, bool ari_fwd_supported);
/* Append an extended capability of `len` bytes; returns its offset. */
uint16_t fake_pci_ext_cap(struct fake_fn *f, uint16_t id, uint16_t len);
uint16_t fake_pci_ari(struct fake_fn *f, uint8_t next_fn);
uint16_t fake_pci_dsn(struct fake_fn *f, uint64_t serial);

/*
 * An SR-IOV capability: TotalVFs = InitialVFs = total, the given First VF
 * Offset / VF Stride (for every NumVFs unless fake_pci_sriov_routing() is
 * used), VF Device ID, and VFs that are copies of `vf_template`.
 */
uint16_t fake_pci_sriov(struct fake_fn *pf, uint16_t total, uint16_t offset, uint16_t stride,
			uint16_t vf_device, struct fake_fn *vf_template);
void fake_pci_sriov_vf_bar(struct fake_fn *pf, unsigned idx, uint32_t flags, uint64_t base,
			   uint64_t size);
/* Offset and stride as a function of NumVFs, applied when NumVFs is written. */
void fake_pci_sriov_routing(struct fake_fn *pf,
			    void (*routing)(unsigned num_vfs, uint16_t *offset, uint16_t *stride));
/* VFs materialised but whose config space does not answer (reads all-ones). */
void fake_pci_sriov_vfs_dead(struct fake_fn *pf);

/* Raw access to a function's config bytes and write masks. */
void fake_pci_poke(struct fake_fn *f, uint16_t off, unsigned width, uint32_t val);
uint32_t fake_pci_peek(const struct fake_fn *f, uint16_t off, unsigned width);
void fake_pci_wmask(struct fake_fn *f, uint16_t off, unsigned width, uint32_t mask);

/* Observations. */
uint64_t fake_pci_vf_enable_time(void);        /* fake clock when VF Enable was last set */
uint64_t fake_pci_first_vf_access_time(void);  /* first VF config access after it; ~0 = none */
unsigned fake_pci_decode_violations(void);     /* BARs sized with their decode on */
unsigned fake_pci_vf_count(void);              /* VFs currently materialised */

#endif
