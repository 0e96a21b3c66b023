// SPDX-License-Identifier: MIT
/*
 * Partition command lines (kernel/partition/words.c) and the virtual 16550
 * (vuart.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/vuart.h"
#include "kernel/partition/words.h"

static void test_words_monitor_then_guest(void **state)
{
	struct part_words w;
	char guest[64];

	(void)state;
	assert_int_equal(part_words_parse("partition=c1 mem=64M cpus=2 role=child mem=1", &w, guest, sizeof(guest)), 0);
	assert_string_equal(w.name, "c1");
	assert_int_equal(w.mem, 64 * MiB);
	assert_int_equal(w.cpus, 2);
	/* The first guest word ends the monitor's part: a later mem= is the guest's. */
	assert_string_equal(guest, "role=child mem=1");
}

static void test_words_separator_and_empty(void **state)
{
	struct part_words w;
	char guest[64];

	(void)state;
	assert_int_equal(part_words_parse("  mem=4M -- mem=8M x", &w, guest, sizeof(guest)), 0);
	assert_int_equal(w.mem, 4 * MiB);
	assert_string_equal(guest, "mem=8M x");
	assert_int_equal(part_words_parse("", &w, guest, sizeof(guest)), 0);
	assert_string_equal(guest, "");
	assert_int_equal(w.mem, 0);
	assert_int_equal(w.cpus, 0);
	assert_string_equal(w.name, "");
}

static void test_words_bad_values(void **state)
{
	struct part_words w;
	char guest[64];

	(void)state;
	log_capture_reset();
	assert_int_equal(part_words_parse("mem=3M", &w, guest, sizeof(guest)), -EINVAL);
	assert_true(log_captured("mem=3M"));
	assert_int_equal(part_words_parse("mem=5M", &w, guest, sizeof(guest)), -EINVAL);       /* not 2 MiB aligned */
	assert_int_equal(part_words_parse("mem=99999999999999999999G", &w, guest, sizeof(guest)), -EINVAL);
	assert_int_equal(part_words_parse("cpus=0", &w, guest, sizeof(guest)), -EINVAL);
	assert_int_equal(part_words_parse("cpus=17", &w, guest, sizeof(guest)), -EINVAL);
	assert_int_equal(part_words_parse("cpus=1x", &w, guest, sizeof(guest)), -EINVAL);
	assert_int_equal(part_words_parse("partition=a/b", &w, guest, sizeof(guest)), -EINVAL);
	assert_int_equal(part_words_parse("partition=0123456789abcdef", &w, guest, sizeof(guest)), -EINVAL);
}

static void test_words_guest_truncated(void **state)
{
	struct part_words w;
	char guest[8];

	(void)state;
	assert_int_equal(part_words_parse("cpus=1 abcdefghijkl", &w, guest, sizeof(guest)), 0);
	assert_string_equal(guest, "abcdefg");
}

static char printed[16][VUART_LINE_MAX + 8];
static unsigned nprinted;

static void capture(const char *name, const char *line)
{
	if (nprinted < 16)
		snprintf(printed[nprinted++], sizeof(printed[0]), "[%s] %s", name, line);
}

static void put(struct vuart *u, const char *s, uint64_t now)
{
	for (; *s; s++)
		vuart_io(u, 0, false, (uint8_t)*s, now);
}

static void test_vuart_16550(void **state)
{
	struct vuart u;

	(void)state;
	vuart_init(&u, "c1");
	/* A driver's probe: scratch register, divisor latch, LSR. */
	vuart_io(&u, 7, false, 0x5a, 0);
	assert_int_equal(vuart_io(&u, 7, true, 0, 0), 0x5a);
	vuart_io(&u, 3, false, 0x80, 0);
	vuart_io(&u, 0, false, 0x01, 0);
	vuart_io(&u, 1, false, 0x00, 0);
	assert_int_equal(vuart_io(&u, 0, true, 0, 0), 0x01);
	vuart_io(&u, 3, false, 0x03, 0);
	assert_int_equal(vuart_io(&u, 3, true, 0, 0), 0x03);
	assert_int_equal(vuart_io(&u, 5, true, 0, 0) & 0x60, 0x60);
	assert_int_equal(vuart_io(&u, 2, true, 0, 0) & 1, 1);   /* no interrupt pending */
}

/* Keys waiting at the console, and the real UART's interrupt enables as the vuart set them. */
static const char *keys;
static int ier_log[16];
static unsigned nier;

static int fake_getc(void)
{
	return keys && *keys ? (uint8_t)*keys++ : -1;
}

static void fake_ier(uint8_t ier)
{
	if (nier < 16)
		ier_log[nier++] = ier;
}

static void test_vuart_input_and_interrupts(void **state)
{
	struct vuart root, child;

	(void)state;
	vuart_set_input(fake_getc, fake_ier);
	vuart_init(&root, "root");
	vuart_init(&child, "c1");
	root.input = true;
	keys = "ls";
	nier = 0;
	/* A partition without the input never sees a key nor touches the real UART. */
	assert_int_equal(vuart_io(&child, 5, true, 0, 0) & 1, 0);
	vuart_io(&child, 1, false, 0x03, 0);
	assert_int_equal(nier, 0);
	assert_string_equal(keys, "ls");
	/* The root: DR in LSR, the byte in RBR, then the next. */
	assert_int_equal(vuart_io(&root, 5, true, 0, 0) & 0x61, 0x61);
	assert_int_equal(vuart_io(&root, 0, true, 0, 0), 'l');
	assert_int_equal(vuart_io(&root, 0, true, 0, 0), 's');
	assert_int_equal(vuart_io(&root, 5, true, 0, 0) & 1, 0);
	/* IIR: nothing enabled, nothing pending; THRI when enabled; RDI before it. */
	assert_int_equal(vuart_io(&root, 2, true, 0, 0) & 0xf, 0x1);
	vuart_io(&root, 1, false, 0x03, 0);
	assert_int_equal(nier, 1);
	assert_int_equal(ier_log[0], 0x03);
	assert_int_equal(vuart_io(&root, 2, true, 0, 0) & 0xf, 0x2);
	keys = "x";
	assert_int_equal(vuart_io(&root, 2, true, 0, 0) & 0xf, 0x4);
	assert_int_equal(vuart_io(&root, 0, true, 0, 0), 'x');
	/* A byte sent with THRI enabled re-arms the real UART's interrupt: off, then on. */
	vuart_io(&root, 0, false, 'a', 0);
	assert_int_equal(nier, 3);
	assert_int_equal(ier_log[1], 0);
	assert_int_equal(ier_log[2], 0x03);
	vuart_io(&root, 1, false, 0x01, 0);   /* THRI off: the real UART follows, no re-arm */
	vuart_io(&root, 0, false, 'b', 0);
	assert_int_equal(nier, 4);
	assert_int_equal(ier_log[3], 0x01);
	vuart_set_input(NULL, NULL);
}

static void test_vuart_lines(void **state)
{
	struct vuart u;
	char longline[VUART_LINE_MAX + 11];

	(void)state;
	nprinted = 0;
	vuart_set_printer(capture);
	vuart_init(&u, "c1");
	put(&u, "ok 1\r\nesc\x1b[2Jx\n", 0);
	assert_int_equal(nprinted, 2);
	assert_string_equal(printed[0], "[c1] ok 1");
	assert_string_equal(printed[1], "[c1] esc?[2Jx");   /* control characters never reach the console */
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	put(&u, longline, 0);
	assert_int_equal(nprinted, 3);   /* cut at VUART_LINE_MAX */
	put(&u, "tail", 0);
	vuart_flush(&u, 0);
	assert_int_equal(nprinted, 4);
	assert_string_equal(printed[3], "[c1] aaaaaaaaaatail");
	vuart_set_printer(NULL);
}

static void test_vuart_rate_limit(void **state)
{
	struct vuart u;

	(void)state;
	nprinted = 0;
	vuart_set_printer(capture);
	vuart_init(&u, "flood");
	for (unsigned i = 0; i < VUART_BURST + 50; i++)
		put(&u, "x\n", 0);
	assert_int_equal(u.lines, VUART_BURST);
	assert_int_equal(u.dropped, 50);
	/* A second later the bucket has refilled a little, and the drop is reported first. */
	nprinted = 0;
	put(&u, "later\n", 1000000);
	assert_int_equal(nprinted, 2);
	assert_non_null(strstr(printed[0], "50 line(s) dropped"));
	assert_string_equal(printed[1], "[flood] later");
	vuart_set_printer(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_monitor_then_guest),
		cmocka_unit_test(test_words_separator_and_empty),
		cmocka_unit_test(test_words_bad_values),
		cmocka_unit_test(test_words_guest_truncated),
		cmocka_unit_test(test_vuart_16550),
		cmocka_unit_test(test_vuart_input_and_interrupts),
		cmocka_unit_test(test_vuart_lines),
		cmocka_unit_test(test_vuart_rate_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
