#!/usr/bin/env bash
# Build iomon's USB stick image: a GPT disk with
#   partition 1  BIOS boot (1 MiB): GRUB's i386-pc core image, for legacy BIOS machines
#   partition 2  EFI system partition (FAT32):
#       \EFI\BOOT\BOOTX64.EFI   iomon's UEFI loader
#       \EFI\BOOT\iomon.cfg     the configuration both loaders read
#       \EFI\BOOT\grub.cfg      GRUB's (BIOS path only): sources iomon.cfg
#       \iomon\iomon.elf        the monitor
#       \iomon\<module>         each module
# No root, no loop mounts: sgdisk, mtools, grub-mkimage and dd conv=notrunc on a file.
#
#   tools/mkusb.sh -o OUT.img -l BOOTX64.EFI -m iomon.elf [-c "CMDLINE"]
#                  [-M MODULE "MODULE CMDLINE"]... [MODULE...]
# Test-only options (the loader's error paths):
#   --config FILE   use FILE as iomon.cfg verbatim     --no-config   no iomon.cfg
#   --no-bios       leave the BIOS boot partition empty (no GRUB)
set -euo pipefail

usage() { sed -n '2,20p' "$0" >&2; exit 2; }
out= loader= monitor= cmdline= config= no_config= bios=1
mods=() modcmds=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-l) loader=$2; shift 2 ;;
	-m) monitor=$2; shift 2 ;;
	-c) cmdline=$2; shift 2 ;;
	-M) mods+=("$2"); modcmds+=("$3"); shift 3 ;;
	--config) config=$2; shift 2 ;;
	--no-config) no_config=1; shift ;;
	--no-bios) bios=; shift ;;
	-h|--help) usage ;;
	-*) echo "mkusb: unknown option $1" >&2; usage ;;
	*) mods+=("$1"); modcmds+=(""); shift ;;
	esac
done
[ -n "$out" ] && [ -n "$loader" ] && [ -n "$monitor" ] || usage
for t in sgdisk mformat mmd mcopy grub-mkimage; do
	command -v "$t" >/dev/null || { echo "mkusb: $t missing (run tools/deps.sh)" >&2; exit 1; }
done
for f in "$loader" "$monitor" "${mods[@]}"; do
	[ -f "$f" ] || { echo "mkusb: $f: no such file" >&2; exit 1; }
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/iomon-usb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
img=$stage/disk.img

# iomon.cfg: a subset of GRUB script both loaders read (format: README, boot/efi/config.h).
if [ -n "$config" ]; then
	cp "$config" "$stage/iomon.cfg"
else
	{
		echo "# iomon boot configuration, read by \\EFI\\BOOT\\BOOTX64.EFI and by GRUB."
		echo "multiboot2 /iomon/iomon.elf${cmdline:+ $cmdline}"
		for i in "${!mods[@]}"; do
			echo "module2 /iomon/$(basename "${mods[$i]}")${modcmds[$i]:+ ${modcmds[$i]}}"
		done
	} > "$stage/iomon.cfg"
fi
cat > "$stage/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "iomon" {
  source /EFI/BOOT/iomon.cfg
  boot
}
CFG

# Sizes in 512-byte sectors: GPT at 0-2047, BIOS boot 2048-4095, ESP from 4096
# (1 MiB aligned), 33 sectors of backup GPT at the end.
bytes=$(du -bc "$loader" "$monitor" "${mods[@]}" | tail -n 1 | cut -f 1)
esp_mib=$(( bytes / 1048576 + 32 ))
[ "$esp_mib" -ge 64 ] || esp_mib=64
esp_start=4096
esp_sectors=$(( esp_mib * 2048 ))
total=$(( esp_start + esp_sectors + 2048 ))
truncate -s $(( total * 512 )) "$img"
sgdisk -n 1:2048:4095 -t 1:EF02 -c 1:"BIOS boot" \
	-n 2:$esp_start:$(( esp_start + esp_sectors - 1 )) -t 2:EF00 -c 2:"iomon" "$img" >/dev/null

esp="$img@@$(( esp_start * 512 ))"
export MTOOLS_SKIP_CHECK=1
mformat -i "$esp" -F -T "$esp_sectors" -h 64 -s 32 -v IOMON ::
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/iomon
mcopy -i "$esp" "$loader" ::/EFI/BOOT/BOOTX64.EFI
[ -n "$no_config" ] || mcopy -i "$esp" "$stage/iomon.cfg" ::/EFI/BOOT/iomon.cfg
mcopy -i "$esp" "$stage/grub.cfg" ::/EFI/BOOT/grub.cfg
mcopy -i "$esp" "$monitor" ::/iomon/iomon.elf
for m in "${mods[@]}"; do
	mcopy -i "$esp" "$m" "::/iomon/$(basename "$m")"
done

# Legacy BIOS: GRUB's boot.img in the MBR's code area (the partition table
# stays), its core image (every module it needs built in) in partition 1.
# These are the two fields grub-bios-setup fills in (GRUB's boot.S and
# diskboot.S): boot.img's kernel_sector (offset 0x5c, 64-bit LBA of core.img)
# and the first blocklist entry of diskboot.img at the end of core.img's
# first sector (offset 0x1f4, 64-bit LBA of core.img's second sector; its
# length is set by grub-mkimage). The 2-byte jump at 0x66 becomes NOPs so a
# BIOS that passes a wrong boot drive still boots, as grub-bios-setup does
# for hard disks.
if [ -n "$bios" ]; then
	grubdir=/usr/lib/grub/i386-pc
	grub-mkimage -O i386-pc -d "$grubdir" -o "$stage/core.img" -p '(,gpt2)/EFI/BOOT' \
		biosdisk part_gpt fat normal configfile multiboot2 serial terminal boot echo test
	core_bytes=$(stat -c %s "$stage/core.img")
	[ "$core_bytes" -le $(( 2048 * 512 )) ] || { echo "mkusb: core.img too large" >&2; exit 1; }
	le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(( (v >> (8 * i)) & 255 )))"; done; }
	cp "$grubdir/boot.img" "$stage/boot.img"
	le64 2048 | dd of="$stage/boot.img" bs=1 seek=$((0x5c)) conv=notrunc status=none
	printf '\x90\x90' | dd of="$stage/boot.img" bs=1 seek=$((0x66)) conv=notrunc status=none
	le64 2049 | dd of="$stage/core.img" bs=1 seek=$((0x1f4)) conv=notrunc status=none
	dd if="$stage/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none
	dd if="$stage/core.img" of="$img" bs=512 seek=2048 conv=notrunc status=none
fi

mkdir -p "$(dirname "$out")"
mv "$img" "$out"
echo "mkusb: $out: $(( total / 2048 )) MiB, ESP $esp_mib MiB, ${#mods[@]} module(s)${bios:+, BIOS boot via GRUB}"
