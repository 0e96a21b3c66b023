/* SPDX-License-Identifier: MIT */
/* The command line comes from whoever wrote grub.cfg: every value parser must hold. */
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct console_cfg console;
	static enum log_level level;
	static uint64_t u, sz;
	static bool flag;
	static const struct cmdline_opt opts[] = {
		{ "console", cmdline_parse_console, &console, false },
		{ "loglevel", cmdline_parse_loglevel, &level, false },
		{ "flag", cmdline_parse_bool, &flag, false },
	};
	char *line = malloc(size + 1);

	memcpy(line, data, size);
	line[size] = 0;
	cmdline_apply(line, opts, ARRAY_SIZE(opts));
	cmdline_parse_u64(line, &u);
	cmdline_parse_size(line, &sz);
	free(line);
	return 0;
}
