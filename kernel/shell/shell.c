// SPDX-License-Identifier: MIT
/*
 * The monitor shell: line editing, the command table and one small function
 * per command, each printing greppable lines ("dev ...", "unit ...") over
 * the read-only view of the layers (kernel/shell/view.h). The shell holds
 * no hardware knowledge and never trusts an argument: every number is
 * parsed strictly and checked against what the view says exists.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/shell/shell.h"
#include "kernel/shell/view.h"
#include "kernel/spinlock.h"

#define SHELL_ARGS_MAX 4
#define MAP_RANGES_MAX 64          /* coalesced ranges `map` prints */
#define MAP_STEPS_MAX  (1u << 16)  /* walks `map` may take over one range */
#define FAULTS_MAX     16
#define HVCALL_CODES_MAX 48        /* hypercall codes `partitions` lists per partition */
#define SHELL_POLL_BYTES 64        /* bytes taken per poll: a paste cannot hold a CPU long */

static struct {
	bool open;
	char line[SHELL_LINE_MAX + 1];
	unsigned len;
	unsigned lines_out, lines_cut; /* this command's output budget */
	/* A control waiting for "yes". */
	int (*pending)(const char *arg);
	char pending_arg[SHELL_LINE_MAX + 1];
} sh;

/* ---- Output --------------------------------------------------------------------------- */

static void out(const char *fmt, ...) __printf(1, 2);
static void out(const char *fmt, ...)
{
	char buf[384];
	va_list ap;
	int n;

	if (sh.lines_out >= SHELL_MAX_LINES) {
		sh.lines_cut++;
		return;
	}
	sh.lines_out++;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	view_write(buf, n);
}

static void prompt(void) { view_write("iomon> ", 7); }

static const char *perms_str(unsigned p)
{
	static const char *const names[8] = { "-", "R", "W", "RW", "X", "RX", "WX", "RWX" };
	return names[p & 7];
}

static const char *size_str(uint64_t s, char *buf, size_t n)
{
	if (s >= (1ull << 30) && !(s & ((1ull << 30) - 1)))
		snprintf(buf, n, "%lluG", (unsigned long long)(s >> 30));
	else if (s >= (1ull << 20) && !(s & ((1ull << 20) - 1)))
		snprintf(buf, n, "%lluM", (unsigned long long)(s >> 20));
	else
		snprintf(buf, n, "%lluK", (unsigned long long)(s >> 10));
	return buf;
}

/* ---- Arguments ------------------------------------------------------------------------ */

/* A whole word as a number: decimal, or hex with 0x. No sign, no trailing junk, no overflow. */
static int parse_u64(const char *s, uint64_t *v)
{
	unsigned base = 10;
	uint64_t x = 0;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return -EINVAL;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (x > (UINT64_MAX - d) / base)
			return -ERANGE;
		x = x * base + d;
	}
	*v = x;
	return 0;
}

static int parse_hex_field(const char **s, char end, unsigned max_digits, unsigned *v)
{
	unsigned x = 0, n = 0;

	for (; **s && **s != end; (*s)++, n++) {
		char c = **s;

		if (n == max_digits)
			return -EINVAL;
		if (c >= '0' && c <= '9')
			x = x * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			x = x * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = x * 16 + (c - 'A' + 10);
		else
			return -EINVAL;
	}
	if (!n || **s != end)
		return -EINVAL;
	if (end)
		(*s)++;
	*v = x;
	return 0;
}

/* SSSS:BB:DD.F or BB:DD.F (hex): segment 4 digits, bus 2, device 2 (at most 0x1f), function 1 (at most 7). */
static int parse_bdf(const char *s, uint16_t *seg, uint8_t *bus, uint8_t *devfn)
{
	unsigned a = 0, b, d, f, colons = 0;
	const char *p = s;

	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if (colons < 1 || colons > 2)
		return -EINVAL;
	if (colons == 2 && parse_hex_field(&p, ':', 4, &a))
		return -EINVAL;
	if (parse_hex_field(&p, ':', 2, &b) || parse_hex_field(&p, '.', 2, &d) ||
	    parse_hex_field(&p, 0, 1, &f) || d > 0x1f || f > 7)
		return -EINVAL;
	*seg = (uint16_t)a;
	*bus = (uint8_t)b;
	*devfn = (uint8_t)(d << 3 | f);
	return 0;
}

static int parse_domain(const char *s, uint32_t *id)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

/* A partition by name or id. */
static bool find_partition(const char *s, struct view_partition *p)
{
	uint64_t id;
	bool by_id = !parse_u64(s, &id);

	for (unsigned i = 0; view_partition(i, p); i++)
		if (by_id ? p->id == id : !strcmp(p->name, s))
			return true;
	return false;
}

static bool find_domain(uint32_t id, struct view_domain *d)
{
	for (unsigned i = 0; view_domain(i, d); i++)
		if (d->id == id)
			return true;
	return false;
}

/* ---- Commands ------------------------------------------------------------------------- */

static int cmd_help(unsigned argc, char **argv);

static int cmd_devices(unsigned argc, char **argv)
{
	struct view_device d;
	unsigned i;

	(void)argc; (void)argv;
	for (i = 0; view_device(i, &d); i++) {
		char rids[48] = "";
		int n = 0;

		for (unsigned r = 0; r < d.nr_rids && r < VIEW_MAX_RIDS; r++)
			n += snprintf(rids + n, sizeof(rids) - n, "%s%02x:%02x.%x", r ? "," : "",
				      d.rids[r] >> 8, (d.rids[r] >> 3) & 0x1f, d.rids[r] & 7);
		char dom[16] = "none";
		if (d.has_domain)
			snprintf(dom, sizeof(dom), "0x%x", d.domain);
		out("dev %*s%04x:%02x:%02x.%x %04x:%04x %s rids %s group %d%s owner %s domain %s faults %llu bus-master %s",
		    (int)(d.depth > 8 ? 16 : d.depth * 2), "", d.seg, d.bus, d.devfn >> 3, d.devfn & 7,
		    d.vendor, d.device, d.is_bridge ? "bridge" : d.is_vf ? "vf" : "device", rids[0] ? rids : "-",
		    d.group, d.group_shared ? " (shared)" : "", d.owner, dom,
		    (unsigned long long)d.faults, d.bus_master ? "on" : "off");
	}
	out("devices: %u", i);
	return 0;
}

static int cmd_units(unsigned argc, char **argv)
{
	struct view_unit u;
	unsigned i;

	(void)argc; (void)argv;
	for (i = 0; view_unit(i, &u); i++)
		out("unit %u %s 0x%016llx seg %u %s; %s; %s head %u tail %u; %llu invalidations, %llu faults, %llu overflows",
		    i, u.vendor, (unsigned long long)u.base, u.segment, u.caps,
		    u.translating ? "translating" : "NOT translating", u.queue_name, u.queue_head, u.queue_tail,
		    (unsigned long long)u.invalidations, (unsigned long long)u.faults,
		    (unsigned long long)u.overflows);
	out("units: %u", i);
	return 0;
}

static int cmd_domains(unsigned argc, char **argv)
{
	struct view_domain d;
	unsigned i;

	(void)argc; (void)argv;
	for (i = 0; view_domain(i, &d); i++)
		out("domain 0x%x %s owner %s devices %u format %s table-pages %llu entries-written %llu flushes %llu%s",
		    d.id, d.kind, d.owner, d.devices, d.format ? d.format : "-",
		    (unsigned long long)d.table_pages, (unsigned long long)d.mappings,
		    (unsigned long long)d.flushes, d.pinned ? " pinned" : "");
	out("domains: %u", i);
	return 0;
}

/* ---- Walks ---------------------------------------------------------------------------- */

struct walk_ctx {
	struct view_walk_step last;
	unsigned steps;
	bool print;
};

static void walk_step(void *ctx, const struct view_walk_step *s)
{
	struct walk_ctx *w = ctx;
	char sz[16];

	w->last = *s;
	w->steps++;
	if (!w->print)
		return;
	if (!s->present)
		out("  L%u table 0x%llx [%u] 0x%016llx not present", s->level, (unsigned long long)s->table,
		    s->index, (unsigned long long)s->entry);
	else if (s->leaf)
		out("  L%u table 0x%llx [%u] 0x%016llx leaf %s page 0x%llx %s", s->level,
		    (unsigned long long)s->table, s->index, (unsigned long long)s->entry,
		    size_str(s->span, sz, sizeof(sz)), (unsigned long long)s->addr, perms_str(s->perms));
	else
		out("  L%u table 0x%llx [%u] 0x%016llx next table 0x%llx %s", s->level,
		    (unsigned long long)s->table, s->index, (unsigned long long)s->entry,
		    (unsigned long long)s->addr, perms_str(s->perms));
}

static int walk_end(const char *what, uint64_t addr, int rc, const struct walk_ctx *w, uint64_t space)
{
	char sz[16];

	if (rc == -ERANGE) {
		out("error: %s 0x%llx is outside the space (below 0x%llx)", what, (unsigned long long)addr,
		    (unsigned long long)space);
		return rc;
	}
	if (rc < 0 || !w->steps) {
		out("error: %s 0x%llx: walk failed (%d)", what, (unsigned long long)addr, rc);
		return rc < 0 ? rc : -EIO;
	}
	if (w->last.present && w->last.leaf) {
		uint64_t pa = w->last.addr + (addr & (w->last.span - 1));

		out("result: %s 0x%llx -> 0x%llx (%s page, %s)", what, (unsigned long long)addr,
		    (unsigned long long)pa, size_str(w->last.span, sz, sizeof(sz)), perms_str(w->last.perms));
	} else {
		out("result: %s 0x%llx does not translate: L%u entry [%u] not present", what,
		    (unsigned long long)addr, w->last.level, w->last.index);
	}
	return 0;
}

static int cmd_walk(unsigned argc, char **argv)
{
	struct walk_ctx w = { .print = true };
	struct view_domain d;
	uint32_t id;
	uint64_t iova;
	int rc;

	if (argc != 3 || parse_domain(argv[1], &id) || parse_u64(argv[2], &iova))
		return -EINVAL;
	if (!find_domain(id, &d)) {
		out("error: no domain 0x%x", id);
		return -ENOENT;
	}
	if (!d.format) {
		out("error: domain 0x%x (%s) has no table: nothing translates", id, d.kind);
		return -ENODATA;
	}
	out("walk domain 0x%x iova 0x%llx (%s)", id, (unsigned long long)iova, d.format);
	rc = view_domain_walk(id, iova, walk_step, &w);
	if (rc == -ENOENT) {
		out("error: domain 0x%x was destroyed meanwhile", id);
		return rc;
	}
	return walk_end("iova", iova, rc, &w, view_domain_space(id));
}

static int cmd_s2(unsigned argc, char **argv)
{
	struct walk_ctx w = { .print = true };
	struct view_partition p;
	uint64_t gpa;
	int rc;

	if (argc != 3 || parse_u64(argv[2], &gpa))
		return -EINVAL;
	if (!find_partition(argv[1], &p)) {
		out("error: no partition '%.16s'", argv[1]);
		return -ENOENT;
	}
	out("s2 %s gpa 0x%llx (%s)", p.name, (unsigned long long)gpa, p.s2_format ? p.s2_format : "-");
	rc = view_s2_walk(p.id, gpa, walk_step, &w);
	return walk_end("gpa", gpa, rc, &w, view_s2_space(p.id));
}

/* "START-END" (end exclusive), both page aligned. */
static int parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	char buf[SHELL_LINE_MAX + 1];
	char *dash;

	if (strlen(s) > SHELL_LINE_MAX)
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (parse_u64(buf, start) || parse_u64(dash + 1, end) || *start >= *end || (*start | *end) & 0xfff)
		return -EINVAL;
	return 0;
}

struct map_run {
	bool open;
	uint64_t iova, end;
	paddr_t pa;
	uint64_t page;
	unsigned perms;
	unsigned printed;
};

static void map_flush(struct map_run *r)
{
	char sz[16], len[16];

	if (!r->open)
		return;
	r->printed++;
	out("map 0x%llx-0x%llx -> 0x%llx %s %s pages %s", (unsigned long long)r->iova,
	    (unsigned long long)r->end, (unsigned long long)r->pa, size_str(r->end - r->iova, len, sizeof(len)),
	    size_str(r->page, sz, sizeof(sz)), perms_str(r->perms));
	r->open = false;
}

static int cmd_map(unsigned argc, char **argv)
{
	struct map_run run = { 0 };
	struct view_domain d;
	uint64_t start = 0, end, at, space;
	unsigned steps = 0;
	bool failed = false;
	uint32_t id;

	if (argc < 2 || argc > 3 || parse_domain(argv[1], &id))
		return -EINVAL;
	if (!find_domain(id, &d)) {
		out("error: no domain 0x%x", id);
		return -ENOENT;
	}
	space = view_domain_space(id);
	if (!d.format || !space) {
		out("map domain 0x%x (%s): no table, nothing mapped", id, d.kind);
		return 0;
	}
	end = space;
	if (argc == 3 && parse_range(argv[2], &start, &end))
		return -EINVAL;
	if (end > space) {
		out("error: range ends past the domain's space (0x%llx)", (unsigned long long)space);
		return -ERANGE;
	}
	out("map domain 0x%x 0x%llx-0x%llx (%s)", id, (unsigned long long)start, (unsigned long long)end, d.format);
	/* One walk per leaf or hole: a hole skips the whole span of the entry that is not present. */
	for (at = start; at < end && steps < MAP_STEPS_MAX && run.printed < MAP_RANGES_MAX; steps++) {
		struct walk_ctx w = { 0 };
		uint64_t next;

		int rc = view_domain_walk(id, at, walk_step, &w);

		if (rc <= 0) {
			if (rc == -ENOENT)
				out("error: domain 0x%x was destroyed meanwhile", id);
			else
				out("error: map 0x%llx: walk failed (%d)", (unsigned long long)at, rc);
			failed = true;
			break;
		}
		next = (at & ~(w.last.span - 1)) + w.last.span;
		if (w.last.present && w.last.leaf) {
			paddr_t pa = w.last.addr + (at & (w.last.span - 1));

			if (!(run.open && run.end == at && run.pa + (at - run.iova) == pa &&
			      run.perms == w.last.perms && run.page == w.last.span)) {
				map_flush(&run);
				run = (struct map_run){ true, at, at, pa, w.last.span, w.last.perms, run.printed };
			}
			run.end = next < end ? next : end;
		} else {
			map_flush(&run);
		}
		if (next <= at)
			break;
		at = next;
	}
	map_flush(&run);
	if (at < end && !failed)
		out("map: stopped at 0x%llx (output bounded); give a range to see more", (unsigned long long)at);
	out("map: %u ranges", run.printed);
	return 0;
}

static int cmd_faults(unsigned argc, char **argv)
{
	struct view_fault f;
	unsigned i;

	(void)argc; (void)argv;
	for (i = 0; i < FAULTS_MAX && view_fault(i, &f); i++) {
		char dom[16] = "none";

		if (f.has_domain)
			snprintf(dom, sizeof(dom), "0x%x", f.domain);
		out("fault #%llu unit 0x%llx %04x:%02x:%02x.%x %s 0x%llx reason 0x%x (%s) device %02x:%02x.%x domain %s",
		    (unsigned long long)f.seq, (unsigned long long)f.unit_base, f.seg, f.rid >> 8,
		    (f.rid >> 3) & 0x1f, f.rid & 7, f.is_write ? "write" : "read", (unsigned long long)f.addr,
		    f.reason, f.reason_name ? f.reason_name : "?", f.dev_rid >> 8, (f.dev_rid >> 3) & 0x1f,
		    f.dev_rid & 7, dom);
	}
	out("faults: %u shown (newest first)", i);
	return 0;
}

/* One line per hypercall code the partition used: counts, then each status returned. */
static void partition_hvcalls(const struct view_partition *p)
{
	struct view_hvcall h;

	for (unsigned i = 0; i < HVCALL_CODES_MAX && view_hvcall(p->id, i, &h); i++) {
		char code[8] = "other", st[160] = "";
		int m = 0;

		if (h.known)
			snprintf(code, sizeof(code), "0x%04x", h.code);
		for (unsigned s = 0; s < h.nr_status && s < VIEW_HV_STATUS_MAX && m < (int)sizeof(st); s++)
			m += snprintf(st + m, sizeof(st) - m, " %s %llu", h.status_name[s],
				      (unsigned long long)h.status_count[s]);
		out("partition %u %s hv %s %s calls %llu reps %llu cont %llu flushes %llu table-pages %llu%s",
		    p->id, p->name, code, h.name, (unsigned long long)h.calls, (unsigned long long)h.reps,
		    (unsigned long long)h.continuations, (unsigned long long)h.flushes,
		    (unsigned long long)h.table_pages, st);
	}
}

static int cmd_partitions(unsigned argc, char **argv)
{
	struct view_partition p;
	unsigned i;

	(void)argc; (void)argv;
	for (i = 0; view_partition(i, &p); i++) {
		char cpus[48] = "", exits[300] = "";
		int n = 0, m = 0;
		uint64_t total = 0;

		for (unsigned c = 0; c < p.ncpus && c < 8; c++)
			n += snprintf(cpus + n, sizeof(cpus) - n, "%s%u", c ? "," : "", p.cpus[c]);
		for (unsigned k = 0; k < p.exit_kinds && k < VIEW_EXIT_KINDS_MAX; k++) {
			total += p.exits[k];
			if (p.exits[k] && m < (int)sizeof(exits))
				m += snprintf(exits + m, sizeof(exits) - m, " %s %llu", p.exit_names[k],
					      (unsigned long long)p.exits[k]);
		}
		out("partition %u %s %s %s cpus %s mem %lluM deposit %llu pages (%llu in use)", p.id, p.name,
		    p.is_root ? "root" : "child", p.state, cpus[0] ? cpus : "-",
		    (unsigned long long)(p.ram_bytes >> 20), (unsigned long long)p.deposit_pages,
		    (unsigned long long)p.deposit_in_use);
		out("partition %u %s exits %llu:%s", p.id, p.name, (unsigned long long)total, m ? exits : " none");
		out("partition %u %s hypercalls %llu, ipis dropped %llu, console lines %llu (%llu dropped)",
		    p.id, p.name, (unsigned long long)p.hypercalls, (unsigned long long)p.ipis_dropped,
		    (unsigned long long)p.console_lines, (unsigned long long)p.console_dropped);
		partition_hvcalls(&p);
	}
	out("partitions: %u", i);
	return 0;
}

static int cmd_counters(unsigned argc, char **argv)
{
	struct view_partition p;
	struct view_unit u;
	struct view_domain d;
	uint64_t faults = 0;
	struct view_device dev;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "reset")))
		return -EINVAL;
	if (argc == 2) {
		view_counters_reset();
		out("counters: reset");
		return 0;
	}
	for (unsigned i = 0; view_partition(i, &p); i++) {
		uint64_t total = 0;

		for (unsigned k = 0; k < p.exit_kinds && k < VIEW_EXIT_KINDS_MAX; k++)
			total += p.exits[k];
		out("counter partition.%s.exits %llu", p.name, (unsigned long long)total);
		out("counter partition.%s.hypercalls %llu", p.name, (unsigned long long)p.hypercalls);
	}
	for (unsigned i = 0; view_unit(i, &u); i++) {
		out("counter unit.%u.invalidations %llu", i, (unsigned long long)u.invalidations);
		out("counter unit.%u.faults %llu", i, (unsigned long long)u.faults);
	}
	for (unsigned i = 0; view_domain(i, &d); i++)
		out("counter domain.0x%x.flushes %llu", d.id, (unsigned long long)d.flushes);
	for (unsigned i = 0; view_device(i, &dev); i++)
		faults += dev.faults;
	out("counter devices.faults %llu", (unsigned long long)faults);
	out("counter console.root-input-dropped %llu", (unsigned long long)shell_console_dropped());
	return 0;
}

static int cmd_loglevel(unsigned argc, char **argv)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };
	uint64_t v;

	if (argc != 2)
		return -EINVAL;
	for (unsigned i = 0; i < 4; i++)
		if (!strcmp(argv[1], names[i])) {
			v = i;
			goto set;
		}
	if (parse_u64(argv[1], &v) || v > 3)
		return -EINVAL;
set:
	if (view_set_loglevel((unsigned)v))
		return -EIO;
	out("loglevel: %s", names[v]);
	return 0;
}

/* Controls: checked now, done after "yes". */
static int do_stop(const char *arg)
{
	struct view_partition p;
	int rc;

	if (!find_partition(arg, &p))
		return -ENOENT;
	rc = view_stop_partition(p.id);
	if (rc)
		out("stop: %s: failed (%d)", p.name, rc);
	else
		out("stop: %s stopped, its devices blocked", p.name);
	return rc;
}

static int do_quarantine(const char *arg)
{
	uint16_t seg;
	uint8_t bus, devfn;
	int rc;

	if (parse_bdf(arg, &seg, &bus, &devfn))
		return -EINVAL;
	rc = view_quarantine(seg, bus, devfn);
	if (rc)
		out("quarantine: %s: failed (%d)", arg, rc);
	else
		out("quarantine: %s in the null domain, bus mastering off", arg);
	return rc;
}

static void ask(int (*action)(const char *), const char *arg, const char *what)
{
	sh.pending = action;
	snprintf(sh.pending_arg, sizeof(sh.pending_arg), "%s", arg);
	out("%s; type 'yes' to confirm, anything else cancels", what);
}

static int cmd_stop(unsigned argc, char **argv)
{
	struct view_partition p;
	char what[96];

	if (argc != 2)
		return -EINVAL;
	if (!find_partition(argv[1], &p)) {
		out("error: no partition '%.16s'", argv[1]);
		return -ENOENT;
	}
	snprintf(what, sizeof(what), "stop %s: its devices go to the null domain, bus mastering off", p.name);
	ask(do_stop, p.name, what);
	return 0;
}

static int cmd_quarantine(unsigned argc, char **argv)
{
	struct view_device d;
	uint16_t seg;
	uint8_t bus, devfn;
	char what[96];

	if (argc != 2 || parse_bdf(argv[1], &seg, &bus, &devfn))
		return -EINVAL;
	for (unsigned i = 0; view_device(i, &d); i++)
		if (d.seg == seg && d.bus == bus && d.devfn == devfn) {
			snprintf(what, sizeof(what), "quarantine %04x:%02x:%02x.%x: its group goes to the null domain",
				 seg, bus, devfn >> 3, devfn & 7);
			ask(do_quarantine, argv[1], what);
			return 0;
		}
	out("error: no device %.16s", argv[1]);
	return -ENOENT;
}

static int cmd_exit(unsigned argc, char **argv)
{
	(void)argc; (void)argv;
	sh.open = false;
	return 0;
}

struct shell_cmd {
	const char *name, *args, *help;
	int (*fn)(unsigned argc, char **argv);
};

static const struct shell_cmd commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "devices", "", "PCI functions: group, requester ids, owner, domain, faults", cmd_devices },
	{ "units", "", "IOMMU units: capabilities, translation, queue head/tail, counts", cmd_units },
	{ "domains", "", "domains: kind, owner, devices, table pages, mappings, flushes", cmd_domains },
	{ "map", "DOMAIN [START-END]", "a domain's mappings as coalesced ranges", cmd_map },
	{ "walk", "DOMAIN IOVA", "the table walk for one IOVA, level by level", cmd_walk },
	{ "s2", "PARTITION GPA", "the stage-2 walk for one guest-physical address", cmd_s2 },
	{ "faults", "", "the most recent DMA faults, newest first", cmd_faults },
	{ "partitions", "", "partitions: CPUs, memory, state, exits, hypercalls by code", cmd_partitions },
	{ "counters", "[reset]", "every counter, one per line (or reset them)", cmd_counters },
	{ "loglevel", "LEVEL", "err, warn, info or debug (0-3)", cmd_loglevel },
	{ "stop", "PARTITION", "stop a partition, its devices blocked (asks to confirm)", cmd_stop },
	{ "quarantine", "DEVICE", "SSSS:BB:DD.F to the null domain (asks to confirm)", cmd_quarantine },
	{ "exit", "", "back to the console (or Ctrl-X three times)", cmd_exit },
};

static int cmd_help(unsigned argc, char **argv)
{
	(void)argc; (void)argv;
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		out("help %-10s %-20s %s", commands[i].name, commands[i].args, commands[i].help);
	return 0;
}

/* ---- Parser and line discipline -------------------------------------------------------- */

void shell_exec(const char *text)
{
	char line[SHELL_LINE_MAX + 1], *argv[SHELL_ARGS_MAX + 1], *p;
	unsigned argc = 0;
	int (*pending)(const char *) = sh.pending;

	sh.lines_out = sh.lines_cut = 0;
	sh.pending = NULL;
	if (strlen(text) > SHELL_LINE_MAX) {
		out("error: line longer than %u characters", SHELL_LINE_MAX);
		return;
	}
	strcpy(line, text);
	for (p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		if (argc == SHELL_ARGS_MAX + 1) {
			out("error: too many arguments");
			return;
		}
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (pending) {
		if (argc == 1 && !strcmp(argv[0], "yes"))
			pending(sh.pending_arg);
		else
			out("cancelled");
		return;
	}
	if (!argc)
		return;
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct shell_cmd *c = &commands[i];

		if (strcmp(argv[0], c->name))
			continue;
		if (c->fn(argc, argv) == -EINVAL)
			out("error: usage: %s %s", c->name, c->args);
		if (sh.lines_cut) {
			sh.lines_out = 0;
			out("... %u more lines not shown", sh.lines_cut);
		}
		return;
	}
	out("error: unknown command '%.20s' (try help)", argv[0]);
}

bool shell_is_open(void) { return sh.open; }

/*
 * The console's input. The physical UART is read in one place, under
 * in_lock, by whichever comes first: the shell's poll or the root's virtual
 * UART wanting a byte (shell_console_getc). Each byte is routed at once: the
 * escape sequence toggles where bytes go; the others go to the root's queue
 * while the shell is closed and to the shell's queue while it is open. The
 * shell's queue is worked off (commands run, output printed) under `busy`
 * by one CPU's poll, so the root never waits behind a command.
 */
#define INPUT_QUEUE 256
#define TOKEN_OPEN  0x100
#define TOKEN_CLOSE 0x101

struct queue {
	uint16_t q[INPUT_QUEUE];
	unsigned head, tail;           /* head - tail bytes waiting */
};

static spinlock_t in_lock = SPINLOCK_INIT;
static struct {
	unsigned escapes;              /* Ctrl-X held back, in a row */
	bool to_shell;
	struct queue shell, root;
	uint64_t root_dropped;         /* the root did not read its console fast enough */
} rd;

static void put(struct queue *q, uint16_t v)
{
	if (q->head - q->tail == INPUT_QUEUE) {
		if (q == &rd.root)
			rd.root_dropped++;
		return;
	}
	q->q[q->head++ % INPUT_QUEUE] = v;
}

static int take(struct queue *q)
{
	return q->head == q->tail ? -1 : q->q[q->tail++ % INPUT_QUEUE];
}

static void deliver(uint8_t c)
{
	put(rd.to_shell ? &rd.shell : &rd.root, c);
}

/* in_lock held. */
static void route(uint8_t c)
{
	if (c == SHELL_ESCAPE_KEY) {
		if (++rd.escapes < SHELL_ESCAPE_COUNT)
			return;
		rd.escapes = 0;
		rd.to_shell = !rd.to_shell;
		put(&rd.shell, rd.to_shell ? TOKEN_OPEN : TOKEN_CLOSE);
		return;
	}
	/* One or two Ctrl-X and then another key: they were meant for whoever has the line (readline's Ctrl-X Ctrl-E). */
	for (; rd.escapes; rd.escapes--)
		deliver(SHELL_ESCAPE_KEY);
	deliver(c);
}

/* in_lock held: what the line holds now, at most SHELL_POLL_BYTES. */
static void read_line(void)
{
	int c;

	for (unsigned n = 0; n < SHELL_POLL_BYTES && (c = view_read_byte()) >= 0; n++)
		route((uint8_t)c);
}

void shell_reset(void)
{
	memset(&sh, 0, sizeof(sh));
	memset(&rd, 0, sizeof(rd));
}

static void open_shell(void)
{
	sh.open = true;
	sh.len = 0;
	view_console_hold(true);
	view_write("\n", 1);
	sh.lines_out = 0;
	out("iomon shell: partitions keep running, their console is held; 'help', 'exit' or Ctrl-X x3 to leave");
	prompt();
}

static void close_shell(void)
{
	sh.open = false;
	sh.pending = NULL;
	sh.lines_out = 0;
	out("iomon shell closed");
	view_console_hold(false);
}

/* `exit` typed: the line goes back to the root. */
static void route_to_root(void)
{
	spin_lock(&in_lock);
	rd.to_shell = false;
	rd.escapes = 0;
	spin_unlock(&in_lock);
}

/* One byte at the open prompt: line editing, and the command on Enter. */
static void edit(uint8_t c)
{
	switch (c) {
	case '\r':
	case '\n':
		view_write("\n", 1);
		sh.line[sh.len] = 0;
		sh.len = 0;
		shell_exec(sh.line);
		if (!sh.open) {
			route_to_root();
			close_shell();
			return;
		}
		prompt();
		return;
	case 0x7f:
	case 0x08:
		if (sh.len) {
			sh.len--;
			view_write("\b \b", 3);
		}
		return;
	case 0x03:   /* Ctrl-C: drop the line */
		sh.len = 0;
		view_write("^C\n", 3);
		prompt();
		return;
	default:
		if (c < 0x20 || c > 0x7e || sh.len == SHELL_LINE_MAX)
			return;   /* only printable ASCII, and the line is bounded */
		sh.line[sh.len++] = (char)c;
		view_write((const char *)&c, 1);
	}
}

/* Work off the shell's queue (`busy` held). */
static void run_queue(void)
{
	for (;;) {
		int v;

		spin_lock(&in_lock);
		v = take(&rd.shell);
		spin_unlock(&in_lock);
		if (v < 0)
			return;
		if (v == TOKEN_OPEN && !sh.open) {
			open_shell();
		} else if (v == TOKEN_CLOSE && sh.open) {
			view_write("\n", 1);
			close_shell();
		} else if (v < 0x100 && sh.open) {
			edit((uint8_t)v);
		}
	}
}

static bool busy;

static bool shell_trylock(void) { return !__atomic_exchange_n(&busy, true, __ATOMIC_ACQUIRE); }
static void shell_unlock(void) { __atomic_store_n(&busy, false, __ATOMIC_RELEASE); }

void shell_input(uint8_t c)
{
	spin_lock(&in_lock);
	route(c);
	spin_unlock(&in_lock);
	if (shell_trylock()) {
		run_queue();
		shell_unlock();
	}
}

void shell_poll(void)
{
	/* One shell at a time; a CPU that finds it busy goes back to its guest at once. */
	if (!shell_trylock())
		return;
	spin_lock(&in_lock);
	read_line();
	spin_unlock(&in_lock);
	run_queue();
	shell_unlock();
}

int shell_console_getc(void)
{
	int v;

	spin_lock(&in_lock);
	v = take(&rd.root);
	if (v < 0 && !rd.to_shell) {
		read_line();
		v = take(&rd.root);
	}
	spin_unlock(&in_lock);
	return v;
}

uint64_t shell_console_dropped(void)
{
	return __atomic_load_n(&rd.root_dropped, __ATOMIC_RELAXED);
}
