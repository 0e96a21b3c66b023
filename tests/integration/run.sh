#!/usr/bin/env bash
# Integration scenarios: each boots the monitor in QEMU with `exit=qemu` under
# an outer timeout. A scenario passes only when QEMU's exit status is exactly
# the expected one (33 success, 35 failure; a triple fault exits 0) AND the
# serial log holds every `expect` line and no `reject` line.
#
# A scenario with EMU=bochs in its variables boots in Bochs (tools/bochs.sh)
# instead. Bochs always exits with status 1, so there the status compared
# with EXIT is derived from the monitor's last serial line: `I/iomon: exit:
# success` counts as 33, `I/iomon: exit: FAILURE` as 35, neither as 0.
#
#   tests/integration/run.sh [NAME...] [--summary-fd N]
#
# Scenarios are declared in tests/integration/scenarios.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ELF=$BUILD/iomon.elf
EFI=$BUILD/efi/BOOTX64.EFI
GUEST=$BUILD/guest/guest.elf

summary_fd=
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--summary-fd) summary_fd=$2; shift 2 ;;
	*) only+=("$1"); shift ;;
	esac
done

names=() ; declare -A s_expect s_vars s_cmdline s_timeout s_greps s_rejects s_extra s_root s_children s_input s_linux
declare -A s_usb s_prep s_fw_err s_fw_alive s_same ran
cur=
# scenario NAME EXIT "MAKE-STYLE VARS" "MONITOR CMDLINE" [TIMEOUT]
scenario() {
	cur=$1; names+=("$1")
	s_expect[$1]=$2; s_vars[$1]=$3; s_cmdline[$1]=$4; s_timeout[$1]=${5:-90}
	s_greps[$1]=; s_rejects[$1]=; s_extra[$1]=; s_root[$1]=; s_children[$1]=; s_input[$1]=; s_linux[$1]=
}
# root "WORDS": boot the test guest as the root partition with this command line
root() { s_root[$cur]=${1:- }; }
# linux_root "CMDLINE": boot Debian's kernel and tests/linux/init as the root (tools/linux-root.sh)
linux_root() { s_root[$cur]=${1:- }; s_linux[$cur]=1; }
# child "NAME:WORDS": and as a child partition (repeatable); WORDS start with the monitor's (mem=, cpus=)
child() { s_children[$cur]+="${1%%:*}:$GUEST:${1#*:};"; }
# qemu_extra "ARGS": more QEMU arguments for this scenario (QEMU_EXTRA)
qemu_extra() { s_extra[$cur]=$1; }
# usb_image "MKUSB ARGS": boot the USB disk image tools/mkusb.sh builds from the
# loader, the monitor, the scenario's command line and these arguments (eval'd:
# $dir is the scenario's directory) instead of the ISO. Use BOOT=usb.
usb_image() { s_usb[$cur]=$1; }
# prepare "COMMANDS": shell commands run (eval'd, $dir set) before the image is built
prepare() { s_prep[$cur]=$1; }
# firmware_alive ERROR_REGEX ALIVE_REGEX: the run must not boot anything and the
# firmware must keep running: after the first line matching ERROR_REGEX a line
# matching ALIVE_REGEX must appear; QEMU is then stopped. Use EXIT "firmware".
firmware_alive() { s_fw_err[$cur]=$1; s_fw_alive[$cur]=$2; }
# same_as SCENARIO REGEX: the lines matching REGEX are identical (and present)
# in this scenario's log and in SCENARIO's (which is run first when needed)
same_as() { s_same[$cur]+="$1 $2"$'\n'; }
# expect REGEX: some serial line must match (grep -E)
expect() { s_greps[$cur]+="$1"$'\n'; }
# reject REGEX: no serial line may match
reject() { s_rejects[$cur]+="$1"$'\n'; }
# input REGEX TEXT: once the serial log matches REGEX, type TEXT (printf escapes: \r, \x18) on
# the serial line; repeatable, in order. The serial line is then a pipe chardev (QEMU only).
input() { s_input[$cur]+="$1"$'\t'"$2"$'\n'; }
# shellcheck source=scenarios.sh
. tests/integration/scenarios.sh

passed=0 failed=0 failures=()

missing_tools() {
	local t m=
	for t in qemu-system-x86_64 grub-mkrescue grub-file xorriso mformat timeout; do
		command -v "$t" >/dev/null || m+=" $t"
	done
	[ -r /usr/share/ovmf/OVMF.fd ] || m+=" OVMF.fd"
	echo "$m"
}

missing_bochs() {
	local m=
	command -v bochs >/dev/null || m+=" bochs"
	[ -r /usr/share/bochs/BIOS-bochs-latest ] || m+=" bochsbios"
	[ -r /usr/share/vgabios/vgabios.bin ] || m+=" vgabios"
	echo "$m"
}
is_bochs() { [[ " ${s_vars[$1]} " == *" EMU=bochs "* ]]; }

# Build the scenario's boot image; its path on stdout. Fails with the reason on stderr.
build_image() {
	local n=$1 dir=$2 t args=()
	if [ -z "${s_usb[$n]+x}" ]; then
		local root=none
		[ -n "${s_root[$n]}" ] && root=$GUEST
		[ -n "${s_linux[$n]}" ] && root=linux
		ROOT=$root ROOT_CMDLINE="${s_root[$n]}" CHILDREN="${s_children[$n]}" \
			tools/partitions-iso.sh "$ELF" "$dir/iomon.iso" "${s_cmdline[$n]}" > "$dir/mkiso.log" 2>&1 ||
			{ echo "image build failed: $(tail -n 3 "$dir/mkiso.log")" >&2; return 1; }
		echo "$dir/iomon.iso"
		return 0
	fi
	for t in sgdisk mformat mcopy grub-mkimage; do
		command -v "$t" >/dev/null || { echo "missing tool: $t (run tools/deps.sh)" >&2; return 1; }
	done
	[ -f "$EFI" ] || { echo "$EFI not built (make efi)" >&2; return 1; }
	if [ -n "${s_prep[$n]:-}" ]; then
		eval "${s_prep[$n]}" > "$dir/prepare.log" 2>&1 ||
			{ echo "prepare failed: $(tail -n 3 "$dir/prepare.log")" >&2; return 1; }
	fi
	eval "args=(${s_usb[$n]})"
	tools/mkusb.sh -o "$dir/iomon-usb.img" -l "$EFI" -m "$ELF" -c "${s_cmdline[$n]}" "${args[@]}" \
		> "$dir/mkusb.log" 2>&1 ||
		{ echo "image build failed: $(tail -n 3 "$dir/mkusb.log")" >&2; return 1; }
	fallocate --dig-holes "$dir/iomon-usb.img" 2>/dev/null   # big test modules are zeros
	echo "$dir/iomon-usb.img"
}

# True when a line matching $2 follows the first line matching $1 in file $3.
line_after() {
	awk -v e="$1" -v a="$2" 'f && $0 ~ a { found = 1; exit } !f && $0 ~ e { f = 1 } END { exit !found }' "$3"
}

clean_log() {
	# Judge a clean copy: no carriage returns, no terminal escapes from GRUB or the firmware.
	sed -e 's/\r//g' -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$1/serial.log" > "$1/serial.txt" 2>/dev/null
}

# Run QEMU; with firmware_alive, stop it as soon as the firmware shows it is still alive.
boot_qemu() {
	local n=$1 dir=$2 image=$3 pid rc
	if is_bochs "$n"; then
		# shellcheck disable=SC2086
		env SMP=1 ${s_vars[$n]} SERIAL="$dir/serial.log" BOCHS_DIR="$dir/bochs" \
			timeout --kill-after=5 "${s_timeout[$n]}" tools/bochs.sh "$image" \
			> "$dir/qemu.log" 2>&1
		rc=$?
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then echo "$rc"
		elif grep -aq '^I/iomon: exit: success' "$dir/serial.log"; then echo 33
		elif grep -aq '^I/iomon: exit: FAILURE' "$dir/serial.log"; then echo 35
		else echo 0
		fi
		return
	fi
	if [ -n "${s_input[$n]}" ]; then
		boot_with_input "$n" "$dir" "$image"
		echo "$?"
		return
	fi
	# shellcheck disable=SC2086
	env SMP=1 ${s_vars[$n]} QEMU_EXTRA="${s_extra[$n]}" SERIAL="file:$dir/serial.log" \
		timeout --kill-after=5 "${s_timeout[$n]}" tools/qemu.sh "$image" \
		> "$dir/qemu.log" 2>&1 &
	pid=$!
	if [ -n "${s_fw_alive[$n]:-}" ]; then
		while kill -0 "$pid" 2>/dev/null; do
			sleep 1
			clean_log "$dir"
			if line_after "${s_fw_err[$n]}" "${s_fw_alive[$n]}" "$dir/serial.txt"; then
				kill -TERM "$pid" 2>/dev/null   # the timeout process; it ends QEMU
				wait "$pid"
				echo firmware
				return
			fi
		done
	fi
	wait "$pid"
	rc=$?
	echo "$rc"
}

# same_as checks: the lines matching REGEX agree with the other scenario's log.
check_same() {
	local n=$1 dir=$2 other re mine theirs why=
	while read -r other re; do
		[ -n "$other" ] || continue
		[ -n "${ran[$other]:-}" ] || run_one "$other" >&2
		mine=$(grep -aE -- "$re" "$dir/serial.txt")
		theirs=$(grep -aE -- "$re" "$BUILD/scenarios/$other/serial.txt")
		if [ -z "$mine" ]; then
			why+="${why:+; }no line matches $re"
		elif [ "$mine" != "$theirs" ]; then
			why+="${why:+; }lines matching $re differ from $other: $(diff <(echo "$theirs") <(echo "$mine") | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
		fi
	done <<<"${s_same[$n]:-}"
	echo "$why"
}

# The serial line as a pipe chardev (DIR/con.in, DIR/con.out): a reader copies what the
# machine writes into serial.log, a feeder types each input step once its line has appeared.
boot_with_input() {
	local n=$1 dir=$2 rc reader feeder
	rm -f "$dir/con.in" "$dir/con.out"
	mkfifo "$dir/con.in" "$dir/con.out" || return 1
	: > "$dir/serial.log"
	# Read-write opens: neither side blocks waiting for the other, and no EOF ends them early.
	cat 0<> "$dir/con.out" > "$dir/serial.log" &
	reader=$!
	(
		exec 7<> "$dir/con.in"
		while IFS=$'\t' read -r re text; do
			[ -n "$re" ] || continue
			until sed -e 's/\r//g' "$dir/serial.log" | grep -aqE -- "$re"; do sleep 0.2; done
			sleep 0.3
			# shellcheck disable=SC2059
			printf "$text" >&7
		done <<<"${s_input[$n]}"
		exec sleep 3600   # keep the pipe open until the boot is over (killed then)
	) &
	feeder=$!
	# shellcheck disable=SC2086
	env SMP=1 ${s_vars[$n]} QEMU_EXTRA="${s_extra[$n]}" SERIAL="pipe:$dir/con" \
		timeout --kill-after=5 "${s_timeout[$n]}" tools/qemu.sh "$3" \
		> "$dir/qemu.log" 2>&1
	rc=$?
	sleep 0.5
	kill "$feeder" "$reader" 2>/dev/null
	wait "$feeder" "$reader" 2>/dev/null
	return "$rc"
}

run_one() {
	local n=$1 dir=$BUILD/scenarios/$1 rc why= image
	ran[$n]=1
	mkdir -p "$dir"
	rm -f "$dir/serial.log" "$dir/serial.txt" "$dir/qemu.log"
	if ! image=$(build_image "$n" "$dir" 2> "$dir/image.err"); then
		why=$(cat "$dir/image.err")
	else
		local start=$SECONDS
		rc=$(boot_qemu "$n" "$dir" "$image")
		local secs=$((SECONDS - start))
		if [ "$rc" -eq 124 ] 2>/dev/null || [ "$rc" -eq 137 ] 2>/dev/null; then
			why="timed out after ${s_timeout[$n]} s"
		elif [ "$rc" != "${s_expect[$n]}" ]; then
			why="exit status $rc, expected ${s_expect[$n]}"
		fi
		clean_log "$dir"
		local re
		while IFS= read -r re; do
			[ -n "$re" ] || continue
			grep -aqE -- "$re" "$dir/serial.txt" || why+="${why:+; }missing: $re"
		done <<<"${s_greps[$n]}"
		while IFS= read -r re; do
			[ -n "$re" ] || continue
			grep -aqE -- "$re" "$dir/serial.txt" && why+="${why:+; }unexpected: $(grep -am1 -E -- "$re" "$dir/serial.txt")"
		done <<<"${s_rejects[$n]}"
		local same
		same=$(check_same "$n" "$dir")
		why+="${why:+${same:+; }}$same"
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "PASS integration/$n (${secs}s)"
	else
		failed=$((failed + 1))
		failures+=("integration/$n")
		echo "FAIL integration/$n: $why"
		echo "---- $dir/serial.txt (last 25 lines)"
		tail -n 25 "$dir/serial.txt" 2>/dev/null
		echo "---- $dir/qemu.log"
		tail -n 5 "$dir/qemu.log" 2>/dev/null
		echo "----"
	fi
}

[ ${#only[@]} -gt 0 ] && names=("${only[@]}")
tools_missing=$(missing_tools)
for n in "${names[@]}"; do
	if [ -z "${s_expect[$n]+x}" ]; then
		failed=$((failed + 1)); echo "FAIL integration/$n: no such scenario"; continue
	fi
	if [ -n "$tools_missing" ]; then
		failed=$((failed + 1)); echo "FAIL integration/$n: missing tools:$tools_missing (run tools/deps.sh)"
		continue
	fi
	if is_bochs "$n" && [ -n "$(missing_bochs)" ]; then
		failed=$((failed + 1)); echo "FAIL integration/$n: missing tools:$(missing_bochs) (run tools/deps.sh)"
		continue
	fi
	if [ ! -f "$ELF" ]; then
		failed=$((failed + 1)); echo "FAIL integration/$n: $ELF not built"; continue
	fi
	if [ -n "${s_root[$n]}" ] && [ ! -f "$GUEST" ]; then
		failed=$((failed + 1)); echo "FAIL integration/$n: $GUEST not built"; continue
	fi
	run_one "$n"
done

echo "integration: $passed passed, $failed failed"
[ -n "$summary_fd" ] && echo "$passed $failed" >&"$summary_fd"
[ "$failed" -eq 0 ]
