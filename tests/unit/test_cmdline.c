// SPDX-License-Identifier: MIT
/*
 * Command-line parsing: word splitting, reporting of everything that is not
 * applied, and the strict value parsers shared by option tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/cmdline.h"

/* A repeatable option that records every value it is given. */
static char seen_values[8][32];
static unsigned nseen;

static int record_value(const char *val, void *dst)
{
	(void)dst;
	if (nseen < ARRAY_SIZE(seen_values))
		snprintf(seen_values[nseen++], sizeof(seen_values[0]), "%s", val ? val : "(bare)");
	return 0;
}

static struct console_cfg console;
static enum log_level loglevel;
static uint64_t mem_size;
static bool shell;

static int parse_size_opt(const char *val, void *dst)
{
	return val ? cmdline_parse_size(val, dst) : -EINVAL;
}

static const struct cmdline_opt opts[] = {
	{ "console", cmdline_parse_console, &console, false },
	{ "loglevel", cmdline_parse_loglevel, &loglevel, false },
	{ "mem", parse_size_opt, &mem_size, false },
	{ "shell", cmdline_parse_bool, &shell, false },
	{ "trace", record_value, NULL, true },
};

static int reset(void **state)
{
	(void)state;
	log_capture_reset();
	console = (struct console_cfg){ 0, 0 };
	loglevel = LOG_INFO;
	mem_size = 0;
	shell = false;
	nseen = 0;
	return 0;
}

static int apply(const char *line)
{
	return cmdline_apply(line, opts, ARRAY_SIZE(opts));
}

static void test_bare_words_and_values(void **state)
{
	(void)state;
	assert_int_equal(apply("shell console=com2,9600 loglevel=debug mem=64M trace"), 0);
	assert_true(shell);
	assert_int_equal(console.port, 0x2f8);
	assert_int_equal(console.baud, 9600);
	assert_int_equal(loglevel, LOG_DEBUG);
	assert_int_equal(mem_size, 64 * MiB);
	assert_int_equal(nseen, 1);
	assert_string_equal(seen_values[0], "(bare)");
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_repeated_separators(void **state)
{
	(void)state;
	assert_int_equal(apply("   \t shell  \t\t loglevel=warn   \n"), 0);
	assert_true(shell);
	assert_int_equal(loglevel, LOG_WARN);
	assert_int_equal(apply(""), 0);
	assert_int_equal(apply("    "), 0);
	assert_int_equal(apply(NULL), 0);
}

static void test_unknown_option_reported(void **state)
{
	(void)state;
	assert_int_equal(apply("bogus shell colsole=com1 =x"), 3);
	assert_true(shell);   /* the rest of the line still applies */
	assert_true(log_captured("W/cmdline: unknown option 'bogus' ignored"));
	assert_true(log_captured("W/cmdline: unknown option 'colsole' ignored"));
	assert_true(log_captured("W/cmdline: unknown option '' ignored"));
}

static void test_bad_value_not_applied(void **state)
{
	(void)state;
	assert_int_equal(apply("loglevel=warn console=com1 mem=64M"), 0);
	assert_int_equal(apply("loglevel=loud console=com5 mem=12Q shell=maybe mem"), 5);
	assert_int_equal(loglevel, LOG_WARN);
	assert_int_equal(console.port, 0x3f8);
	assert_int_equal(console.baud, 115200);
	assert_int_equal(mem_size, 64 * MiB);
	assert_false(shell);
	assert_true(log_captured("W/cmdline: invalid value 'loud' for option 'loglevel'"));
	assert_true(log_captured("W/cmdline: invalid value 'com5' for option 'console'"));
	assert_true(log_captured("W/cmdline: invalid value '12Q' for option 'mem'"));
	assert_true(log_captured("W/cmdline: invalid value '(none)' for option 'mem'"));
	/* A bad value is not an "applied twice": no override warning. */
	assert_false(log_captured("given again"));
}

static void test_overlong_word(void **state)
{
	char line[600];
	(void)state;

	/* 256 characters: one too many. 255: accepted (and unknown). */
	memset(line, 'a', 256);
	strcpy(line + 256, " shell ");
	memset(line + 263, 'b', 255);
	line[263 + 255] = '\0';
	assert_int_equal(apply(line), 2);
	assert_true(shell);
	assert_true(log_captured("is 256 characters, longer than 255"));
	assert_true(log_captured("unknown option 'bbbb"));
}

static void test_override_and_repeatable(void **state)
{
	(void)state;
	assert_int_equal(apply("loglevel=err trace=a loglevel=debug trace=b trace"), 0);
	assert_int_equal(loglevel, LOG_DEBUG);   /* the later one wins */
	assert_true(log_captured("W/cmdline: option 'loglevel' given again, the later value wins"));
	assert_int_equal(nseen, 3);
	assert_string_equal(seen_values[0], "a");
	assert_string_equal(seen_values[1], "b");
	assert_string_equal(seen_values[2], "(bare)");
	assert_false(log_captured("option 'trace' given again"));
}

static void test_value_with_equals(void **state)
{
	(void)state;
	/* Only the first '=' splits: the value keeps the rest. */
	assert_int_equal(apply("trace=a=b"), 0);
	assert_string_equal(seen_values[0], "a=b");
}

static int console_ok(const char *s, uint16_t port, uint32_t baud)
{
	struct console_cfg c = { 0, 0 };
	int err = cmdline_parse_console(s, &c);

	if (err)
		return err;
	assert_int_equal(c.port, port);
	assert_int_equal(c.baud, baud);
	return 0;
}

static void test_console(void **state)
{
	struct console_cfg c = { 0x1234, 42 };
	(void)state;

	assert_int_equal(console_ok("com1", 0x3f8, 115200), 0);
	assert_int_equal(console_ok("com2,9600", 0x2f8, 9600), 0);
	assert_int_equal(console_ok("com3", 0x3e8, 115200), 0);
	assert_int_equal(console_ok("COM4,57600", 0x2e8, 57600), 0);
	assert_int_equal(console_ok("0x2f8", 0x2f8, 115200), 0);
	assert_int_equal(console_ok("0x3f8,115200", 0x3f8, 115200), 0);
	assert_int_equal(console_ok("0x3f8,50", 0x3f8, 50), 0);

	static const char *const bad[] = {
		"com5", "com", "0x0", "0", "0x10000", "0xfffc", "com1,1234", "com1,0",
		"com1,", "com1,230400", "com1,25", "com1,9600x", ",9600", "", "0x3f8,9600,1",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_not_equal(cmdline_parse_console(bad[i], &c), 0);
		assert_int_equal(c.port, 0x1234);   /* untouched on error */
		assert_int_equal(c.baud, 42);
	}
	assert_int_equal(cmdline_parse_console(NULL, &c), -EINVAL);
}

static void test_size(void **state)
{
	uint64_t v = 7;
	(void)state;

	assert_int_equal(cmdline_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cmdline_parse_size("0x1000", &v), 0);
	assert_int_equal(v, 0x1000);
	assert_int_equal(cmdline_parse_size("64k", &v), 0);
	assert_int_equal(v, 64 * KiB);
	assert_int_equal(cmdline_parse_size("64K", &v), 0);
	assert_int_equal(v, 64 * KiB);
	assert_int_equal(cmdline_parse_size("64M", &v), 0);
	assert_int_equal(v, 64 * MiB);
	assert_int_equal(cmdline_parse_size("2g", &v), 0);
	assert_int_equal(v, 2 * GiB);
	assert_int_equal(cmdline_parse_size("0x10M", &v), 0);
	assert_int_equal(v, 16 * MiB);
	/* 2^34 G = 2^64: one past the top. */
	assert_int_equal(cmdline_parse_size("17179869183G", &v), 0);
	assert_int_equal(v, 17179869183ULL << 30);
	v = 7;
	assert_int_equal(cmdline_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(cmdline_parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cmdline_parse_size("M", &v), -EINVAL);
	assert_int_equal(cmdline_parse_size("", &v), -EINVAL);
	assert_int_equal(cmdline_parse_size("64MB", &v), -EINVAL);
	assert_int_equal(cmdline_parse_size("64T", &v), -EINVAL);
	assert_int_equal(cmdline_parse_size("-1", &v), -EINVAL);
	assert_int_equal(cmdline_parse_size("1 M", &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_u64(void **state)
{
	uint64_t v = 7;
	(void)state;

	assert_int_equal(cmdline_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cmdline_parse_u64("12345", &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(cmdline_parse_u64("0xdeadBEEF", &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(cmdline_parse_u64("0X10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(cmdline_parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cmdline_parse_u64("0xffffffffffffffff", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	v = 7;
	assert_int_equal(cmdline_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(cmdline_parse_u64("0x10000000000000000", &v), -ERANGE);
	assert_int_equal(cmdline_parse_u64("", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64("0x", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64("12a", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64("0xg", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64("+5", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64(" 5", &v), -EINVAL);
	assert_int_equal(cmdline_parse_u64(NULL, &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_loglevel(void **state)
{
	enum log_level lvl = LOG_INFO;
	static const struct { const char *s; enum log_level lvl; } good[] = {
		{ "err", LOG_ERR }, { "warn", LOG_WARN }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
		{ "0", LOG_ERR }, { "1", LOG_WARN }, { "2", LOG_INFO }, { "3", LOG_DEBUG },
	};
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(good); i++) {
		lvl = (enum log_level)99;
		assert_int_equal(cmdline_parse_loglevel(good[i].s, &lvl), 0);
		assert_int_equal(lvl, good[i].lvl);
	}
	lvl = LOG_INFO;
	assert_int_equal(cmdline_parse_loglevel("4", &lvl), -EINVAL);
	assert_int_equal(cmdline_parse_loglevel("03", &lvl), -EINVAL);
	assert_int_equal(cmdline_parse_loglevel("debugx", &lvl), -EINVAL);
	assert_int_equal(cmdline_parse_loglevel("", &lvl), -EINVAL);
	assert_int_equal(cmdline_parse_loglevel(NULL, &lvl), -EINVAL);
	assert_int_equal(lvl, LOG_INFO);
}

static void test_bool(void **state)
{
	bool b = false;
	(void)state;

	assert_int_equal(cmdline_parse_bool(NULL, &b), 0);
	assert_true(b);
	assert_int_equal(cmdline_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(cmdline_parse_bool("YES", &b), 0);
	assert_true(b);
	assert_int_equal(cmdline_parse_bool("0", &b), 0);
	assert_false(b);
	assert_int_equal(cmdline_parse_bool("2", &b), -EINVAL);
	assert_int_equal(cmdline_parse_bool("", &b), -EINVAL);
	assert_false(b);
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bare_words_and_values),
		T(test_repeated_separators),
		T(test_unknown_option_reported),
		T(test_bad_value_not_applied),
		T(test_overlong_word),
		T(test_override_and_repeatable),
		T(test_value_with_equals),
		T(test_console),
		T(test_size),
		T(test_u64),
		T(test_loglevel),
		T(test_bool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
