/* SPDX-License-Identifier: MIT */
/*
 * The monitor shell (kernel/shell/shell.c) over a fake view: the escape
 * sequence and line discipline, every command's output, the confirmation of
 * controls, and hostile arguments (each an error line, never a call into the
 * layers with a bad value).
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_view.h"
#include "kernel/shell/shell.h"

static int setup(void **state)
{
	(void)state;
	fake_view_reset();
	fv.devices_shown = 3;
	shell_reset();
	return 0;
}

static bool printed(const char *needle) { return strstr(fv.out, needle) != NULL; }

static void run(const char *line)
{
	fv.out_len = 0;
	fv.out[0] = 0;
	shell_exec(line);
}

static void type(const char *s)
{
	while (*s)
		shell_input((uint8_t)*s++);
}

static void test_escape_opens_and_closes(void **state)
{
	(void)state;
	type("\x18\x18");                 /* two are not enough: still closed, nothing printed */
	assert_false(shell_is_open());
	assert_int_equal(fv.out_len, 0);
	type("a\x18\x18");                /* a byte between resets the count */
	assert_false(shell_is_open());
	type("\x18");
	assert_true(shell_is_open());
	assert_true(fv.held);
	assert_true(printed("iomon> "));
	type("\x18\x18\x18");
	assert_false(shell_is_open());
	assert_false(fv.held);
	assert_true(printed("iomon shell closed"));
}

static void test_exit_command_closes(void **state)
{
	(void)state;
	type("\x18\x18\x18" "exit\r");
	assert_false(shell_is_open());
	assert_false(fv.held);
	assert_int_equal(fv.hold_calls, 2);
}

static void test_line_editing(void **state)
{
	(void)state;
	type("\x18\x18\x18" "dxx\x7f\x7f" "evices\r");
	assert_true(printed("devices: 3"));
	fv.out_len = 0;
	type("garbage\x03" "units\r");   /* Ctrl-C drops the line */
	assert_true(printed("units: 1"));
	assert_false(printed("unknown command"));
	/* Control bytes and non-ASCII are not taken into the line; the line is bounded. */
	fv.out_len = 0;
	type("he\x01\x80\xfflp\r");
	assert_true(printed("help devices"));
	fv.out_len = 0;
	for (unsigned i = 0; i < 500; i++)
		shell_input('x');
	type("\r");
	assert_true(printed("error: unknown command"));
}

static void test_poll_reads_the_line(void **state)
{
	(void)state;
	strcpy(fv.in, "\x18\x18\x18" "units\r");
	fv.in_len = strlen(fv.in);
	shell_poll();
	assert_true(shell_is_open());
	assert_true(printed("unit 0 VT-d 0x00000000fed90000"));
}

static void feed(const char *s)
{
	memcpy(fv.in + fv.in_len, s, strlen(s));
	fv.in_len += strlen(s);
}

/* While the shell is closed every byte but the escape goes to the root, in order. */
static void test_keys_reach_the_root(void **state)
{
	(void)state;
	type("ab\x18\x18" "c");
	assert_false(shell_is_open());
	assert_int_equal(shell_console_getc(), 'a');
	assert_int_equal(shell_console_getc(), 'b');
	assert_int_equal(shell_console_getc(), 0x18);   /* two Ctrl-X and a key: all the root's */
	assert_int_equal(shell_console_getc(), 0x18);
	assert_int_equal(shell_console_getc(), 'c');
	assert_int_equal(shell_console_getc(), -1);
	/* The root's read takes what the line holds itself, no poll needed. */
	feed("k");
	assert_int_equal(shell_console_getc(), 'k');
	assert_int_equal(fv.in_pos, fv.in_len);
	/* The escape and what is typed at the prompt never reach the root; after `exit` it has the line again. */
	type("\x18\x18\x18" "help\r");
	assert_true(printed("help devices"));
	assert_int_equal(shell_console_getc(), -1);
	type("exit\r");
	assert_false(shell_is_open());
	type("z");
	assert_int_equal(shell_console_getc(), 'z');
	assert_int_equal(shell_console_getc(), -1);
}

/* The poll routes too: the root's bytes wait for it, the shell's run at once. */
static void test_poll_splits_the_line(void **state)
{
	(void)state;
	feed("xy\x18\x18\x18" "units\r" "q");
	shell_poll();
	assert_true(shell_is_open());
	assert_true(printed("unit 0 VT-d 0x00000000fed90000"));
	assert_true(printed("units: 1"));
	assert_int_equal(shell_console_getc(), 'x');
	assert_int_equal(shell_console_getc(), 'y');
	assert_int_equal(shell_console_getc(), -1);     /* 'q' was typed at the prompt */
	/* While the shell is open the root's read leaves the line alone. */
	feed("v");
	assert_int_equal(shell_console_getc(), -1);
	assert_int_equal(fv.in_pos, fv.in_len - 1);
	shell_poll();
	assert_true(printed("qv"));
	/* Three Ctrl-X close it: the next key is the root's again. */
	feed("\x18\x18\x18" "w");
	shell_poll();
	assert_false(shell_is_open());
	assert_true(printed("iomon shell closed"));
	assert_int_equal(shell_console_getc(), 'w');
}

/* A root that never reads: its queue is bounded, the overflow counted, the shell still opens. */
static void test_root_queue_is_bounded(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 300; i++)
		type("r");
	assert_int_equal(shell_console_dropped(), 300 - 256);
	run("counters");
	assert_true(printed("counter console.root-input-dropped 44\n"));
	type("\x18\x18\x18");
	assert_true(shell_is_open());
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(shell_console_getc(), 'r');
	assert_int_equal(shell_console_getc(), -1);
}

static void test_help_lists_every_command(void **state)
{
	static const char *const names[] = { "devices", "units", "domains", "map", "walk", "s2", "faults",
					      "partitions", "counters", "loglevel", "stop", "quarantine", "exit" };
	(void)state;
	run("help");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char needle[32];

		snprintf(needle, sizeof(needle), "help %-10s", names[i]);
		assert_true(printed(needle));
	}
}

static void test_devices(void **state)
{
	(void)state;
	run("devices");
	assert_true(printed("dev 0000:00:01.0 1234:11e8 device rids 00:01.0 group 1 owner root domain 0x0 faults 7 bus-master on\n"));
	assert_true(printed("dev 0000:00:02.0 1b36:000c bridge rids 00:02.0 group 2 owner root domain 0x0 faults 0 bus-master on\n"));
	assert_true(printed("dev   0000:01:00.0 1b36:0010 device rids 01:00.0 group 3 owner root domain 0xffffffff faults 0 bus-master off\n"));
	assert_true(printed("devices: 3\n"));
	fv.devices_shown = 0;
	run("devices");
	assert_true(printed("devices: 0\n"));
}

static void test_units_and_domains(void **state)
{
	(void)state;
	run("units");
	assert_true(printed("unit 0 VT-d 0x00000000fed90000 seg 0 AGAW 48-bit/4-level, superpages 2M 1G, QI; translating; QI head 64 tail 96; 18 invalidations, 2 faults, 0 overflows\n"));
	run("domains");
	assert_true(printed("domain 0x0 identity owner root devices 2 format vtd-sl table-pages 5 entries-written 224 flushes 3\n"));
	assert_true(printed("domain 0xffffffff blocked owner - devices 1 format - table-pages 0"));
	assert_true(printed("domains: 2\n"));
}

static void test_walk_mapped_and_unmapped(void **state)
{
	(void)state;
	run("walk 0 0x1234");
	assert_true(printed("walk domain 0x0 iova 0x1234 (vtd-sl)\n"));
	assert_true(printed("  L4 table 0x1000 [0] 0x0000000000002003 next table 0x2000 RW\n"));
	assert_true(printed("  L2 table 0x3000 [0] 0x0000000000000083 leaf 2M page 0x0 RW\n"));
	assert_true(printed("result: iova 0x1234 -> 0x1234 (2M page, RW)\n"));
	run("walk 0x0 0x1fe01234");
	assert_true(printed("result: iova 0x1fe01234 -> 0x1fe01234 (2M page, RW)\n"));
	run("walk 0 0x40000000");
	assert_true(printed("  L3 table 0x2000 [1] 0x0000000000000000 not present\n"));
	assert_true(printed("result: iova 0x40000000 does not translate: L3 entry [1] not present\n"));
}

static void test_walk_hostile(void **state)
{
	static const char *const bad[] = {
		"walk", "walk 0", "walk 0 0x1000 9", "walk -1 0x1000", "walk 0 -5", "walk x 0x1000",
		"walk 0 0x", "walk 0 0x1g", "walk 0 99999999999999999999999", "walk 0x100000000 0",
		"walk 0 0x10000000000000000",
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(bad[i]);
		assert_true(printed("error: usage: walk DOMAIN IOVA"));
	}
	assert_int_equal(fv.walks, 0);
	run("walk 7 0x1000");
	assert_true(printed("error: no domain 0x7\n"));
	run("walk 0xffffffff 0x1000");
	assert_true(printed("error: domain 0xffffffff (blocked) has no table: nothing translates\n"));
	run("walk 0 0x1000000000000");
	assert_true(printed("error: iova 0x1000000000000 is outside the space (below 0x1000000000000)\n"));
	run("walk 0 0xffffffffffffffff");
	assert_true(printed("outside the space"));
}

static void test_s2(void **state)
{
	(void)state;
	run("s2 c1 0x200000");
	assert_true(printed("s2 c1 gpa 0x200000 (npt)\n"));
	assert_true(printed("result: gpa 0x200000 -> 0x200000 (2M page, RW)\n"));
	run("s2 1 0x80000000");
	assert_true(printed("result: gpa 0x80000000 does not translate"));
	run("s2 c9 0x0");
	assert_true(printed("error: no partition 'c9'\n"));
	run("s2 0 0x0");
	assert_true(printed("error: no partition '0'\n"));
	run("s2 c1");
	assert_true(printed("error: usage: s2 PARTITION GPA"));
	run("s2 c1 zz");
	assert_true(printed("error: usage: s2 PARTITION GPA"));
}

static void test_map_coalesces(void **state)
{
	(void)state;
	run("map 0");
	/* 256 identity 2M leaves coalesce into one range; the rest is one hole per 1G or 512G span. */
	assert_true(printed("map 0x0-0x20000000 -> 0x0 512M 2M pages RW\n"));
	assert_true(printed("map: 1 ranges\n"));
	run("map 0 0x200000-0x600000");
	assert_true(printed("map 0x200000-0x600000 -> 0x200000 4M 2M pages RW\n"));
	run("map 0xffffffff");
	assert_true(printed("map domain 0xffffffff (blocked): no table, nothing mapped\n"));
	run("map 0 0x600000-0x200000");
	assert_true(printed("error: usage: map DOMAIN [START-END]"));
	run("map 0 0x1001-0x2000");
	assert_true(printed("error: usage"));
	run("map 0 0x0-0x2000000000000");
	assert_true(printed("error: range ends past the domain's space"));
	run("map 0 0x0-");
	assert_true(printed("error: usage"));
	run("map 3");
	assert_true(printed("error: no domain 0x3\n"));
}

/* A domain DELETE_DEVICE_DOMAIN destroys between the listing and the walk: one error line. */
static void test_walk_of_a_domain_gone(void **state)
{
	(void)state;
	fv.domain_gone = true;
	run("walk 0 0x1000000");
	assert_true(printed("error: domain 0x0 was destroyed meanwhile\n"));
	assert_false(printed("result:"));
	run("map 0 0x0-0x400000");
	assert_true(printed("error: domain 0x0 was destroyed meanwhile\n"));
	assert_true(printed("map: 0 ranges\n"));
	assert_false(printed("output bounded"));
}

static void test_faults_and_partitions(void **state)
{
	(void)state;
	run("faults");
	assert_true(printed("fault #2 unit 0xfed90000 0000:00:01.0 write 0x1c1e3000 reason 0x5 (write to a page without write permission) device 00:01.0 domain 0x0\n"));
	assert_true(printed("fault #1 unit 0xfed90000 0000:00:01.0 write 0x1c1e4000"));
	assert_true(printed("faults: 2 shown (newest first)\n"));
	assert_true(strstr(fv.out, "fault #2") < strstr(fv.out, "fault #1"));
	run("partitions");
	assert_true(printed("partition 1 root root running cpus 0 mem 447M deposit 12 pages (5 in use)\n"));
	assert_true(printed("partition 2 c1 child running cpus 1 mem 64M"));
	assert_true(printed("partition 2 c1 exits 63: cpuid 11 io 21 hypercall 31\n"));
	assert_true(printed("partition 1 root hypercalls 2,"));
	assert_true(printed("partitions: 2\n"));
}

static unsigned count(const char *needle)
{
	unsigned n = 0;

	for (const char *p = fv.out; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_partitions_hypercalls(void **state)
{
	(void)state;
	run("partitions");
	assert_true(printed("partition 1 root hv 0x0046 GET_PARTITION_ID calls 1 reps 0 cont 0 flushes 0 table-pages 0 SUCCESS 1\n"));
	assert_true(printed("partition 1 root hv 0x00b3 MAP_DEVICE_GPA_PAGES calls 7 reps 1100 cont 2 flushes 5 table-pages 3 SUCCESS 5 INSUFFICIENT_MEMORY 2\n"));
	assert_true(printed("partition 1 root hv other unknown calls 1 reps 0 cont 0 flushes 0 table-pages 0 INVALID_HYPERCALL_CODE 1\n"));
	assert_int_equal(count(" hv "), 3);
	/* Each partition's lines stay together, after its totals. */
	assert_true(strstr(fv.out, "partition 1 root hypercalls") < strstr(fv.out, "partition 1 root hv 0x0046"));
	assert_true(strstr(fv.out, "partition 1 root hv other") < strstr(fv.out, "partition 2 c1 "));
	/* A partition that used a hundred codes: bounded, and the other partition still shown. */
	fv.hv_flood = true;
	run("partitions");
	assert_int_equal(count("partition 2 c1 hv 0x"), 48);
	assert_true(printed("partitions: 2\n"));
	run("counters reset");
	run("partitions");
	assert_int_equal(count(" hv "), 0);
}

static void test_counters_and_loglevel(void **state)
{
	(void)state;
	run("counters");
	assert_true(printed("counter partition.root.exits 60\n"));
	assert_true(printed("counter unit.0.invalidations 18\n"));
	assert_true(printed("counter domain.0x0.flushes 3\n"));
	assert_true(printed("counter devices.faults 7\n"));
	run("counters reset");
	assert_true(fv.counters_reset);
	run("counters");
	assert_true(printed("counter partition.root.exits 0\n"));
	run("counters now");
	assert_true(printed("error: usage: counters [reset]"));
	run("loglevel debug");
	assert_int_equal(fv.loglevel, 3);
	assert_true(printed("loglevel: debug\n"));
	run("loglevel 0");
	assert_int_equal(fv.loglevel, 0);
	run("loglevel 4");
	assert_true(printed("error: usage: loglevel LEVEL"));
	run("loglevel loud");
	assert_true(printed("error: usage"));
	assert_int_equal(fv.loglevel, 0);
}

static void test_stop_asks_first(void **state)
{
	(void)state;
	run("stop c1");
	assert_true(printed("stop c1: its devices go to the null domain, bus mastering off; type 'yes' to confirm"));
	assert_false(fv.stopped[1]);
	run("no");
	assert_true(printed("cancelled\n"));
	assert_false(fv.stopped[1]);
	run("yes");                          /* nothing pending any more */
	assert_true(printed("error: unknown command 'yes'"));
	run("stop 2");
	run("yes");
	assert_true(fv.stopped[1]);
	assert_true(printed("stop: c1 stopped"));
	run("stop nobody");
	assert_true(printed("error: no partition 'nobody'\n"));
	run("stop");
	assert_true(printed("error: usage: stop PARTITION"));
}

static void test_quarantine_asks_first(void **state)
{
	(void)state;
	run("quarantine 0000:00:01.0");
	assert_true(printed("quarantine 0000:00:01.0: its group goes to the null domain; type 'yes'"));
	assert_int_equal(fv.quarantined, 0);
	run("yes");
	assert_int_equal(fv.quarantined, 1);
	assert_int_equal(fv.q_devfn, 0x08);
	run("quarantine 01:00.0");
	run("yes");
	assert_int_equal(fv.quarantined, 2);
	assert_int_equal(fv.q_bus, 1);
}

static void test_quarantine_hostile(void **state)
{
	static const char *const bad[] = {
		"quarantine", "quarantine 00:01", "quarantine 00:20.0", "quarantine 00:01.8",
		"quarantine 100:01.0", "quarantine 00000:00:01.0", "quarantine :00:01.0", "quarantine 00:01.0x",
		"quarantine 0:0:0:1.0", "quarantine 00.01.0", "quarantine 00:01.0 extra",
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(bad[i]);
		assert_true(printed("error: usage: quarantine DEVICE"));
		run("yes");
		assert_true(printed("error: unknown command 'yes'"));
	}
	run("quarantine 00:05.0");
	assert_true(printed("error: no device 00:05.0\n"));
	assert_int_equal(fv.quarantined, 0);
}

static void test_parser_hostile(void **state)
{
	char longline[200];
	(void)state;
	run("");
	assert_int_equal(fv.out_len, 0);
	run("   \t ");
	assert_int_equal(fv.out_len, 0);
	run("frobnicate");
	assert_true(printed("error: unknown command 'frobnicate' (try help)\n"));
	run("walk 0 1 2 3 4 5");
	assert_true(printed("error: too many arguments\n"));
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	run(longline);
	assert_true(printed("error: line longer than 80 characters\n"));
	run("  devices  ");
	assert_true(printed("devices: 3\n"));
}

static void test_output_is_bounded(void **state)
{
	(void)state;
	/* `map` over the whole 256 TiB space stops after a bounded number of walks. */
	run("map 0");
	assert_true(fv.walks < (1u << 17));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_escape_opens_and_closes, setup),
		cmocka_unit_test_setup(test_exit_command_closes, setup),
		cmocka_unit_test_setup(test_line_editing, setup),
		cmocka_unit_test_setup(test_poll_reads_the_line, setup),
		cmocka_unit_test_setup(test_help_lists_every_command, setup),
		cmocka_unit_test_setup(test_devices, setup),
		cmocka_unit_test_setup(test_units_and_domains, setup),
		cmocka_unit_test_setup(test_walk_mapped_and_unmapped, setup),
		cmocka_unit_test_setup(test_walk_hostile, setup),
		cmocka_unit_test_setup(test_s2, setup),
		cmocka_unit_test_setup(test_map_coalesces, setup),
		cmocka_unit_test_setup(test_faults_and_partitions, setup),
		cmocka_unit_test_setup(test_keys_reach_the_root, setup),
		cmocka_unit_test_setup(test_poll_splits_the_line, setup),
		cmocka_unit_test_setup(test_root_queue_is_bounded, setup),
		cmocka_unit_test_setup(test_partitions_hypercalls, setup),
		cmocka_unit_test_setup(test_walk_of_a_domain_gone, setup),
		cmocka_unit_test_setup(test_counters_and_loglevel, setup),
		cmocka_unit_test_setup(test_stop_asks_first, setup),
		cmocka_unit_test_setup(test_quarantine_asks_first, setup),
		cmocka_unit_test_setup(test_quarantine_hostile, setup),
		cmocka_unit_test_setup(test_parser_hostile, setup),
		cmocka_unit_test_setup(test_output_is_bounded, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
