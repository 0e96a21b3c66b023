#!/usr/bin/env bash
# The test guest booted straight from GRUB in QEMU, with no monitor under it:
# proves the guest itself works (its non-Hyper-V checks pass, each Hyper-V
# check fails on its own TAP line without crashing it, an exception is
# reported as `not ok` + `Bail out!`, the exit status is exact).
#
#   tests/guest/bare.sh [--summary-fd N]
# Prints PASS/FAIL guest/NAME lines and "guest: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
ELF=$BUILD/guest/guest.elf
summary_fd=
[ "${1-}" = --summary-fd ] && summary_fd=$2
passed=0 failed=0

# run NAME EXIT "PLATFORM VARS" "GUEST CMDLINE" REGEX... (a leading ! rejects)
run() {
	local n=$1 want=$2 vars=$3 cmd=$4 dir=$BUILD/guest/bare/$1 why= rc re
	shift 4
	mkdir -p "$dir"
	rm -f "$dir/serial.log"
	if ! tools/mkiso.sh "$ELF" "$dir/guest.iso" "$cmd" > "$dir/mkiso.log" 2>&1; then
		why="image build failed: $(tail -n 3 "$dir/mkiso.log")"
	else
		# shellcheck disable=SC2086
		env $vars SERIAL="file:$dir/serial.log" timeout --kill-after=5 60 \
			tools/qemu.sh "$dir/guest.iso" > "$dir/qemu.log" 2>&1
		rc=$?
		[ "$rc" = "$want" ] || why="exit status $rc, expected $want"
		sed -e 's/\r//g' -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$dir/serial.log" > "$dir/serial.txt" 2>/dev/null
		for re in "$@"; do
			if [ "${re:0:1}" = "!" ]; then
				grep -aqE -- "${re:1}" "$dir/serial.txt" && why+="${why:+; }unexpected: ${re:1}"
			else
				grep -aqE -- "$re" "$dir/serial.txt" || why+="${why:+; }missing: $re"
			fi
		done
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1)); echo "PASS guest/$n"
	else
		failed=$((failed + 1)); echo "FAIL guest/$n: $why"
		tail -n 30 "$dir/serial.txt" 2>/dev/null
	fi
}

if ! make -s guest > "$BUILD/guest.build.log" 2>&1; then
	cat "$BUILD/guest.build.log"
	echo "FAIL guest/build"
	failed=1
else
	# SeaBIOS reserves its ROM at 0xfffc0000; 00:1f.7 is an empty slot. The IPIs go
	# to an APIC id nobody has: on bare hardware a SIPI would really start a CPU.
	run checks 35 "FW=bios IOMMU=amd" \
		"role=root marker=BARE exclude=0xfffc0000-0x100000000 memcheck ipi=5 hold=1 irr-check ecam-hidden=00:1f.7" \
		'^1\.\.23$' \
		'^ok 1 - COM1 16550' \
		'^ok 2 - multiboot2 info well-formed .*\([0-9]+ tags, [0-9]+ bytes\)$' \
		'^ok 3 - memory map present, entries sane, available ranges disjoint' \
		'^ok 4 - exclude= host ranges are not available$' \
		'^ok 5 - command line arrived \(marker=BARE\)$' \
		'^ok 6 - CPUID\.1:ECX\[31\] hypervisor present$' \
		"^not ok 7 - CPUID 0x40000000: .*vendor 'TCGTCGTCGTCG'" \
		'^not ok 14 - HvCallGetPartitionId through the page: no usable hypercall page, not calling$' \
		'^ok 18 - ECAM: hidden function reads all-ones, 00:00\.0 real \(00:00\.0 is 8086:29c0\)$' \
		'^ok 19 - 0xCF8/0xCFC: hidden function reads all-ones' \
		'^ok 20 - memcheck: every available region is writable RAM' \
		'^ok 21 - IPIs to another partition.s CPU' \
		'^ok 22 - hold: still running' \
		'^ok 23 - irr-check: no stray IPI vector pending$' \
		'^# FAILURE: 23 of 23 tests run, 9 failed$' \
		'!Bail out' '!^not ok (1|2|3|4|5|6|11|16|18|19|20|21|22|23) '
	# Without a monitor nothing hides DMAR, the AMD-Vi function or host memory.
	run visible 35 "FW=bios IOMMU=intel" \
		"role=child ram=64M acpi-hidden ecam-hidden=00:00.0 exclude=0x0-0x1000" \
		'^not ok 4 - exclude= host ranges are not available: excluded 0x0-0x1000 is available' \
		'^not ok 5 - child: RAM only from GPA 0 up to its limit: map reaches' \
		'^ok 6 - child: basic meminfo consistent with the map \(lower 639 KiB' \
		'^ok 7 - command line arrived \(no marker= word\)$' \
		'^not ok 20 - ACPI: no DMAR or IVRS in the RSDT/XSDT: RSDT lists DMAR' \
		'^not ok 21 - ECAM: hidden function reads all-ones.*: 00:00\.0 offset 0x0 reads 0x29c08086' \
		'!Bail out'
	run uefi 35 "FW=uefi IOMMU=none" "marker=U memcheck bogus" \
		'^ok 2 - multiboot2 info well-formed' \
		'^not ok 4 - command line arrived: 1 word\(s\) not understood, first .bogus.$' \
		'^ok 17 - memcheck' '!Bail out'
	# An exception is a failed test, a register line and "Bail out!".
	run page-fault 35 "FW=bios IOMMU=none" "crash=read:0x30000000000" \
		'^not ok 17 - crash: the monitor stops this partition: unexpected #PF \(vector 14\) at RIP 0x[0-9a-f]+ error 0x0 CR2 0x30000000000$' \
		'^Bail out! #PF$' '^# FAILURE: 17 of 17 tests run'
	run write-returns 35 "FW=bios IOMMU=none" "crash=write:0x100000" \
		'^# crash: writing to 0x100000$' \
		'^not ok 17 - crash: the monitor stops this partition: the write to 0x100000 returned$'
	# QEMU with -no-reboot exits 0 on a triple fault.
	run triple 0 "FW=bios IOMMU=none" "crash=triple" '^# crash: null IDT, then #UD$' '!^not ok 17'
fi

echo "guest: $passed passed, $failed failed"
[ -n "$summary_fd" ] && echo "$passed $failed" >&"$summary_fd"
[ "$failed" -eq 0 ]
