#!/usr/bin/env bash
# Install the Debian packages iomon needs to build, boot and test.
# As root: installs what is missing with apt-get. Otherwise: prints the exact
# command to run and fails, so nothing half-works later.
set -euo pipefail
# The Linux root (Debian's linux-image-amd64, busybox-static) is not installed
# here: tools/linux-root.sh downloads those packages with apt-get download and
# unpacks them under build/linux/, so this machine's /boot stays untouched.
# Its matching headers are fetched the same way (tools/linux-module.sh); building
# the client module with them needs gcc-12 (the kernel's compiler) and the
# libraries of linux-kbuild's tools (objtool: libelf1, zlib1g; sign-file: libssl3).

PACKAGES=(
	build-essential binutils make python3
	qemu-system-x86 ovmf seabios
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools gdisk
	newlib-source gnu-efi
	libcmocka-dev clang libclang-rt-14-dev
	bochs bochsbios vgabios
	gdb valgrind
	gcc-12 libelf1 libssl3 zlib1g
)

missing=()
for p in "${PACKAGES[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "iomon: missing Debian packages: ${missing[*]}" >&2
	echo "iomon: run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "iomon: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
