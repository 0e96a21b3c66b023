// SPDX-License-Identifier: MIT
/*
 * Partition memory maps (see guest_map.h). Both maps are painted the same
 * way: a list of pieces, each a range with a type; at every address the
 * most restrictive piece that covers it decides the type, and the result is
 * walked boundary by boundary. The walk needs no scratch arrays (a monitor
 * stack is small) and is quadratic in the number of pieces, which is
 * bounded and only run once per partition at boot.
 */
#include <errno.h>

#define LOG_TAG "gmap"
#include "kernel/log.h"
#include "kernel/partition/guest_map.h"

#define GUEST_MAP_LIMIT         BIT(52)   /* nothing physical lies above 4 PiB */

/* Restrictiveness: higher wins where pieces overlap. */
enum rank { RANK_NONE = -1, RANK_AVAILABLE, RANK_ACPI_RECLAIM, RANK_ACPI_NVS, RANK_RESERVED,
	    RANK_BAD };

static const uint32_t rank_type[] = {
	[RANK_AVAILABLE] = MEM_AVAILABLE,
	[RANK_ACPI_RECLAIM] = MEM_ACPI_RECLAIM,
	[RANK_ACPI_NVS] = MEM_ACPI_NVS,
	[RANK_RESERVED] = MEM_RESERVED,
	[RANK_BAD] = MEM_BAD,
};

static enum rank type_rank(uint32_t type)
{
	switch (type) {
	case MEM_AVAILABLE:    return RANK_AVAILABLE;
	case MEM_ACPI_RECLAIM: return RANK_ACPI_RECLAIM;
	case MEM_ACPI_NVS:     return RANK_ACPI_NVS;
	case MEM_BAD:          return RANK_BAD;
	default:               return RANK_RESERVED;   /* reserved and anything unknown */
	}
}

struct piece {
	uint64_t base, end;     /* end exclusive */
	enum rank rank;
};

/*
 * The pieces of one map: for the root, RAM ranges (available) and the
 * firmware's non-available entries; for a child, [0, size) and the
 * caller's reserved ranges.
 */
struct pieces {
	const struct mem_range *fw;
	unsigned nfw;
	const struct phys_range *ranges;   /* root: RAM; child: reserved */
	unsigned nranges;
	uint64_t child_size;               /* 0: root map */
};

static unsigned pieces_count(const struct pieces *p)
{
	return p->nfw + p->nranges + (p->child_size ? 1 : 0);
}

/* Firmware entry as a piece: wrapping entries reach to the top, bases past it vanish. */
static bool fw_piece(const struct mem_range *m, struct piece *out)
{
	uint64_t end = range_overflows(m->base, m->len) ? GUEST_MAP_LIMIT : m->base + m->len;

	out->base = m->base;
	out->end = MIN(end, GUEST_MAP_LIMIT);
	out->rank = type_rank(m->type);
	return m->len && out->base < out->end;
}

/* Piece i, false when it covers nothing in this map. */
static bool piece_get(const struct pieces *p, unsigned i, struct piece *out)
{
	if (i < p->nfw)
		return fw_piece(&p->fw[i], out) && out->rank != RANK_AVAILABLE;
	i -= p->nfw;
	if (i < p->nranges) {
		out->base = p->ranges[i].base;
		out->end = p->ranges[i].end;
		out->rank = p->child_size ? RANK_RESERVED : RANK_AVAILABLE;
		if (p->child_size)
			out->end = MIN(out->end, p->child_size);
		return out->base < out->end;
	}
	out->base = 0;
	out->end = p->child_size;
	out->rank = RANK_AVAILABLE;
	return true;
}

/* The rank at `at`, and the next address above it where some piece starts or ends. */
static enum rank rank_at(const struct pieces *p, uint64_t at, uint64_t *next)
{
	enum rank r = RANK_NONE;
	unsigned i, n = pieces_count(p);
	struct piece pc;

	*next = GUEST_MAP_LIMIT;
	for (i = 0; i < n; i++) {
		if (!piece_get(p, i, &pc))
			continue;
		if (pc.base > at)
			*next = MIN(*next, pc.base);
		else if (pc.end > at) {
			*next = MIN(*next, pc.end);
			r = MAX(r, pc.rank);
		}
	}
	return r;
}

static int paint(const struct pieces *p, struct mem_range *out, unsigned max_out, unsigned *nout)
{
	uint64_t at = 0, next;
	unsigned n = 0;

	while (at < GUEST_MAP_LIMIT) {
		enum rank r = rank_at(p, at, &next);

		if (r != RANK_NONE) {
			uint32_t type = rank_type[r];

			if (n && out[n - 1].type == type && out[n - 1].base + out[n - 1].len == at) {
				out[n - 1].len += next - at;
			} else {
				if (n == max_out)
					return -ENOSPC;
				out[n++] = (struct mem_range){ at, next - at, type };
			}
		}
		at = next;
	}
	*nout = n;
	return 0;
}

/* True when every byte of [base, end) is in some available firmware entry. */
static bool fw_available_covers(const struct mem_range *fw, unsigned nfw, uint64_t base,
				uint64_t end)
{
	uint64_t at = base;

	while (at < end) {
		uint64_t reach = at;
		struct piece pc;
		unsigned i;

		for (i = 0; i < nfw; i++)
			if (fw_piece(&fw[i], &pc) && pc.rank == RANK_AVAILABLE && pc.base <= at &&
			    pc.end > reach)
				reach = pc.end;
		if (reach == at)
			return false;
		at = reach;
	}
	return true;
}

static int check_root_ram(const struct mem_range *fw, unsigned nfw, const struct phys_range *ram,
			  unsigned nram)
{
	unsigned i, j;

	for (i = 0; i < nram; i++) {
		const struct phys_range *r = &ram[i];

		if (r->base >= r->end || r->end > GUEST_MAP_LIMIT ||
		    !fw_available_covers(fw, nfw, r->base, r->end)) {
			pr_err("root RAM [0x%llx, 0x%llx) is not available memory in the firmware map",
			       (unsigned long long)r->base, (unsigned long long)r->end);
			return -EINVAL;
		}
		for (j = 0; j < nfw; j++) {
			struct piece pc;

			if (fw_piece(&fw[j], &pc) && pc.rank != RANK_AVAILABLE &&
			    pc.base < r->end && r->base < pc.end) {
				pr_err("root RAM [0x%llx, 0x%llx) overlaps firmware type %u at 0x%llx",
				       (unsigned long long)r->base, (unsigned long long)r->end,
				       fw[j].type, (unsigned long long)fw[j].base);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int guest_map_root(const struct mem_range *fw, unsigned nfw, const struct phys_range *ram,
		   unsigned nram, struct mem_range *out, unsigned max_out, unsigned *nout)
{
	struct pieces p = { fw, nfw, ram, nram, 0 };
	int err;

	if (nfw > GUEST_MAP_MAX_IN || nram > GUEST_MAP_MAX_IN) {
		pr_err("%u firmware entries / %u RAM ranges exceed %u", nfw, nram, GUEST_MAP_MAX_IN);
		return -EINVAL;
	}
	err = check_root_ram(fw, nfw, ram, nram);
	if (!err)
		err = paint(&p, out, max_out, nout);
	if (err == -ENOSPC)
		pr_err("root memory map needs more than %u entries", max_out);
	return err;
}

int guest_map_child(uint64_t size, const struct phys_range *reserved, unsigned nreserved,
		    struct mem_range *out, unsigned max_out, unsigned *nout)
{
	struct pieces p = { NULL, 0, reserved, nreserved, size };

	if (!size || !IS_ALIGNED(size, PAGE_SIZE) || size > GUEST_MAP_LIMIT ||
	    nreserved > GUEST_MAP_MAX_IN || (nreserved && !reserved))
		return -EINVAL;
	return paint(&p, out, max_out, nout);
}
