/* SPDX-License-Identifier: MIT */
/*
 * The loader's configuration file, \EFI\BOOT\iomon.cfg next to the loader.
 * Its format is a strict subset of GRUB's script language, so GRUB (the
 * legacy-BIOS path of the USB image) can `source` the very same file:
 *
 *   # comment (only at the start of a line)
 *   multiboot2 /iomon/iomon.elf exit=qemu loglevel=debug
 *   module2    /iomon/guest0.elf console=ttyS0
 *
 * One multiboot2 line (the monitor, then its command line), then up to
 * CFG_MODULES_MAX module2 lines (a file, then its command line). Paths are
 * absolute from the root of the volume, with '/' separators. Words are
 * separated by blanks and re-joined with single spaces, as GRUB does.
 * Anything GRUB would interpret differently (quotes, '$', '\', ';', '|', '&',
 * '<', '>', '{', '}', a '#' inside a line) or any other command is an error,
 * never a silent difference between the two loaders.
 */
#ifndef IOMON_EFI_CONFIG_H
#define IOMON_EFI_CONFIG_H

#include "kernel/types.h"
#include "boot/mb2.h"

#define CFG_NAME          "iomon.cfg"
#define CFG_MAX_SIZE      (64 * 1024)
#define CFG_PATH_MAX      128
#define CFG_CMDLINE_MAX   BOOT_CMDLINE_MAX
#define CFG_MODULE_CMDLINE_MAX BOOT_MODULE_CMDLINE_MAX
#define CFG_MODULES_MAX   BOOT_MODULES_MAX
#define CFG_ERROR_MAX     160

struct cfg_monitor {
	char path[CFG_PATH_MAX];
	char cmdline[CFG_CMDLINE_MAX];
};

struct cfg_module {
	char path[CFG_PATH_MAX];
	char cmdline[CFG_MODULE_CMDLINE_MAX];
};

struct loader_config {
	struct cfg_monitor monitor;
	struct cfg_module modules[CFG_MODULES_MAX];
	unsigned module_count;
};

struct cfg_error {
	unsigned line;                 /* 1-based; 0: about the file as a whole */
	char msg[CFG_ERROR_MAX];
};

/*
 * Parse `len` bytes of configuration text. Returns 0, or -EINVAL with
 * `err` saying which line and why (the first error stops the parse).
 */
int __must_check cfg_parse(const char *text, size_t len, struct loader_config *cfg,
			   struct cfg_error *err);

#endif
