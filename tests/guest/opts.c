// SPDX-License-Identifier: MIT
/*
 * Command-line parsing for the test guest. Strict: a malformed value is a
 * "bad word" (reported by the command-line test) rather than a silent
 * default, so a typo in a scenario fails instead of weakening a check.
 */
#include "tests/guest/opts.h"

static bool word_is(const char *w, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len && name[i]; i++)
		if (w[i] != name[i])
			return false;
	return i == len && name[i] == '\0';
}

static int digit_value(char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned)d < base ? d : -1;
}

/* Decimal, or hexadecimal with a 0x prefix. */
int guest_parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	for (; len; s++, len--) {
		int d = digit_value(*s, base);

		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* A number with an optional K, M or G suffix (binary units). */
int guest_parse_size(const char *s, size_t len, uint64_t *out)
{
	unsigned shift = 0;
	uint64_t v;

	if (len > 1) {
		switch (s[len - 1]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: break;
		}
	}
	if (shift)
		len--;
	if (guest_parse_u64(s, len, &v) || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

/* 0xSTART-0xEND, END exclusive and above START. */
static int parse_range(const char *s, size_t len, struct guest_range *r)
{
	size_t dash;

	for (dash = 0; dash < len && s[dash] != '-'; dash++)
		;
	if (dash == len || guest_parse_u64(s, dash, &r->start) ||
	    guest_parse_u64(s + dash + 1, len - dash - 1, &r->end) || r->end <= r->start)
		return -1;
	return 0;
}

/* BB:DD.F in hexadecimal, as lspci prints it. */
static int parse_bdf(const char *s, size_t len, struct guest_opts *o)
{
	char bus_hex[5] = { '0', 'x', 0, 0, 0 }, dev_hex[5] = { '0', 'x', 0, 0, 0 };
	char fn_hex[4] = { '0', 'x', 0, 0 };
	uint64_t bus, dev, fn;

	if (len != 7 || s[2] != ':' || s[5] != '.')
		return -1;
	bus_hex[2] = s[0];
	bus_hex[3] = s[1];
	dev_hex[2] = s[3];
	dev_hex[3] = s[4];
	fn_hex[2] = s[6];
	if (guest_parse_u64(bus_hex, 4, &bus) || guest_parse_u64(dev_hex, 4, &dev) ||
	    guest_parse_u64(fn_hex, 3, &fn) || dev > 31 || fn > 7)
		return -1;
	o->hidden_bus = (uint8_t)bus;
	o->hidden_dev = (uint8_t)dev;
	o->hidden_fn = (uint8_t)fn;
	return 0;
}

static int parse_crash(const char *v, size_t len, struct guest_opts *o)
{
	if (word_is(v, len, "triple")) {
		o->crash = CRASH_TRIPLE;
		return 0;
	}
	if (len > 6 && word_is(v, 6, "write:")) {
		o->crash = CRASH_WRITE;
		return guest_parse_u64(v + 6, len - 6, &o->crash_addr);
	}
	if (len > 5 && word_is(v, 5, "read:")) {
		o->crash = CRASH_READ;
		return guest_parse_u64(v + 5, len - 5, &o->crash_addr);
	}
	return -1;
}

static int parse_u32(const char *v, size_t len, uint32_t *out)
{
	uint64_t x;

	if (guest_parse_u64(v, len, &x) || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

/* One word: 0 if understood, -1 if not. */
static int parse_word(const char *w, size_t len, struct guest_opts *o)
{
	const char *v = NULL;
	size_t nlen = len, vlen = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (w[i] == '=') {
			nlen = i;
			v = w + i + 1;
			vlen = len - i - 1;
			break;
		}
	}
#define NAME(s) word_is(w, nlen, s)
	if (!v) {
		if (NAME("acpi-hidden"))
			o->acpi_hidden = true;
		else if (NAME("memcheck"))
			o->memcheck = true;
		else if (NAME("irr-check"))
			o->irr_check = true;
		else if (NAME("deposit"))
			o->deposit = true;
		else if (NAME("ddomain"))
			o->ddomain = true;
		else if (NAME("deny"))
			o->deny = true;
		else if (NAME("edu-child"))
			o->edu_child = true;
		else if (NAME("starve"))
			o->starve = true;
		else
			return -1;
		return 0;
	}
	if (NAME("role")) {
		if (word_is(v, vlen, "root"))
			o->role = ROLE_ROOT;
		else if (word_is(v, vlen, "child"))
			o->role = ROLE_CHILD;
		else
			return -1;
		return 0;
	}
	if (NAME("partid")) {
		o->has_partid = true;
		return guest_parse_u64(v, vlen, &o->partid);
	}
	if (NAME("vp"))
		return parse_u32(v, vlen, &o->vp);
	if (NAME("ram"))
		return guest_parse_size(v, vlen, &o->ram) || o->ram == 0 ? -1 : 0;
	if (NAME("exclude")) {
		if (o->nexclude == GUEST_EXCLUDE_MAX)
			return -1;
		if (parse_range(v, vlen, &o->exclude[o->nexclude]))
			return -1;
		o->nexclude++;
		return 0;
	}
	if (NAME("ecam-hidden")) {
		o->ecam_hidden = true;
		return parse_bdf(v, vlen, o);
	}
	if (NAME("crash"))
		return parse_crash(v, vlen, o);
	if (NAME("ipi")) {
		o->has_ipi = true;
		return parse_u32(v, vlen, &o->ipi_apic);
	}
	if (NAME("hold"))
		return guest_parse_u64(v, vlen, &o->hold) || o->hold > 1000000 ? -1 : 0;
	if (NAME("attach")) {
		o->has_attach = true;
		return guest_parse_u64(v, vlen, &o->attach) || o->attach < 2 ? -1 : 0;
	}
	if (NAME("attach-wait"))
		return guest_parse_u64(v, vlen, &o->attach_wait) || o->attach_wait > 1000000 ? -1 : 0;
	if (NAME("dma-gpa"))
		return guest_parse_u64(v, vlen, &o->dma_gpa) || o->dma_gpa % 4096 || !o->dma_gpa ? -1 : 0;
	if (NAME("marker")) {
		if (vlen == 0 || vlen >= sizeof(o->marker))
			return -1;
		for (i = 0; i < vlen; i++)
			o->marker[i] = v[i];
		o->marker[vlen] = '\0';
		o->has_marker = true;
		return 0;
	}
#undef NAME
	return -1;
}

static void record_bad(struct guest_opts *o, const char *w, size_t len)
{
	size_t i;

	if (o->nbad < GUEST_BAD_WORDS_MAX) {
		char *dst = o->bad[o->nbad];

		for (i = 0; i < len && i < GUEST_WORD_MAX - 1; i++)
			dst[i] = w[i];
		dst[i] = '\0';
	}
	o->nbad++;
}

unsigned guest_opts_parse(const char *cmdline, struct guest_opts *o)
{
	const char *p = cmdline ? cmdline : "";

	*o = (struct guest_opts){ .role = ROLE_ROOT, .attach_wait = ATTACH_WAIT_DEFAULT,
				  .dma_gpa = DMA_GPA_DEFAULT };
	while (*p) {
		const char *w;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		len = (size_t)(p - w);
		if (len && parse_word(w, len, o))
			record_bad(o, w, len);
	}
	return o->nbad;
}
