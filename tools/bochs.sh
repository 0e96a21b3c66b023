#!/usr/bin/env bash
# Boot an iomon image in Bochs with a VMX+EPT CPU, headless. Variables:
#   MEM=512M  SMP=1  BOCHS_CPU=corei7_skylake_x  BOCHS_IPS=4000000
#   SERIAL=PATH (COM1 written to this file; default: the terminal)
#   BOCHS_DIR=DIR (where bochsrc, debugger script and bochs.log go; default: a temp dir)
#   tools/bochs.sh IMAGE.iso
#
# The Debian Bochs has no `nogui` display and is built with the internal
# debugger: the rfb display with timeout=0 runs headless without waiting for a
# VNC client, and a `-rc` script that says `continue` keeps the debugger from
# stopping at its prompt. Bochs exits with status 1 however the guest ends
# (iomon ends it through the 0x8900 shutdown port), so success or failure must
# be read from the serial log: iomon's last line is `I/iomon: exit: success`
# or `I/iomon: exit: FAILURE`.
set -euo pipefail

img=${1:?usage: $0 IMAGE.iso}
MEM=${MEM:-512M} SMP=${SMP:-1} BOCHS_CPU=${BOCHS_CPU:-corei7_skylake_x}
BOCHS_IPS=${BOCHS_IPS:-4000000} SERIAL=${SERIAL:-}

command -v bochs >/dev/null || { echo "bochs.sh: bochs missing (run tools/deps.sh)" >&2; exit 2; }
for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin; do
	[ -r "$f" ] || { echo "bochs.sh: $f missing (packages bochsbios, vgabios)" >&2; exit 2; }
done

case $MEM in
*[Gg]) megs=$(( ${MEM%[Gg]} * 1024 )) ;;
*[Mm]) megs=${MEM%[Mm]} ;;
*[0-9]) megs=$MEM ;;
*) echo "bochs.sh: MEM must be like 512M or 2G, not '$MEM'" >&2; exit 2 ;;
esac

dir=${BOCHS_DIR:-}
if [ -z "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/iomon-bochs.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
serial=${SERIAL:-/dev/stdout}
[ "$serial" = /dev/stdout ] || serial=$(realpath -m "$serial")
img=$(realpath "$img")
# bochsrc values cannot be quoted (a quoted path overflows a Bochs buffer), so no spaces.
case "$img$serial$dir" in *[[:space:]]*) echo "bochs.sh: paths must not contain spaces" >&2; exit 2 ;; esac

cat > "$dir/bochsrc" <<RC
megs: $megs
cpu: model=$BOCHS_CPU, count=$SMP, ips=$BOCHS_IPS, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$img, status=inserted
ata1: enabled=false
floppy_bootsig_check: disabled=1
boot: cdrom
com1: enabled=1, mode=file, dev=$serial
display_library: rfb, options="timeout=0"
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
clock: sync=none, time0=utc
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
RC
printf 'continue\nquit\n' > "$dir/debug.rc"

[ -n "$SERIAL" ] || echo "iomon: serial console below (Bochs, $BOCHS_CPU); Ctrl-C stops it" >&2
# Bochs' own status is always 1; report it unchanged.
bochs -q -f "$dir/bochsrc" -rc "$dir/debug.rc" </dev/null
