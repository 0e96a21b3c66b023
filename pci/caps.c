/* SPDX-License-Identifier: MIT */
/*
 * Capability lists. A device controls every byte of them, so the walkers
 * assume the worst: pointers outside the list's region, misaligned
 * pointers, cycles, and capabilities too long for the space left. Each of
 * those ends the walk (or skips the capability) with one warning; nothing
 * here can loop forever or read outside config space.
 */
#define LOG_TAG "pci"
#include "pci/caps.h"
#include "pci/regs.h"
#include "kernel/log.h"

#include <string.h>

struct cap_walk {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	struct pci_caps *caps;
};

static uint32_t cfg_rd(const struct cap_walk *w, uint16_t off, unsigned width)
{
	return pci_cfg_read(w->seg, w->bus, w->devfn, off, width);
}

#define walk_warn(w, fmt, ...)                                                        \
	do {                                                                          \
		(w)->caps->warnings++;                                                \
		pr_warn(PCI_BDF_FMT ": " fmt,                                         \
			PCI_BDF_ARGS((w)->seg, (w)->bus, (w)->devfn), ##__VA_ARGS__); \
	} while (0)

const char *pci_exp_type_name(uint8_t type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT:    return "endpoint";
	case PCI_EXP_TYPE_LEG_END:     return "legacy endpoint";
	case PCI_EXP_TYPE_ROOT_PORT:   return "root port";
	case PCI_EXP_TYPE_UPSTREAM:    return "upstream port";
	case PCI_EXP_TYPE_DOWNSTREAM:  return "downstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE:  return "pcie-to-pci bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE: return "pci-to-pcie bridge";
	case PCI_EXP_TYPE_RC_END:      return "rc integrated";
	case PCI_EXP_TYPE_RC_EC:       return "rc event collector";
	default:                       return "reserved pcie type";
	}
}

/* ---- Standard capabilities ------------------------------------------------ */

/* A capability of `len` bytes at `ptr` must end inside the 256-byte legacy space. */
static bool std_cap_fits(const struct cap_walk *w, uint8_t ptr, unsigned len, const char *name)
{
	if ((unsigned)ptr + len <= PCI_CFG_SIZE_LEGACY)
		return true;
	walk_warn(w, "%s capability at 0x%x runs past 0xff, ignored", name, ptr);
	return false;
}

static void decode_pcie(const struct cap_walk *w, uint8_t ptr)
{
	struct pci_caps *c = w->caps;
	uint16_t flags = cfg_rd(w, ptr + PCI_EXP_FLAGS, 2);

	c->pcie = ptr;
	c->pcie_type = FIELD_GET(PCI_EXP_FLAGS_TYPE, flags);
	/* Device Capabilities/Control 2 exist from capability version 2 on (PCIe 2.0). */
	if (FIELD_GET(PCI_EXP_FLAGS_VERS, flags) < 2 ||
	    (unsigned)ptr + PCI_EXP_CAP_LEN_V2 > PCI_CFG_SIZE_LEGACY)
		return;
	c->ari_fwd_supported = cfg_rd(w, ptr + PCI_EXP_DEVCAP2, 4) & PCI_EXP_DEVCAP2_ARI;
	c->ari_fwd_enabled = cfg_rd(w, ptr + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI;
}

static void decode_msi(const struct cap_walk *w, uint8_t ptr)
{
	struct pci_caps *c = w->caps;
	uint16_t flags = cfg_rd(w, ptr + PCI_MSI_FLAGS, 2);
	unsigned log2_vectors = FIELD_GET(PCI_MSI_FLAGS_QMASK, flags);

	c->msi = ptr;
	c->msi_64bit = flags & PCI_MSI_FLAGS_64BIT;
	c->msi_maskable = flags & PCI_MSI_FLAGS_MASKBIT;
	/* Encodings 6 and 7 are reserved (PCI 3.0 §6.8.1.3): at most 32 vectors. */
	if (log2_vectors > 5) {
		walk_warn(w, "MSI multiple-message field %u is reserved, using 32", log2_vectors);
		log2_vectors = 5;
	}
	c->msi_max_vectors = (uint8_t)(1u << log2_vectors);
}

static void decode_msix(const struct cap_walk *w, uint8_t ptr)
{
	struct pci_caps *c = w->caps;
	uint32_t table = cfg_rd(w, ptr + PCI_MSIX_TABLE, 4);

	c->msix = ptr;
	c->msix_table_size = FIELD_GET(PCI_MSIX_FLAGS_QSIZE, cfg_rd(w, ptr + PCI_MSIX_FLAGS, 2)) + 1;
	c->msix_table_bir = FIELD_GET(PCI_MSIX_TABLE_BIR, table);
	c->msix_table_offset = table & PCI_MSIX_TABLE_OFFSET;
	if (c->msix_table_bir >= PCI_BAR_COUNT_NORMAL)
		walk_warn(w, "MSI-X table in BAR indicator %u, which does not exist",
			  c->msix_table_bir);
}

static void decode_std_cap(const struct cap_walk *w, uint8_t id, uint8_t ptr)
{
	struct pci_caps *c = w->caps;

	switch (id) {
	case PCI_CAP_ID_PM:
		if (!c->pm && std_cap_fits(w, ptr, PCI_PM_CAP_LEN, "PM")) {
			c->pm = ptr;
			c->pm_pmc = cfg_rd(w, ptr + PCI_PM_PMC, 2);
		}
		break;
	case PCI_CAP_ID_MSI:
		if (!c->msi && std_cap_fits(w, ptr, PCI_MSI_CAP_LEN, "MSI"))
			decode_msi(w, ptr);
		break;
	case PCI_CAP_ID_MSIX:
		if (!c->msix && std_cap_fits(w, ptr, PCI_MSIX_CAP_LEN, "MSI-X"))
			decode_msix(w, ptr);
		break;
	case PCI_CAP_ID_EXP:
		if (!c->pcie && std_cap_fits(w, ptr, PCI_EXP_DEVCAP + 4, "PCIe"))
			decode_pcie(w, ptr);
		break;
	case PCI_CAP_ID_PCIX:
		if (!c->pcix)
			c->pcix = ptr;
		break;
	default:
		break;
	}
}

static uint8_t std_list_head(const struct cap_walk *w, uint8_t header_type)
{
	uint16_t status = cfg_rd(w, PCI_STATUS, 2);

	/* All-ones: the function is gone (surprise removal); there is no list to walk. */
	if (status == 0xffff || !(status & PCI_STATUS_CAP_LIST))
		return 0;
	if (header_type == PCI_HEADER_TYPE_CARDBUS)
		return cfg_rd(w, PCI_CB_CAPABILITY_LIST, 1);
	return cfg_rd(w, PCI_CAPABILITY_LIST, 1);
}

static void std_caps_walk(const struct cap_walk *w, uint8_t header_type)
{
	/* One bit per dword slot 0x40..0xfc: 48 slots, so also at most 48 hops. */
	uint64_t visited = 0;
	uint8_t ptr = std_list_head(w, header_type) & PCI_CAP_PTR_MASK;

	for (unsigned hops = 0; ptr; hops++) {
		unsigned slot;
		uint8_t id;

		if (ptr < PCI_CAP_PTR_MIN || ptr > PCI_CAP_PTR_MAX) {
			walk_warn(w, "capability pointer 0x%x outside 0x40-0xfc, list ends", ptr);
			return;
		}
		slot = (ptr - PCI_CAP_PTR_MIN) / 4;
		if (visited & BIT(slot) || hops >= 48) {
			walk_warn(w, "capability list loops back to 0x%x, list ends", ptr);
			return;
		}
		visited |= BIT(slot);
		id = cfg_rd(w, ptr + PCI_CAP_ID, 1);
		decode_std_cap(w, id, ptr);
		ptr = cfg_rd(w, ptr + PCI_CAP_NEXT, 1) & PCI_CAP_PTR_MASK;
	}
}

/* ---- Extended capabilities ------------------------------------------------ */

static bool ext_cap_fits(const struct cap_walk *w, uint16_t off, unsigned len, const char *name)
{
	if ((unsigned)off + len <= PCI_CFG_SIZE)
		return true;
	walk_warn(w, "%s extended capability at 0x%x runs past 0xfff, ignored", name, off);
	return false;
}

static void decode_ext_small(const struct cap_walk *w, uint16_t id, uint16_t off)
{
	struct pci_caps *c = w->caps;
	uint16_t reg;

	switch (id) {
	case PCI_EXT_CAP_ID_ARI:
		c->ari = off;
		c->ari_next_fn = FIELD_GET(PCI_ARI_CAP_NFN, cfg_rd(w, off + PCI_ARI_CAP, 2));
		break;
	case PCI_EXT_CAP_ID_ACS:
		c->acs = off;
		c->acs_caps = cfg_rd(w, off + PCI_ACS_CAP, 2);
		break;
	case PCI_EXT_CAP_ID_ATS:
		c->ats = off;
		reg = FIELD_GET(PCI_ATS_CAP_QDEP, cfg_rd(w, off + PCI_ATS_CAP, 2));
		c->ats_queue_depth = reg ? reg : 32;   /* 0 encodes 32 (PCIe 4.0 §10.5.1.2) */
		break;
	case PCI_EXT_CAP_ID_PASID:
		c->pasid = off;
		reg = cfg_rd(w, off + PCI_PASID_CAP, 2);
		c->pasid_width = FIELD_GET(PCI_PASID_CAP_WIDTH, reg);
		c->pasid_exec = reg & PCI_PASID_CAP_EXEC;
		c->pasid_priv = reg & PCI_PASID_CAP_PRIV;
		break;
	default:
		break;
	}
}

static void decode_ext_cap(const struct cap_walk *w, uint16_t id, uint16_t off)
{
	struct pci_caps *c = w->caps;

	switch (id) {
	case PCI_EXT_CAP_ID_AER:
		if (!c->aer)
			c->aer = off;
		break;
	case PCI_EXT_CAP_ID_ARI:
		if (!c->ari && ext_cap_fits(w, off, PCI_ARI_CAP_LEN, "ARI"))
			decode_ext_small(w, id, off);
		break;
	case PCI_EXT_CAP_ID_ACS:
		if (!c->acs && ext_cap_fits(w, off, PCI_ACS_CAP_LEN, "ACS"))
			decode_ext_small(w, id, off);
		break;
	case PCI_EXT_CAP_ID_ATS:
		if (!c->ats && ext_cap_fits(w, off, PCI_ATS_CAP_LEN, "ATS"))
			decode_ext_small(w, id, off);
		break;
	case PCI_EXT_CAP_ID_PASID:
		if (!c->pasid && ext_cap_fits(w, off, PCI_PASID_CAP_LEN, "PASID"))
			decode_ext_small(w, id, off);
		break;
	case PCI_EXT_CAP_ID_PRI:
		if (!c->pri && ext_cap_fits(w, off, PCI_PRI_CAP_LEN, "PRI")) {
			c->pri = off;
			c->pri_max_requests = cfg_rd(w, off + PCI_PRI_MAX_REQ, 4);
		}
		break;
	case PCI_EXT_CAP_ID_SRIOV:
		if (!c->sriov && ext_cap_fits(w, off, PCI_SRIOV_CAP_LEN, "SR-IOV"))
			c->sriov = off;
		break;
	case PCI_EXT_CAP_ID_DSN:
		if (!c->dsn && ext_cap_fits(w, off, PCI_DSN_CAP_LEN, "DSN")) {
			c->dsn = off;
			c->serial = (uint64_t)cfg_rd(w, off + PCI_DSN_HIGH, 4) << 32 |
				    cfg_rd(w, off + PCI_DSN_LOW, 4);
		}
		break;
	default:
		break;
	}
}

static void ext_caps_walk(const struct cap_walk *w)
{
	/* One bit per dword slot 0x100..0xffc (960 slots), also the hop limit. */
	uint64_t visited[(PCI_EXT_CAP_MAX_HOPS + 63) / 64];
	uint16_t off = PCI_EXT_CAP_START;

	memset(visited, 0, sizeof(visited));
	for (unsigned hops = 0;; hops++) {
		uint32_t hdr = cfg_rd(w, off, 4);
		unsigned slot = (off - PCI_EXT_CAP_START) / 4;
		uint16_t next;

		/* PCIe 4.0 §7.6.2: an all-zero header means no (more) capabilities. */
		if (hdr == 0 || hdr == 0xffffffffu)
			return;
		if (visited[slot / 64] & BIT(slot % 64) || hops >= PCI_EXT_CAP_MAX_HOPS) {
			walk_warn(w, "extended capability list loops back to 0x%x, list ends", off);
			return;
		}
		visited[slot / 64] |= BIT(slot % 64);
		decode_ext_cap(w, FIELD_GET(PCI_EXT_CAP_HDR_ID, hdr), off);
		next = FIELD_GET(PCI_EXT_CAP_HDR_NEXT, hdr);
		if (next == 0)
			return;
		if (next < PCI_EXT_CAP_START || next % 4) {
			walk_warn(w, "extended capability pointer 0x%x at 0x%x is %s, list ends",
				  next, off, next % 4 ? "misaligned" : "below 0x100");
			return;
		}
		off = next;
	}
}

uint16_t pci_ext_cap_find(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t id)
{
	uint64_t visited[(PCI_EXT_CAP_MAX_HOPS + 63) / 64];
	uint16_t off = PCI_EXT_CAP_START;

	memset(visited, 0, sizeof(visited));
	for (;;) {
		uint32_t hdr = pci_cfg_read(seg, bus, devfn, off, 4);
		unsigned slot = (off - PCI_EXT_CAP_START) / 4;
		uint16_t next = FIELD_GET(PCI_EXT_CAP_HDR_NEXT, hdr);

		if (hdr == 0 || hdr == 0xffffffffu || visited[slot / 64] & BIT(slot % 64))
			return 0;
		visited[slot / 64] |= BIT(slot % 64);
		if (FIELD_GET(PCI_EXT_CAP_HDR_ID, hdr) == id)
			return off;
		if (next < PCI_EXT_CAP_START || next % 4)
			return 0;
		off = next;
	}
}

void pci_caps_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t header_type,
		   struct pci_caps *caps)
{
	struct cap_walk w = { seg, bus, devfn, caps };

	memset(caps, 0, sizeof(*caps));
	std_caps_walk(&w, header_type);
	if (pci_caps_is_pcie(caps))
		ext_caps_walk(&w);
}
