#!/usr/bin/env bash
# Debian's stock kernel and a busybox initramfs for `make run ROOT=linux`
# and the Linux root scenarios. Nothing is installed on this machine: the
# packages are fetched with `apt-get download` and unpacked with dpkg-deb
# under build/linux/ (the build machine's /boot is never touched).
#
#   tools/linux-root.sh [OUTDIR]     (default build/linux)
#
# Produces OUTDIR/vmlinuz (the bzImage of the version linux-image-amd64
# depends on today), OUTDIR/initrd.gz (busybox-static and tests/linux/init),
# OUTDIR/disk.img (1 MiB of fixed pseudo-random bytes the init checks),
# OUTDIR/version (the kernel's package version) and, with tools/linux-module.sh,
# OUTDIR/iomon_abi.ko (the client module, built against that version's headers).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/linux}
mkdir -p "$out/debs"
cd "$out"

need() { command -v "$1" >/dev/null || { echo "linux-root: $1 missing (run tools/deps.sh)" >&2; exit 1; }; }
need apt-cache; need apt-get; need dpkg-deb; need python3

# The real package behind the metapackage, e.g. linux-image-6.1.0-57-amd64.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
[ -n "$kpkg" ] || { echo "linux-root: apt-cache knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}

. "$top/tools/deb-fetch.sh"
fetch() { deb_fetch linux-root "$1"; }

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

if [ ! -s vmlinuz ] || [ "$(cat version 2>/dev/null)" != "$kver" ]; then
	rm -rf kpkg && mkdir kpkg
	dpkg-deb -x "$kdeb" kpkg
	cp "kpkg/boot/vmlinuz-$kver" vmlinuz
	# Debian builds virtio-blk as modules; the init loads these, in this order.
	rm -rf modules && mkdir modules
	for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev \
		 virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk; do
		cp "kpkg/lib/modules/$kver/kernel/drivers/$m.ko" modules/
	done
	rm -rf kpkg
	echo "$kver" >version
fi

"$top/tools/linux-module.sh" "$out"

# 1 MiB of bytes that do not depend on the machine; the init checks their sha256.
python3 - <<'PY'
import hashlib, random
r = random.Random(0x10304)
data = bytes(r.getrandbits(8) for _ in range(1 << 20))
open("disk.img", "wb").write(data)
open("disk.sha256", "w").write(hashlib.sha256(data).hexdigest() + "\n")
PY

rm -rf initramfs && mkdir -p initramfs/bin initramfs/etc
dpkg-deb --fsys-tarfile "$bdeb" | tar -x -O ./bin/busybox >initramfs/bin/busybox
chmod 755 initramfs/bin/busybox
cp "$top/tests/linux/init" initramfs/init
chmod 755 initramfs/init
cp disk.sha256 initramfs/etc/disk.sha256
mkdir -p initramfs/lib/modules && cp modules/*.ko iomon_abi.ko initramfs/lib/modules/
python3 "$top/tools/mkcpio.py" initramfs | gzip -9n >initrd.gz
echo "linux-root: $kpkg ($(stat -c %s vmlinuz) bytes), initrd.gz $(stat -c %s initrd.gz) bytes in $out"
