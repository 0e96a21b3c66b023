/* SPDX-License-Identifier: MIT */
/*
 * The monitor command line: space-separated `name` or `name=value` words.
 * Options are declared in a table; each has a parser that validates its
 * value. Unknown options and invalid values are reported (never silently
 * ignored) and the rest of the line still applies.
 */
#ifndef IOMON_CMDLINE_H
#define IOMON_CMDLINE_H

#include "kernel/types.h"

/* Longest option table cmdline_apply() handles (it tracks repeats per entry). */
#define CMDLINE_OPTS_MAX 64

struct cmdline_opt {
	const char *name;
	/*
	 * Returns 0 or a negative errno; `val` is NULL for a bare word.
	 * Must leave *dst untouched when it fails (a bad value is not applied).
	 */
	int (*parse)(const char *val, void *dst);
	void *dst;
	bool repeatable;   /* otherwise a second occurrence overrides with a warning */
};

/*
 * Apply `line` to `opts`. Returns the number of words that were reported
 * (unknown name, bad value, over-long word), 0 when everything applied.
 */
int cmdline_apply(const char *line, const struct cmdline_opt *opts, unsigned nopts);

/* Value parsers shared by option tables. */
int cmdline_parse_u64(const char *s, uint64_t *out);   /* decimal or 0x hex, no junk */
int cmdline_parse_size(const char *s, uint64_t *out);
/*
 * One field of a structured value (e.g. the "01" of "0000:01:00.0"): 1 to
 * `max_digits` digits in `radix`, at most `max`, followed by `end` ('\0' for
 * the last field). Returns the text after `end`, or NULL.
 */
const char *cmdline_parse_field(const char *s, unsigned radix, unsigned max_digits, uint32_t max,
				char end, uint32_t *out);  /* 64M, 2G, 4096, 0x1000, K/M/G suffix */

/* console=com1[,baud] | com2..com4[,baud] | 0xPORT[,baud] */
struct console_cfg {
	uint16_t port;
	uint32_t baud;
};
int cmdline_parse_console(const char *val, void *dst);

/* loglevel=err|warn|info|debug|0..3 (stores an enum log_level) */
int cmdline_parse_loglevel(const char *val, void *dst);

/* A flag: bare `name`, or name=1|0|on|off|yes|no|true|false (stores a bool). */
int cmdline_parse_bool(const char *val, void *dst);

#endif
