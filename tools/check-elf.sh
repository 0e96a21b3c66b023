#!/usr/bin/env bash
# Post-link checks on the monitor image:
#  - GRUB recognises it as a multiboot2 kernel;
#  - no SSE/MMX/x87 instruction reached it (the monitor must never touch guest
#    FPU state; newlib's few double-returning functions are built with SSE and
#    must not be linked in).
set -euo pipefail
elf=${1:?}
grub-file --is-x86-multiboot2 "$elf" || { echo "check-elf: $elf has no valid multiboot2 header" >&2; exit 1; }
# x87 mnemonics all start with 'f'; no integer instruction does.
bad=$(objdump -d -j .text --no-show-raw-insn "$elf" | grep -E '%[xyz]mm[0-9]|%mm[0-7]|mxcsr|'$'\t''f[a-z0-9]*( |$)' || true)
if [ -n "$bad" ]; then
	echo "check-elf: SSE/x87 instructions in $elf:" >&2
	echo "$bad" | head -20 >&2
	exit 1
fi
