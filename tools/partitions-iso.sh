#!/usr/bin/env bash
# Build a boot image with iomon and its partitions as multiboot2 modules.
#   tools/partitions-iso.sh MONITOR.elf OUT.iso "MONITOR CMDLINE"
# Partitions come from the environment (see README "Partitions"):
#   ROOT=path/to/kernel.elf      the root partition's multiboot2 kernel ("none": no partitions)
#   ROOT_CMDLINE="words..."      its command line (monitor words first, then the guest's)
#   CHILDREN="name:path:words...;name:path:words..."   child partitions, ';'-separated
set -euo pipefail

elf=${1:?usage: $0 MONITOR.elf OUT.iso CMDLINE}
out=${2:?}
cmdline=${3-}
ROOT=${ROOT:-none}
ROOT_CMDLINE=${ROOT_CMDLINE:-}
CHILDREN=${CHILDREN:-}

args=()
initrd=()
if [ "$ROOT" = linux ]; then
	# Debian's kernel as the root; its initramfs is the module right after it.
	"$(dirname "$0")/linux-root.sh" >&2
	top=$(cd "$(dirname "$0")/.." && pwd)
	ROOT=$top/build/linux/vmlinuz
	initrd=("$top/build/linux/initrd.gz" "initrd")
fi
if [ "$ROOT" != none ]; then
	[ -r "$ROOT" ] || { echo "partitions-iso: ROOT=$ROOT is not readable" >&2; exit 1; }
	args+=("$ROOT" "$ROOT_CMDLINE" "${initrd[@]}")
	IFS=';' read -r -a kids <<<"$CHILDREN"
	for k in "${kids[@]}"; do
		k=$(echo "$k" | sed -e 's/^ *//' -e 's/ *$//')
		[ -n "$k" ] || continue
		name=${k%%:*}; rest=${k#*:}
		path=${rest%%:*}; words=${rest#*:}
		[ "$rest" != "$k" ] && [ "$path" != "$rest" ] || { echo "partitions-iso: child '$k' is not name:path:words" >&2; exit 1; }
		[ -r "$path" ] || { echo "partitions-iso: child $name: $path is not readable" >&2; exit 1; }
		args+=("$path" "partition=$name $words")
	done
elif [ -n "$CHILDREN" ]; then
	echo "partitions-iso: CHILDREN needs a ROOT" >&2; exit 1
fi
exec "$(dirname "$0")/mkiso.sh" "$elf" "$out" "$cmdline" "${args[@]}"
