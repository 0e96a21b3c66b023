// SPDX-License-Identifier: MIT
/*
 * The UEFI loader's configuration parser (boot/efi/config.c): the format the
 * README documents, and every line it must refuse with its line number
 * rather than boot something GRUB would read differently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/efi/config.h"

static struct loader_config cfg;
static struct cfg_error err;

/* Parse a heap copy of exactly strlen(text) bytes, so ASan sees any overread. */
static int parse(const char *text)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, text, len);
	ret = cfg_parse(copy, len, &cfg, &err);
	free(copy);
	return ret;
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
	assert_int_equal(parse(text), -EINVAL);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, msg))
		fail_msg("error '%s' does not contain '%s'", err.msg, msg);
}

static void test_documented_example(void **state)
{
	(void)state;
	assert_int_equal(parse("# iomon boot configuration\n"
			       "multiboot2 /iomon/iomon.elf exit=qemu loglevel=debug\n"
			       "module2    /iomon/guest0.elf console=ttyS0\n"), 0);
	assert_string_equal(cfg.monitor.path, "/iomon/iomon.elf");
	assert_string_equal(cfg.monitor.cmdline, "exit=qemu loglevel=debug");
	assert_int_equal(cfg.module_count, 1);
	assert_string_equal(cfg.modules[0].path, "/iomon/guest0.elf");
	assert_string_equal(cfg.modules[0].cmdline, "console=ttyS0");
}

/* GRUB joins the words with single spaces: blanks, tabs and CRLF change nothing. */
static void test_blanks_normalised_like_grub(void **state)
{
	(void)state;
	assert_int_equal(parse("\r\n   \t\n  multiboot2\t/a.elf   x=1 \t y=2  \r\n"
			       "\tmodule2 /m0\r\n"
			       "module2 /dir/m-1_v2.bin   a   b"), 0);   /* no final newline */
	assert_string_equal(cfg.monitor.path, "/a.elf");
	assert_string_equal(cfg.monitor.cmdline, "x=1 y=2");
	assert_int_equal(cfg.module_count, 2);
	assert_string_equal(cfg.modules[0].path, "/m0");
	assert_string_equal(cfg.modules[0].cmdline, "");
	assert_string_equal(cfg.modules[1].path, "/dir/m-1_v2.bin");
	assert_string_equal(cfg.modules[1].cmdline, "a b");
}

static void test_comment_may_hold_anything(void **state)
{
	(void)state;
	assert_int_equal(parse("  # \"quotes\" $vars; {braces} \\ | & < >\n"
			       "multiboot2 /iomon.elf\n"), 0);
	assert_string_equal(cfg.monitor.cmdline, "");
	assert_int_equal(cfg.module_count, 0);
}

static void test_no_monitor(void **state)
{
	(void)state;
	expect_error("", 0, "no multiboot2 line");
	expect_error("# only a comment\n\n", 0, "no multiboot2 line");
}

static void test_module_before_monitor(void **state)
{
	(void)state;
	expect_error("module2 /m\nmultiboot2 /k\n", 1, "module2 before the multiboot2 line");
}

static void test_second_monitor(void **state)
{
	(void)state;
	expect_error("multiboot2 /k\n\nmultiboot2 /k2\n", 3, "a second multiboot2 line");
}

static void test_unknown_command(void **state)
{
	(void)state;
	expect_error("multiboot2 /k\nlinux /vmlinuz\n", 2, "unknown command");
	expect_error("multiboot /k\n", 1, "unknown command");
	expect_error("set timeout=0\n", 1, "unknown command");
}

static void test_missing_path(void **state)
{
	(void)state;
	expect_error("multiboot2\n", 1, "needs the monitor's path");
	expect_error("multiboot2 /k\nmodule2   \n", 2, "needs the module's path");
}

/* Everything GRUB's script parser would expand, quote, split or ignore. */
static void test_grub_specials_refused(void **state)
{
	static const char *const lines[] = {
		"multiboot2 /k a=\"b c\"\n", "multiboot2 /k 'x'\n", "multiboot2 /k a=$b\n",
		"multiboot2 /k a\\ b\n", "multiboot2 /k a; b\n", "multiboot2 /k a|b\n",
		"multiboot2 /k a&\n", "multiboot2 /k <x\n", "multiboot2 /k >x\n",
		"multiboot2 /k {x}\n", "multiboot2 /k a #comment\n", "multiboot2 /k `x`\n",
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		expect_error(lines[i], 1, "is not allowed (GRUB would read it differently)");
}

static void test_non_ascii_refused(void **state)
{
	(void)state;
	expect_error("multiboot2 /k caf\xc3\xa9\n", 1, "byte 195 is not a printable ASCII character");
	expect_error("multiboot2 /k a\x01\n", 1, "byte 1 is not");
	assert_int_equal(cfg_parse("multiboot2 /k\0x\n", 15, &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "byte 0 is not"));
}

static void test_bad_paths(void **state)
{
	char line[400];
	(void)state;

	expect_error("multiboot2 iomon.elf\n", 1, "must start with '/'");
	expect_error("multiboot2 /k\nmodule2 (hd0,gpt2)/m\n", 2, "must start with '/'");
	expect_error("multiboot2 /io*mon.elf\n", 1, "only letters, digits");
	expect_error("multiboot2 /a//b\n", 1, "only letters, digits");
	expect_error("multiboot2 /iomon/\n", 1, "names a directory");
	snprintf(line, sizeof(line), "multiboot2 /%0*d\n", CFG_PATH_MAX - 1, 0);
	expect_error(line, 1, "longer than 127 characters");
	snprintf(line, sizeof(line), "multiboot2 /%0*d\n", CFG_PATH_MAX - 2, 0);
	assert_int_equal(parse(line), 0);
	assert_int_equal(strlen(cfg.monitor.path), CFG_PATH_MAX - 1);
}

static void test_command_line_limits(void **state)
{
	static char text[4096];
	int n;
	(void)state;

	/* 16 words of 63 characters joined by single spaces: exactly 1023 characters. */
	n = snprintf(text, sizeof(text), "multiboot2 /k");
	for (int i = 0; i < 16; i++)
		n += snprintf(text + n, sizeof(text) - n, "  %0*d", 63, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.monitor.cmdline), 1023);
	snprintf(text + n, sizeof(text) - n, " b\n");
	expect_error(text, 1, "longer than 1023 characters");

	snprintf(text, sizeof(text), "multiboot2 /k\nmodule2 /m %0*d", CFG_MODULE_CMDLINE_MAX, 7);
	expect_error(text, 2, "longer than 255 characters");
	snprintf(text, sizeof(text), "multiboot2 /k\nmodule2 /m %0*d", CFG_MODULE_CMDLINE_MAX - 1, 7);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.modules[0].cmdline), CFG_MODULE_CMDLINE_MAX - 1);
}

static void test_too_many_modules(void **state)
{
	static char text[4096];
	int n = snprintf(text, sizeof(text), "multiboot2 /k\n");
	(void)state;

	for (int i = 0; i < CFG_MODULES_MAX; i++)
		n += snprintf(text + n, sizeof(text) - n, "module2 /m%d arg%d\n", i, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.module_count, CFG_MODULES_MAX);
	assert_string_equal(cfg.modules[CFG_MODULES_MAX - 1].cmdline, "arg15");
	snprintf(text + n, sizeof(text) - n, "module2 /one-more\n");
	expect_error(text, CFG_MODULES_MAX + 2, "more than 16 modules");
}

static void test_too_many_words(void **state)
{
	static char text[4096];
	int n = snprintf(text, sizeof(text), "multiboot2 /k");
	(void)state;

	for (int i = 0; i < 127; i++)
		n += snprintf(text + n, sizeof(text) - n, " w");
	expect_error(text, 1, "more than 128 words");
}

static void test_file_too_large(void **state)
{
	char *big = calloc(1, CFG_MAX_SIZE + 1);
	(void)state;

	assert_non_null(big);
	memset(big, '\n', CFG_MAX_SIZE + 1);
	assert_int_equal(cfg_parse(big, CFG_MAX_SIZE + 1, &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "larger than 65536 bytes"));
	free(big);
}

/* A failed parse leaves nothing half-filled that a caller could boot by mistake. */
static void test_error_reports_first_problem_only(void **state)
{
	(void)state;
	expect_error("multiboot2 /k\nbogus\nalso bogus $\n", 2, "unknown command");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_example),
		cmocka_unit_test(test_blanks_normalised_like_grub),
		cmocka_unit_test(test_comment_may_hold_anything),
		cmocka_unit_test(test_no_monitor),
		cmocka_unit_test(test_module_before_monitor),
		cmocka_unit_test(test_second_monitor),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_grub_specials_refused),
		cmocka_unit_test(test_non_ascii_refused),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_command_line_limits),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_error_reports_first_problem_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
