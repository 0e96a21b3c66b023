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
GUEST=$BUILD/guest/guest.elf

summary_fd=
only=()
while [ $# -gt 0 ]; do
	case $1 in
	--summary-fd) summary_fd=$2; shift 2 ;;
	*) only+=("$1"); shift ;;
	esac
done

names=() ; declare -A s_expect s_vars s_cmdline s_timeout s_greps s_rejects s_extra s_root s_children s_linux
cur=
# scenario NAME EXIT "MAKE-STYLE VARS" "MONITOR CMDLINE" [TIMEOUT]
scenario() {
	cur=$1; names+=("$1")
	s_expect[$1]=$2; s_vars[$1]=$3; s_cmdline[$1]=$4; s_timeout[$1]=${5:-90}
	s_greps[$1]=; s_rejects[$1]=; s_extra[$1]=; s_root[$1]=; s_children[$1]=; s_linux[$1]=
}
# root "WORDS": boot the test guest as the root partition with this command line
root() { s_root[$cur]=${1:- }; }
# linux_root "CMDLINE": boot Debian's kernel and tests/linux/init as the root (tools/linux-root.sh)
linux_root() { s_root[$cur]=${1:- }; s_linux[$cur]=1; }
# child "NAME:WORDS": and as a child partition (repeatable); WORDS start with the monitor's (mem=, cpus=)
child() { s_children[$cur]+="${1%%:*}:$GUEST:${1#*:};"; }
# qemu_extra "ARGS": more QEMU arguments for this scenario (QEMU_EXTRA)
qemu_extra() { s_extra[$cur]=$1; }
# expect REGEX: some serial line must match (grep -E)
expect() { s_greps[$cur]+="$1"$'\n'; }
# reject REGEX: no serial line may match
reject() { s_rejects[$cur]+="$1"$'\n'; }
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
# Bochs is needed only by the scenarios that ask for it.
missing_bochs() {
	local m=
	command -v bochs >/dev/null || m+=" bochs"
	[ -r /usr/share/bochs/BIOS-bochs-latest ] || m+=" bochsbios"
	[ -r /usr/share/vgabios/vgabios.bin ] || m+=" vgabios"
	echo "$m"
}
is_bochs() { [[ " ${s_vars[$1]} " == *" EMU=bochs "* ]]; }

# Boot scenario $1 in its emulator; the status is QEMU's, or derived from the serial log for Bochs.
boot_emulator() {
	local n=$1 dir=$2 rc
	if is_bochs "$n"; then
		# shellcheck disable=SC2086
		env SMP=1 ${s_vars[$n]} SERIAL="$dir/serial.log" BOCHS_DIR="$dir/bochs" \
			timeout --kill-after=5 "${s_timeout[$n]}" tools/bochs.sh "$dir/iomon.iso" \
			> "$dir/qemu.log" 2>&1
		rc=$?
		[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && return "$rc"
		if grep -aq '^I/iomon: exit: success' "$dir/serial.log"; then return 33
		elif grep -aq '^I/iomon: exit: FAILURE' "$dir/serial.log"; then return 35
		else return 0
		fi
	fi
	# shellcheck disable=SC2086
	env SMP=1 ${s_vars[$n]} QEMU_EXTRA="${s_extra[$n]}" SERIAL="file:$dir/serial.log" \
		timeout --kill-after=5 "${s_timeout[$n]}" tools/qemu.sh "$dir/iomon.iso" \
		> "$dir/qemu.log" 2>&1
}

run_one() {
	local n=$1 dir=$BUILD/scenarios/$1 rc why=
	mkdir -p "$dir"
	rm -f "$dir/serial.log" "$dir/qemu.log"
	local root=none
	[ -n "${s_root[$n]}" ] && root=$GUEST
	[ -n "${s_linux[$n]}" ] && root=linux
	if ! ROOT=$root ROOT_CMDLINE="${s_root[$n]}" CHILDREN="${s_children[$n]}" \
		tools/partitions-iso.sh "$ELF" "$dir/iomon.iso" "${s_cmdline[$n]}" > "$dir/mkiso.log" 2>&1; then
		why="image build failed: $(tail -n 3 "$dir/mkiso.log")"
	else
		local start=$SECONDS
		boot_emulator "$n" "$dir"
		rc=$?
		local secs=$((SECONDS - start))
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="timed out after ${s_timeout[$n]} s"
		elif [ "$rc" != "${s_expect[$n]}" ]; then
			why="exit status $rc, expected ${s_expect[$n]}"
		fi
		# Judge a clean copy: no carriage returns, no terminal escapes from GRUB.
		sed -e 's/\r//g' -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$dir/serial.log" > "$dir/serial.txt" 2>/dev/null
		local re
		while IFS= read -r re; do
			[ -n "$re" ] || continue
			grep -aqE -- "$re" "$dir/serial.txt" || why+="${why:+; }missing: $re"
		done <<<"${s_greps[$n]}"
		while IFS= read -r re; do
			[ -n "$re" ] || continue
			grep -aqE -- "$re" "$dir/serial.txt" && why+="${why:+; }unexpected: $(grep -am1 -E -- "$re" "$dir/serial.txt")"
		done <<<"${s_rejects[$n]}"
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
