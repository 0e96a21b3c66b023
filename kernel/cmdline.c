// SPDX-License-Identifier: MIT
/*
 * The monitor command line. It comes from the loader, so it is untrusted
 * text: words are bounded, values are parsed strictly (no junk, no silent
 * overflow), and anything that is not applied is reported so a typo on the
 * command line never quietly changes how the monitor protects memory.
 */
#define LOG_TAG "cmdline"
#include "kernel/log.h"
#include "kernel/cmdline.h"

/* After the project headers: newlib's sys/cdefs.h also defines __packed and friends. */
#include <errno.h>
#include <string.h>

#define CMDLINE_WORD_MAX 255   /* longest word accepted, in characters */
#define UART_BASE_CLOCK  115200u   /* 8250/16550: divisor = 115200 / baud */
#define UART_PORT_SPAN   8u        /* a UART decodes 8 consecutive I/O ports */

static bool is_separator(char c)
{
	/* GRUB passes spaces; tabs and line ends are tolerated the same way. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool equals_ignore_case(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len && word[i]; i++)
		if (to_lower(s[i]) != word[i])
			return false;
	return i == len && word[i] == '\0';
}

static int digit_value(char c, unsigned radix)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < radix ? v : -1;
}

/* Parse exactly `len` characters as a decimal or 0x-prefixed hex number. */
static int parse_u64_n(const char *s, size_t len, uint64_t *out)
{
	unsigned radix = 10;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		radix = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(s[i], radix);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned)d) / radix)
			return -ERANGE;
		v = v * radix + (unsigned)d;
	}
	*out = v;
	return 0;
}

const char *cmdline_parse_field(const char *s, unsigned radix, unsigned max_digits, uint32_t max,
				char end, uint32_t *out)
{
	uint32_t v = 0;
	unsigned n = 0;
	int d;

	for (; (d = digit_value(*s, radix)) >= 0; s++) {
		if (++n > max_digits)
			return NULL;
		v = v * radix + (uint32_t)d;
	}
	if (n == 0 || v > max || *s != end)
		return NULL;
	*out = v;
	return end ? s + 1 : s;
}

int cmdline_parse_u64(const char *s, uint64_t *out)
{
	if (!s)
		return -EINVAL;
	return parse_u64_n(s, strlen(s), out);
}

static unsigned size_suffix_shift(char c)
{
	switch (to_lower(c)) {
	case 'k': return 10;
	case 'm': return 20;
	case 'g': return 30;
	default:  return 0;
	}
}

int cmdline_parse_size(const char *s, uint64_t *out)
{
	size_t len;
	unsigned shift;
	uint64_t v;
	int err;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	/* Hex digits never include k/m/g, so a trailing suffix is unambiguous. */
	shift = len ? size_suffix_shift(s[len - 1]) : 0;
	if (shift)
		len--;
	err = parse_u64_n(s, len, &v);
	if (err)
		return err;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int cmdline_parse_bool(const char *val, void *dst)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	if (!val) {
		*(bool *)dst = true;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (equals_ignore_case(val, strlen(val), yes[i])) {
			*(bool *)dst = true;
			return 0;
		}
		if (equals_ignore_case(val, strlen(val), no[i])) {
			*(bool *)dst = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* com1..com4 at their PC-standard I/O bases. */
static int parse_console_port(const char *s, size_t len, uint16_t *port)
{
	static const struct { const char *name; uint16_t port; } com[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
	};
	uint64_t v;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(com); i++) {
		if (equals_ignore_case(s, len, com[i].name)) {
			*port = com[i].port;
			return 0;
		}
	}
	err = parse_u64_n(s, len, &v);
	if (err)
		return err;
	/* Port 0 is never a UART, and all 8 registers must fit in the 64 KiB I/O space. */
	if (v == 0 || v > 0x10000 - UART_PORT_SPAN)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

/* The UART divisor is 115200 / baud: only bauds that divide it exactly are exact. */
static int parse_console_baud(const char *s, uint32_t *baud)
{
	uint64_t v;
	int err = cmdline_parse_u64(s, &v);

	if (err)
		return err;
	if (v < 50 || v > UART_BASE_CLOCK || UART_BASE_CLOCK % v != 0)
		return -ERANGE;
	*baud = (uint32_t)v;
	return 0;
}

int cmdline_parse_console(const char *val, void *dst)
{
	struct console_cfg cfg = { .baud = UART_BASE_CLOCK };
	const char *comma;
	int err;

	if (!val)
		return -EINVAL;
	comma = strchr(val, ',');
	err = parse_console_port(val, comma ? (size_t)(comma - val) : strlen(val), &cfg.port);
	if (!err && comma)
		err = parse_console_baud(comma + 1, &cfg.baud);
	if (err)
		return err;
	*(struct console_cfg *)dst = cfg;
	return 0;
}

int cmdline_parse_loglevel(const char *val, void *dst)
{
	static const char *const names[] = {
		[LOG_ERR] = "err", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};

	if (!val)
		return -EINVAL;
	for (size_t lvl = 0; lvl < ARRAY_SIZE(names); lvl++) {
		if (strcmp(val, names[lvl]) == 0 ||
		    (val[0] == (char)('0' + lvl) && val[1] == '\0')) {
			*(enum log_level *)dst = (enum log_level)lvl;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct cmdline_opt *find_opt(const struct cmdline_opt *opts, unsigned nopts,
					  const char *name)
{
	for (unsigned i = 0; i < nopts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* Which options were already applied, so a second occurrence can be reported. */
struct applied_set {
	uint64_t bits[(CMDLINE_OPTS_MAX + 63) / 64];
};

static bool applied_test_and_set(struct applied_set *set, unsigned idx)
{
	uint64_t bit = BIT(idx % 64);
	bool was = set->bits[idx / 64] & bit;

	set->bits[idx / 64] |= bit;
	return was;
}

/* Apply one `name` / `name=value` word (NUL-terminated, writable). 1 when reported. */
static int apply_word(char *word, const struct cmdline_opt *opts, unsigned nopts,
		      struct applied_set *applied)
{
	char *eq = strchr(word, '=');
	const char *val = NULL;
	const struct cmdline_opt *opt;
	int err;

	if (eq) {
		*eq = '\0';
		val = eq + 1;
	}
	opt = find_opt(opts, nopts, word);
	if (!opt) {
		pr_warn("unknown option '%s' ignored", word);
		return 1;
	}
	err = opt->parse(val, opt->dst);
	if (err) {
		pr_warn("invalid value '%s' for option '%s' (error %d), not applied",
			val ? val : "(none)", word, err);
		return 1;
	}
	if (applied_test_and_set(applied, (unsigned)(opt - opts)) && !opt->repeatable)
		pr_warn("option '%s' given again, the later value wins", word);
	return 0;
}

static void report_overlong(const char *word, size_t len)
{
	char prefix[33];
	size_t n = MIN(len, sizeof(prefix) - 1);

	memcpy(prefix, word, n);
	prefix[n] = '\0';
	pr_warn("word '%s...' is %u characters, longer than %u: ignored",
		prefix, (unsigned)len, CMDLINE_WORD_MAX);
}

int cmdline_apply(const char *line, const struct cmdline_opt *opts, unsigned nopts)
{
	struct applied_set applied = { 0 };
	char word[CMDLINE_WORD_MAX + 1];
	int reported = 0;

	if (!line)
		return 0;
	if (nopts > CMDLINE_OPTS_MAX) {
		pr_err("option table has %u entries, only the first %u are used",
		       nopts, CMDLINE_OPTS_MAX);
		nopts = CMDLINE_OPTS_MAX;
	}
	while (*line) {
		size_t len = 0;

		while (is_separator(*line))
			line++;
		while (line[len] && !is_separator(line[len]))
			len++;
		if (len == 0)
			break;
		if (len > CMDLINE_WORD_MAX) {
			report_overlong(line, len);
			reported++;
		} else {
			memcpy(word, line, len);
			word[len] = '\0';
			reported += apply_word(word, opts, nopts, &applied);
		}
		line += len;
	}
	return reported;
}
