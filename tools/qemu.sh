#!/usr/bin/env bash
# Boot an iomon image in QEMU (TCG, q35) on the platform chosen by variables:
#   FW=bios|uefi  BOOT=cd|usb  IOMMU=intel|amd|none  AW=39|48  CM=on|off
#   MEM=512M  SMP=1  QEMU_EXTRA="..."  SERIAL=mon:stdio (or file:PATH)
#   tools/qemu.sh IMAGE.iso [extra QEMU args...]
set -euo pipefail

img=${1:?usage: $0 IMAGE.iso [QEMU args...]}
shift
FW=${FW:-bios} BOOT=${BOOT:-cd} IOMMU=${IOMMU:-intel} AW=${AW:-48} CM=${CM:-off}
MEM=${MEM:-512M} SMP=${SMP:-1} SERIAL=${SERIAL:-mon:stdio}

args=(-machine q35 -accel tcg,tb-size=64 -cpu max -m "$MEM" -smp "$SMP" -nodefaults
      -display none -no-reboot -serial "$SERIAL"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ "$SERIAL" = mon:stdio ] || args+=(-monitor none)

case $FW in
bios) ;;
uefi)
	fd=/usr/share/ovmf/OVMF.fd
	[ -r "$fd" ] || { echo "qemu.sh: $fd missing (package ovmf)" >&2; exit 2; }
	args+=(-bios "$fd") ;;
*) echo "qemu.sh: FW must be bios or uefi, not '$FW'" >&2; exit 2 ;;
esac

# The IOMMU goes first so every device is created behind it.
case $IOMMU in
intel)
	case $AW in 39|48) ;; *) echo "qemu.sh: AW must be 39 or 48" >&2; exit 2 ;; esac
	case $CM in on|off) ;; *) echo "qemu.sh: CM must be on or off" >&2; exit 2 ;; esac
	args+=(-device "intel-iommu,aw-bits=$AW,caching-mode=$CM") ;;
amd) args+=(-device amd-iommu) ;;
none) ;;
*) echo "qemu.sh: IOMMU must be intel, amd or none, not '$IOMMU'" >&2; exit 2 ;;
esac

# edu: a DMA-capable test device (a wide dma_mask, or QEMU clamps addresses to 28 bits).
# nvme behind a root port: an SR-IOV physical function with up to 4 VFs.
args+=(-device edu,dma_mask=0xffffffffffffffff
       -device pcie-root-port,id=rp0,chassis=1,slot=1
       -device nvme-subsys,id=subsys0
       -device nvme,serial=iomon0,subsys=subsys0,bus=rp0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=5)

# ROOT=linux: the disk whose checksum the Linux root's /init checks (tools/linux-root.sh).
if [ "${ROOT:-}" = linux ]; then
	disk=$(cd "$(dirname "$0")/.." && pwd)/build/linux/disk.img
	args+=(-drive "file=$disk,if=none,id=ldisk,format=raw,readonly=on" -device virtio-blk-pci,drive=ldisk)
fi

case $BOOT in
cd) args+=(-drive "file=$img,media=cdrom,readonly=on,if=none,id=cd0" -device ide-cd,drive=cd0,bootindex=0) ;;
usb) args+=(-drive "if=none,id=stick,format=raw,file=$img,snapshot=on"
            -device qemu-xhci,id=xhci -device usb-storage,bus=xhci.0,drive=stick,bootindex=0) ;;
*) echo "qemu.sh: BOOT must be cd or usb, not '$BOOT'" >&2; exit 2 ;;
esac

# shellcheck disable=SC2206
extra=(${QEMU_EXTRA:-})
[ "$SERIAL" != mon:stdio ] || echo "iomon: serial console below; quit QEMU with Ctrl-A X" >&2
exec qemu-system-x86_64 "${args[@]}" "${extra[@]}" "$@"
