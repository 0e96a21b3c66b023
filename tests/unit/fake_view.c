// SPDX-License-Identifier: MIT
/*
 * A fake of kernel/shell/view.h for the shell's tests: a small machine (three
 * functions, one VT-d unit, the default and null domains, a root and a child,
 * two faults) and a recorder of what the shell printed and asked for.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/fake_view.h"

struct fake_view fv;

void fake_view_reset(void)
{
	memset(&fv, 0, sizeof(fv));
	fv.loglevel = 2;
}

void view_write(const char *s, size_t n)
{
	if (n > sizeof(fv.out) - 1 - fv.out_len)
		n = sizeof(fv.out) - 1 - fv.out_len;
	memcpy(fv.out + fv.out_len, s, n);
	fv.out_len += n;
	fv.out[fv.out_len] = 0;
}

int view_read_byte(void)
{
	return fv.in_pos < fv.in_len ? (uint8_t)fv.in[fv.in_pos++] : -1;
}

void view_console_hold(bool hold)
{
	fv.held = hold;
	fv.hold_calls++;
}

static const struct view_device devices[] = {
	{ 0, 0x00, 0x08, 0x1234, 0x11e8, 0, false, false, { 0x0008 }, 1, 1, false, "root", true, 0, 7, true },
	{ 0, 0x00, 0x10, 0x1b36, 0x000c, 0, true, false, { 0x0010 }, 1, 2, false, "root", true, 0, 0, true },
	{ 0, 0x01, 0x00, 0x1b36, 0x0010, 1, false, false, { 0x0100 }, 1, 3, false, "root", true, 0xffffffff, 0, false },
};

bool view_device(unsigned i, struct view_device *out)
{
	if (i >= fv.devices_shown || i >= sizeof(devices) / sizeof(devices[0]))
		return false;
	*out = devices[i];
	return true;
}

bool view_unit(unsigned i, struct view_unit *out)
{
	if (i)
		return false;
	*out = (struct view_unit){ "VT-d", 0xfed90000, 0, "AGAW 48-bit/4-level, superpages 2M 1G, QI", true,
				   "QI", 0x40, 0x60, 18, 2, 0 };
	return true;
}

bool view_domain(unsigned i, struct view_domain *out)
{
	static const struct view_domain d[] = {
		{ 0, "identity", "vtd-sl", "root", 2, 5, 224, 3, 1ull << 48, false },
		{ 0xffffffff, "blocked", NULL, "-", 1, 0, 0, 0, 0, false },
	};
	if (i >= 2)
		return false;
	*out = d[i];
	return true;
}

bool view_partition(unsigned i, struct view_partition *out)
{
	static const char *const names[] = { "cpuid", "io", "hypercall" };

	if (i >= 2)
		return false;
	memset(out, 0, sizeof(*out));
	out->id = i + 1;
	strcpy(out->name, i ? "c1" : "root");
	out->is_root = !i;
	out->state = fv.stopped[i] ? "stopped" : "running";
	out->cpus[0] = i;
	out->ncpus = 1;
	out->ram_bytes = (i ? 64ull : 447ull) << 20;
	out->exit_kinds = 3;
	for (unsigned k = 0; k < 3; k++) {
		out->exit_names[k] = names[k];
		out->exits[k] = fv.counters_reset ? 0 : 10 * (k + 1) + i;
	}
	out->hypercalls = fv.counters_reset ? 0 : 2;
	out->deposit_pages = i ? 0 : 12;
	out->deposit_in_use = i ? 0 : 5;
	out->s2_format = "npt";
	return true;
}

/* The root made three kinds of call (one of them unknown), c1 none (or 100 with hv_flood). */
bool view_hvcall(unsigned partition_id, unsigned i, struct view_hvcall *out)
{
	static const struct view_hvcall root[] = {
		{ 0x0046, true, "GET_PARTITION_ID", 1, 0, 0, 0, 0, 1, { "SUCCESS" }, { 1 } },
		{ 0x00b3, true, "MAP_DEVICE_GPA_PAGES", 7, 1100, 2, 5, 3, 2, { "SUCCESS", "INSUFFICIENT_MEMORY" },
		  { 5, 2 } },
		{ 0, false, "unknown", 1, 0, 0, 0, 0, 1, { "INVALID_HYPERCALL_CODE" }, { 1 } },
	};

	if (fv.counters_reset)
		return false;
	if (partition_id == 2 && fv.hv_flood && i < 100) {
		*out = (struct view_hvcall){ (uint16_t)(0x100 + i), true, "FLOOD", 1, 0, 0, 0, 0, 1, { "SUCCESS" },
					     { 1 } };
		return true;
	}
	if (partition_id != 1 || i >= sizeof(root) / sizeof(root[0]))
		return false;
	*out = root[i];
	return true;
}

bool view_fault(unsigned i, struct view_fault *out)
{
	if (i >= 2)
		return false;
	*out = (struct view_fault){ 2 - i, 0, 0x0008, 0x0008, 0x1c1e3000 + i * 0x1000, true, 5,
				    "write to a page without write permission", 0xfed90000, true, 0 };
	return true;
}

/*
 * Domain 0 (and partition 1's stage-2): 4 levels, [0, 512M) mapped with 2M
 * identity leaves, read-write; everything above is not present at level 3.
 */
static int fake_walk(uint64_t iova, uint64_t space, view_walk_fn fn, void *ctx)
{
	struct view_walk_step s = { 4, 0x1000, (unsigned)(iova >> 39) & 511, 0x2003, true, false, 0x2000,
				    1ull << 39, VIEW_R | VIEW_W };

	if (iova >= space)
		return -ERANGE;
	fv.walks++;
	fn(ctx, &s);
	s = (struct view_walk_step){ 3, 0x2000, (unsigned)(iova >> 30) & 511, 0, false, false, 0, 1ull << 30, 0 };
	if (iova >= (512ull << 20)) {
		fn(ctx, &s);
		return 2;
	}
	s.present = true;
	s.entry = 0x3003;
	s.addr = 0x3000;
	s.perms = VIEW_R | VIEW_W;
	fn(ctx, &s);
	s = (struct view_walk_step){ 2, 0x3000, (unsigned)(iova >> 21) & 511, (iova & ~0x1fffffull) | 0x83,
				     true, true, iova & ~0x1fffffull, 1ull << 21, VIEW_R | VIEW_W };
	fn(ctx, &s);
	return 3;
}

int view_domain_walk(uint32_t id, uint64_t iova, view_walk_fn fn, void *ctx)
{
	if (id == 0xffffffff)
		return -ENODATA;
	if (id != 0 || fv.domain_gone)
		return -ENOENT;
	return fake_walk(iova, 1ull << 48, fn, ctx);
}

int view_s2_walk(unsigned partition_id, uint64_t gpa, view_walk_fn fn, void *ctx)
{
	if (partition_id < 1 || partition_id > 2)
		return -ENOENT;
	return fake_walk(gpa, 1ull << 48, fn, ctx);
}

uint64_t view_domain_space(uint32_t id) { return id == 0 ? 1ull << 48 : 0; }
uint64_t view_s2_space(unsigned partition_id) { return partition_id == 1 || partition_id == 2 ? 1ull << 48 : 0; }

void view_counters_reset(void) { fv.counters_reset = true; }

int view_set_loglevel(unsigned level)
{
	fv.loglevel = level;
	return 0;
}

int view_stop_partition(unsigned partition_id)
{
	if (partition_id < 1 || partition_id > 2)
		return -ENOENT;
	fv.stopped[partition_id - 1] = true;
	return 0;
}

int view_quarantine(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	fv.quarantined++;
	fv.q_seg = seg;
	fv.q_bus = bus;
	fv.q_devfn = devfn;
	return 0;
}
