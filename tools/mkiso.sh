#!/usr/bin/env bash
# Build a hybrid boot image: BIOS (i386-pc El Torito) + UEFI (x86_64-efi), also
# bootable when written raw to a USB stick (grub-mkrescue adds an MBR/GPT).
#   tools/mkiso.sh MONITOR.elf OUT.iso "MONITOR COMMAND LINE" [MODULE.elf "MODULE CMDLINE"]...
set -euo pipefail

elf=${1:?usage: $0 MONITOR.elf OUT.iso CMDLINE [MODULE CMDLINE]...}
out=${2:?}
cmdline=${3-}
shift 3 || shift $#

grub-file --is-x86-multiboot2 "$elf" || { echo "mkiso: $elf is not a multiboot2 kernel" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/iomon-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$elf" "$stage/boot/iomon.elf"

modules=""
i=0
while [ $# -ge 2 ]; do
	cp "$1" "$stage/boot/module$i"
	modules+="  module2 /boot/module$i $2"$'\n'
	i=$((i + 1))
	shift 2
done

# timeout=0: without it GRUB waits at its menu forever. GRUB's own output goes
# to the serial port too, so a failed boot is visible on the console.
cat > "$stage/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "iomon" {
  multiboot2 /boot/iomon.elf $cmdline
${modules}  boot
}
CFG

mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
