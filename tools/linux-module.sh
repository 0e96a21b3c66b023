#!/usr/bin/env bash
# The Linux client module (tests/linux/iomon_abi) for the kernel that
# tools/linux-root.sh fetched (OUTDIR/version), built with kbuild against
# Debian's matching headers. As with the kernel, nothing is installed: the
# header packages are fetched with `apt-get download` and unpacked under
# OUTDIR/headers. Called by tools/linux-root.sh.
#
#   tools/linux-module.sh [OUTDIR]     (default build/linux)
#
# Produces OUTDIR/iomon_abi.ko (debug info stripped, for the initramfs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/linux}
kver=$(cat "$out/version" 2>/dev/null) || { echo "linux-module: $out/version missing (run tools/linux-root.sh)" >&2; exit 1; }
mkdir -p "$out/debs"
cd "$out"

for t in apt-cache apt-get dpkg-deb make gcc-12; do
	command -v "$t" >/dev/null || { echo "linux-module: $t missing (run tools/deps.sh)" >&2; exit 1; }
done

. "$top/tools/deb-fetch.sh"
fetch() { deb_fetch linux-module "$1"; }

# linux-headers-VERSION-amd64 and what it depends on: the -common headers and
# linux-kbuild-X.Y (the compiler package is only a dependency on gcc-12).
hpkg=linux-headers-$kver
pkgs=("$hpkg")
while read -r p; do pkgs+=("$p"); done < <(apt-cache depends "$hpkg" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
[ ${#pkgs[@]} -ge 3 ] || { echo "linux-module: apt-cache knows no $hpkg with its dependencies (apt-get update?)" >&2; exit 1; }

hdir=$out/headers/usr/src/$hpkg
if [ "$(cat headers/stamp 2>/dev/null)" != "${pkgs[*]}" ]; then
	rm -rf headers && mkdir headers
	for p in "${pkgs[@]}"; do deb=$(fetch "$p"); dpkg-deb -x "$deb" headers; done
	# The headers' Makefile includes the -common tree by its installed path: point it here.
	sed -i "s#^include /usr/src/#include $out/headers/usr/src/#" "$hdir/Makefile"
	echo "${pkgs[*]}" >headers/stamp
fi

# Up to date: built for these headers, and no source (the module, include/hv/) newer.
if [ -s iomon_abi.ko ] && [ "$(cat iomon_abi.stamp 2>/dev/null)" = "${pkgs[*]}" ] &&
   [ -z "$(find "$top/tests/linux/iomon_abi" "$top/include/hv" -newer iomon_abi.ko -print -quit)" ]; then
	exit 0
fi
# Build a copy, so kbuild's objects stay out of the source tree.
rm -rf iomon_abi-build && cp -r "$top/tests/linux/iomon_abi" iomon_abi-build
make -s -C "$hdir" M="$out/iomon_abi-build" IOMON_TOP="$top" modules >iomon_abi-build.log 2>&1 ||
	{ cat iomon_abi-build.log >&2; echo "linux-module: kbuild failed" >&2; exit 1; }
grep -v '^Skipping BTF generation' iomon_abi-build.log >&2 || true
strip --strip-debug -o iomon_abi.ko iomon_abi-build/iomon_abi.ko
echo "${pkgs[*]}" >iomon_abi.stamp
echo "linux-module: iomon_abi.ko for $kver ($(stat -c %s iomon_abi.ko) bytes)"
