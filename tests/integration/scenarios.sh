# Integration scenarios (sourced by tests/integration/run.sh).
#
#   scenario NAME EXIT "PLATFORM VARS" "MONITOR COMMAND LINE" [TIMEOUT]
#   expect REGEX    a serial line must match
#   reject REGEX    no serial line may match
#
# EXIT is QEMU's status: 33 = monitor reported success, 35 = failure;
# "firmware" = nothing booted and the firmware kept running (firmware_alive).
# usb_image, prepare, firmware_alive and same_as are described in run.sh.
# PLATFORM VARS are those of `make run` (FW BOOT IOMMU AW CM MEM SMP QEMU_EXTRA).

# Lines every successful boot must show.
boot_ok() {
	expect '^I/iomon: iomon .*: IOMMU monitor starting'
	expect '^I/pci: ECAM segment 0 buses 00-ff at 0x00000000b0000000'
	expect '^I/madt: [0-9]+ CPUs'
	expect '^I/iomon: boot complete: 0 error\(s\)'
	expect '^I/iomon: exit: success'
	reject '^E/'
}
vtd_ok() {
	expect '^I/vtd: DRHD 0 at 0x00000000fed90000 segment 0'
	expect '^I/vtd: unit 0x00000000fed90000: VT-d 1\.0'
}

# The default platform boots clean: not even a warning.
scenario bios-cd 33 "FW=bios BOOT=cd IOMMU=intel AW=48" "exit=qemu"
boot_ok; vtd_ok
reject '^W/'
expect '^I/vtd: unit 0x00000000fed90000: VT-d 1\.0, AGAW 39-bit/3-level 48-bit/4-level, MGAW 48, superpages 2M 1G, 65536 domains'
expect '^I/vtd: unit 0x00000000fed90000: QI IR PT PSI\(MAMV 18\) CM=0 C=0 SC=0 RWBF=0, 1 fault record at 0x220, IOTLB at 0xf8'
expect '^I/mem: memory map \(E820'
expect '^I/acpi: RSDP rev 0'
expect '^I/pci: 0000:00:02\.0 1b36:000c 060400 bridge \[root port\] buses 01-01 rid 00:02\.0'
expect '^I/pci:   0000:01:00\.0 1b36:0010 010802 device \[endpoint\] \[PF, 0/4 VFs\] rid 01:00\.0 caps .*SR-IOV'

scenario uefi-cd 33 "FW=uefi BOOT=cd IOMMU=intel AW=48" "exit=qemu" 240
boot_ok; vtd_ok
reject '^W/'
expect '^I/acpi: RSDP rev 2'
expect '^I/iomon: firmware: UEFI, system table at 0x[0-9a-f]+, EFI memory map with [0-9]+ entries'
expect '^I/acpi: RSDP rev 2 OEM BOCHS, XSDT at'

scenario uefi-usb 33 "FW=uefi BOOT=usb IOMMU=intel AW=48" "exit=qemu" 240
boot_ok; vtd_ok

scenario bios-usb 33 "FW=bios BOOT=usb IOMMU=intel AW=48" "exit=qemu"
boot_ok; vtd_ok

scenario bios-aw39-cm 33 "FW=bios IOMMU=intel AW=39 CM=on" "exit=qemu"
boot_ok; vtd_ok
expect '^I/vtd: unit 0x00000000fed90000: VT-d 1.0, AGAW 39-bit/3-level,'
expect '^I/vtd: unit 0x00000000fed90000: .*CM=1'

scenario bios-amd 33 "FW=bios IOMMU=amd" "exit=qemu"
boot_ok
expect '^I/amdvi: IVHD type 0x10 at 0x00000000fed80000'
expect '^I/amdvi: unit 0x00000000fed80000: EFR 0x00000000000029d3: PREF PPR GT IA GA HE, HATS 6-level'
reject '^I/vtd: DRHD'

scenario bios-6g 33 "FW=bios MEM=6G" "exit=qemu"
boot_ok; vtd_ok
expect '^I/mem: memory above 4 GiB: frame 0x[1-9a-f][0-9a-f]{8,} writable and readable'

scenario cmdline-bad 33 "FW=bios" "exit=qemu bogus=1 loglevel=loud console=com1,115200"
expect "^W/cmdline: unknown option 'bogus"
expect "^W/cmdline: invalid value 'loud'"
expect '^I/iomon: boot complete: 0 error\(s\)'

# The exception path is real: a #PF on an unmapped address must dump the
# registers and end the run as a failure (35), not a triple fault (0).
scenario fault-pf 35 "FW=bios" "exit=qemu selftest=fault"
expect '^E/cpu: exception #PF page fault \(vector 14\) error code 0x0'
expect '^E/cpu:   page fault: not present, read, supervisor'
expect '^E/cpu:   CR0 0x[0-9a-f]{16}  CR2 0x000000000dead000'
expect '^E/cpu:   RIP 0xffffffff8[0-9a-f]{7}'
expect '^E/cpu:   RAX 0x[0-9a-f]{16}  RBX'
expect '^E/cpu:   R13 0x[0-9a-f]{16}  R14'
expect '^E/panic: PANIC: unhandled exception #PF'
expect '^I/iomon: exit: FAILURE'

scenario fault-ud 35 "FW=bios" "exit=qemu selftest=ud"
expect '^E/cpu: exception #UD invalid opcode \(vector 6\)'
expect '^I/iomon: exit: FAILURE'

# Stack overflow hits the guard page; the #DF runs on its own IST stack.
scenario fault-stack 35 "FW=bios" "exit=qemu selftest=stack"
expect '^E/cpu: exception #DF double fault \(vector 8\)'
expect '^I/iomon: exit: FAILURE'

# SR-IOV: the nvme PF's four VFs appear at 01:00.1-01:00.4 under their PF, are
# found by class (their vendor id reads 0xFFFF), and disabling them removes them.
sriov_ok() {
	boot_ok
	expect '^I/sriov: 0000:01:00\.0: 4 VFs enabled \(offset 1 stride 1'
	expect '^I/pci:   0000:01:00\.0 1b36:0010 010802 device \[endpoint\] \[PF, 4/4 VFs\]'
	for i in 1 2 3 4; do
		expect "^I/pci:     0000:01:00\\.$i 1b36:0010 010802 device \\[endpoint\\] \\[VF $((i - 1)) of 0000:01:00\\.0\\] rid 01:00\\.$i"
	done
	expect '^I/selftest: sriov: disabled 4 VFs of 0000:01:00\.0; registry 11 -> 7 functions, VF config space gone'
}
scenario bios-sriov 33 "FW=bios" "exit=qemu sriov=0000:01:00.0:4 selftest=sriov"
sriov_ok

scenario uefi-sriov 33 "FW=uefi" "exit=qemu sriov=0000:01:00.0:4 selftest=sriov" 240
sriov_ok

# A conventional PCI device behind a PCIe-to-PCI bridge: its DMA carries the
# bridge's secondary bus with devfn 0, which the IOMMU must also translate.
scenario bios-pci-bridge 33 "FW=bios" "exit=qemu"
qemu_extra "-device pcie-pci-bridge,id=pcibr0,bus=pcie.0 -device edu,bus=pcibr0,addr=3.0"
boot_ok
expect '^I/pci: 0000:00:03\.0 1b36:000e 060400 bridge \[pcie-to-pci bridge\] buses 02-02'
expect '^I/pci:   0000:02:03\.0 1234:11e8 00ff00 device \[pci\] rids 02:03\.0 alias 02:00\.0'

scenario uefi-pci-bridge 33 "FW=uefi" "exit=qemu" 240
qemu_extra "-device pcie-pci-bridge,id=pcibr0,bus=pcie.0 -device edu,bus=pcibr0,addr=3.0"
boot_ok
expect '^I/pci:   0000:02:03\.0 1234:11e8 00ff00 device \[pci\] rids 02:03\.0 alias 02:00\.0'

# Bad sriov= requests are reported and change nothing.
scenario sriov-bad 33 "FW=bios" "exit=qemu sriov=0000:01:00.0:9 sriov=0000:00:01.0:2 sriov=zz"
expect "^W/cmdline: invalid value 'zz' for option 'sriov'"
expect '^W/sriov: sriov=0000:01:00\.0:9 not applied: not a PF or bad VF count'
expect '^W/sriov: sriov=0000:00:01\.0:2 not applied: not a PF or bad VF count'
expect '^I/iomon: boot complete: 0 error\(s\)'
expect '^I/pci:   0000:01:00\.0 1b36:0010 010802 device \[endpoint\] \[PF, 0/4 VFs\]'

# DMA isolation with QEMU's edu device (selftest=dma, TAP on the console):
# default, paging and null domains, faults decoded, moves take effect at once.
dma_ok() {   # [number of tests: 19 on VT-d, 16 on AMD-Vi, which records no faults]
	local n=${1:-19}
	expect '^I/iommu: default S2 domain 0: identity over [0-9]+ MiB of root RAM'
	expect '^I/iommu:   0000:00:0[12]\.0 -> default domain 0x0 via unit 0x'
	expect '^I/iomon: boot complete: 0 error\(s\)'
	expect '^I/iomon: exit: success'
	reject '^not ok'
	reject '^E/'
	for i in $(seq 1 "$n"); do expect "^ok $i - "; done
	expect "^1\\.\\.$n\$"
	expect "^# $n tests, 0 failed"
}
vtd_faults_ok() {
	expect '^ok [45] - default domain: DMA aimed at the default domain.s own root table is blocked, table unchanged'
	expect '^W/iommu: DMA fault at unit 0x00000000fed90000: 0000:00:01\.0 write 0x[0-9a-f]+: reason 0x5, write to a page without write permission'
	expect '^# fault: 00:01\.0 write 0x40000000 reason 0x5'
	expect '^W/iommu: DMA fault at unit 0x00000000fed90000: 0000:00:01\.0 write 0x[0-9a-f]+: reason 0x2, context entry not present'
}
scenario dma-vtd-aw48 33 "FW=bios IOMMU=intel AW=48 CM=off" "exit=qemu selftest=dma"
dma_ok; vtd_faults_ok
expect '^I/vtd: unit 0x00000000fed90000: 4-level tables \(48-bit IOVAs\), .*queued invalidation'

scenario dma-vtd-aw39-cm 33 "FW=bios IOMMU=intel AW=39 CM=on" "exit=qemu selftest=dma"
dma_ok; vtd_faults_ok
expect '^I/vtd: unit 0x00000000fed90000: 3-level tables \(39-bit IOVAs\)'

scenario dma-vtd-noqi 33 "FW=bios IOMMU=intel AW=48 CM=on" "exit=qemu selftest=dma vtd=noqi"
dma_ok; vtd_faults_ok
expect '^I/vtd: unit 0x00000000fed90000: 4-level tables \(48-bit IOVAs\), .*register invalidation'

scenario dma-vtd-uefi-aw48-cm 33 "FW=uefi IOMMU=intel AW=48 CM=on" "exit=qemu selftest=dma" 240
dma_ok; vtd_faults_ok

scenario dma-vtd-uefi-aw39 33 "FW=uefi IOMMU=intel AW=39 CM=off" "exit=qemu selftest=dma" 240
dma_ok; vtd_faults_ok
expect '^I/vtd: unit 0x00000000fed90000: 3-level tables \(39-bit IOVAs\)'

# Above 4 GiB: the monitor pool and page tables live high, the default domain spans 6 GiB.
scenario dma-vtd-6g 33 "FW=bios IOMMU=intel AW=48 MEM=6G" "exit=qemu selftest=dma"
dma_ok; vtd_faults_ok

# edu behind a PCIe-to-PCI bridge: its DMA carries the alias 02:00.0. The
# self-test picks it (most requester ids); it moves with the bridge as one
# group, and its faults are attributed to it, not to a 02:00.0 that does not exist.
bridge_edu="-device pcie-pci-bridge,id=pcibr0,bus=pcie.0 -device edu,bus=pcibr0,addr=3.0,dma_mask=0xffffffffffffffff"
scenario dma-vtd-bridge 33 "FW=bios IOMMU=intel AW=48" "exit=qemu selftest=dma"
qemu_extra "$bridge_edu"
dma_ok
expect '^# .*; edu 0000:02:03\.0;'
expect '^I/iommu:   0000:02:03\.0 -> default domain 0x0 via unit 0x00000000fed90000 \(2 requester ids, group [0-9]+, shared\)'
expect '^W/iommu: DMA fault at unit 0x00000000fed90000: 0000:02:03\.0 write 0x[0-9a-f]+: reason 0x5, .*\(alias 02:00\.0, group [0-9]+\)'
expect '^# fault: 02:00\.0 write 0x40000000 reason 0x5 .*, from 02:03\.0'
reject 'DMA fault at unit 0x[0-9a-f]+: 0000:02:00\.0'

# No AMD-Vi twin: QEMU 7.2's amd-iommu names a device's address space by the
# bus number it had when the device was created, before firmware numbered the
# buses, so edu at 02:03.0 is translated with the device table entry of
# 00:00.0 (moving edu's group to the null domain does not block its DMA there).

# Without an IOMMU the DMA self-test must fail, not pass vacuously.
# Fault storms are cut off in normal operation: edu writes monitor memory
# again and again, only the monitor's idle poll drains the faults, and after
# iommu.storm=3 + 1 faults edu loses bus mastering; its later transfers fault no more.
scenario dma-vtd-storm 33 "FW=bios IOMMU=intel AW=48" "exit=qemu selftest=storm iommu.storm=3"
expect '^W/iommu: 0000:00:0[12]\.0: more than 3 DMA faults under requester id 00:0[12]\.0, bus mastering turned off'
expect '^# 7 transfers, 4 faults counted for edu, command 0x'
for i in 1 2 3 4 5; do expect "^ok $i - "; done
expect '^# 5 tests, 0 failed'
expect '^I/iomon: exit: success'
reject '^not ok'
reject '^E/'

scenario dma-no-iommu 35 "FW=bios IOMMU=none" "exit=qemu selftest=dma"
expect '^not ok 1 - an IOMMU, the edu device'
expect '^E/dma: DMA self-test needs an IOMMU'

# AMD-Vi: QEMU 7.2 writes no event log, so blocked DMA is proven by memory
# staying unchanged, and for the null domain by the IOMMU function's
# Signaled Target Abort.
amd_dma_ok() {
	dma_ok 16
	expect '^I/iommu: AMD-Vi DMA remapping on'
	expect '^ok 3 - default domain: DMA aimed at monitor memory is blocked, memory unchanged'
	expect '^ok [45] - default domain: DMA aimed at the default domain.s own root table is blocked, table unchanged'
	expect '^ok 12 - null domain: DMA into root RAM is blocked, memory unchanged'
	expect '^ok 13 - null domain: the IOMMU function signalled a target abort'
}
scenario dma-amd 33 "FW=bios IOMMU=amd" "exit=qemu selftest=dma"
amd_dma_ok

scenario dma-amd-uefi 33 "FW=uefi IOMMU=amd" "exit=qemu selftest=dma" 240
amd_dma_ok

# ---- Partitions (SVM+NPT in QEMU): the test guest (tests/guest/) as root and children ----
# Every guest prints TAP on its virtual COM1, shown as "[name] ..." lines; a
# scenario passes only with each guest's plan, no "not ok", and the exit status.
part_ok() {   # part_ok NAME: that partition's TAP completed with success
	expect "^\\[$1\\] 1\\.\\.[0-9]+"
	expect "^\\[$1\\] # success: [0-9]+ of [0-9]+ tests run, 0 failed"
	expect "^I/part: $1 stopped: exit port written: 0x10 \\(success\\)"
	reject "^\\[$1\\] not ok"
}
# The monitor image starts at 1 MiB and the AP trampoline is 0x8000-0xBFFF: neither may be root RAM.
MONITOR_EXCLUDE="exclude=0x100000-0x101000 exclude=0x8000-0xc000"

scenario part-root-bios 33 "FW=bios IOMMU=intel" "exit=qemu"
root "role=root partid=1 marker=rootbios acpi-hidden memcheck deposit $MONITOR_EXCLUDE"
boot_ok; part_ok root
expect '^I/part: vcpu backend: SVM'
expect '^I/acpi: DMAR at 0x[0-9a-f]+ hidden from the root \(renamed RMAD\)'
expect '^\[root\] ok [0-9]+ - HvCallGetPartitionId through the page \(partition id 1\)'
expect '^\[root\] ok [0-9]+ - ACPI: no DMAR or IVRS'
expect '^\[root\] ok [0-9]+ - DEPOSIT_MEMORY then WITHDRAW_MEMORY of own pages \(64 pages deposited and withdrawn\)'
expect '^I/hvcall: root: DEPOSIT_MEMORY calls=[0-9]+ reps=64 continuations=[0-9]+ .* SUCCESS=1$'
expect '^I/hvcall: root: WITHDRAW_MEMORY calls=[0-9]+ reps=64 .* NO_RESOURCES=1$'

scenario part-root-uefi 33 "FW=uefi IOMMU=intel" "exit=qemu" 240
root "role=root partid=1 marker=rootuefi acpi-hidden memcheck $MONITOR_EXCLUDE"
boot_ok; part_ok root
expect '^\[root\] ok [0-9]+ - ACPI: no DMAR or IVRS in the RSDT/XSDT \(XSDT'

scenario part-child-intel 33 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 acpi-hidden memcheck $MONITOR_EXCLUDE"
child "c1:mem=64M cpus=1 role=child partid=2 marker=c1 memcheck deposit ram=64M"
boot_ok; part_ok root; part_ok c1
expect '^I/smp: 2 CPU\(s\) up'
expect '^I/part: partition c1 \(id 2\): module 1, 1 CPU\(s\), 64 MiB at host 0x'
expect '^\[c1\] ok [0-9]+ - HvCallGetPartitionId through the page \(partition id 2\)'
expect '^\[c1\] ok [0-9]+ - CPUID 0x40000003 EBX: child without'
expect '^\[c1\] ok [0-9]+ - DEPOSIT_MEMORY then WITHDRAW_MEMORY of own pages \(64 pages deposited and withdrawn; to the root: ACCESS_DENIED\)'
expect '^I/hvcall: c1: DEPOSIT_MEMORY calls=[0-9]+ reps=64 .* SUCCESS=1 ACCESS_DENIED=1$'

# The AMD-Vi function (00:01.0 on this machine) is the monitor's: its config space reads all-ones.
scenario part-child-amd 33 "FW=bios IOMMU=amd SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 acpi-hidden memcheck deposit ecam-hidden=00:01.0 $MONITOR_EXCLUDE"
child "c1:mem=64M role=child partid=2 marker=c1 memcheck"
boot_ok; part_ok root; part_ok c1
expect '^I/acpi: IVRS at 0x[0-9a-f]+ hidden from the root \(renamed SRVI\)'
expect '^\[root\] ok [0-9]+ - ECAM: hidden function reads all-ones, 00:00\.0 real'
expect '^\[root\] ok [0-9]+ - DEPOSIT_MEMORY then WITHDRAW_MEMORY of own pages \(64 pages deposited and withdrawn\)'
expect '^\[root\] ok [0-9]+ - 0xCF8/0xCFC: hidden function reads all-ones, 00:00\.0 real'
expect '^I/part: root: [0-9]+ exits: .* mmio [1-9]'

# A child above 4 GiB: with 6 GiB the top of RAM, and so the child's, is above 4 GiB.
scenario part-child-6g 33 "FW=bios IOMMU=intel SMP=2 MEM=6G" "exit=qemu" 180
root "role=root partid=1 marker=r1 $MONITOR_EXCLUDE"
child "c1:mem=128M role=child partid=2 marker=c1 memcheck"
boot_ok; part_ok root; part_ok c1
expect '^I/part: partition c1 \(id 2\): module 1, 1 CPU\(s\), 128 MiB at host 0x1[0-9a-f]{8}'

# Requests that cannot be met: an error line, the child does not start, the root runs.
scenario part-child-too-big 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1"
child "c1:mem=64M cpus=4 role=child partid=2"
child "c2:mem=8G role=child partid=3"
part_ok root
expect '^E/part: c1: asks for 4 CPU\(s\) but only 1 are left'
expect '^E/part: c2: asks for 8192 MiB but root RAM cannot give that much'
expect '^I/iomon: exit: FAILURE'
reject '^\[c[12]\]'

# IPIs, an NMI, INIT and STARTUP fired by the root at the child's CPU are dropped; the child runs on.
scenario part-ipi 33 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 ipi=1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=10"
boot_ok; part_ok root; part_ok c1
expect '^W/part: root: IPI dropped \(ICR 0x01000000:[0-9a-f]{8}\): a CPU of another partition'
expect '^W/part: root: IPI dropped \(ICR 0x01000000:[0-9a-f]{8}\): INIT'
expect '^I/part: root: [0-9]+ hypercalls, [0-9]+ IPIs sent, [1-9][0-9]* dropped'

# Direct attach (selftest=attach): edu moves to the child, DMA through the child's stage-2, a revoked
# page blocks the same DMA after an NMI kick flushed the child's CPU, quarantine when the child stops.
attach_ok() {
	expect '^ok 1 - edu.s group direct-attached to the child'
	expect '^ok 4 - edu DMA to child GPAs lands at the child.s GPA->HPA'
	expect '^ok 6 - revoke returned after the child.s CPU was kicked out of its guest'
	expect '^ok 7 - after revoke, the same DMA is blocked'
	expect '^# attach self-test: 8 of 8 passed'
	expect '^I/part: c1: group [0-9]+ \(0000:[0-9a-f:.]+\) quarantined: null domain, bus mastering off'
	reject '^not ok'
}
scenario part-attach-intel 33 "FW=bios IOMMU=intel AW=48 SMP=2" "exit=qemu selftest=attach"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=20"
boot_ok; part_ok root; part_ok c1; attach_ok
expect '^I/part: c1: direct-attach DMA walks its stage-2 \(shared\)'
expect '^I/part: c1: a device attached to it would walk this stage-2 \(shared\)'

# Caching mode: the unit may cache not-present entries, so even a grant is followed by an invalidation.
scenario part-attach-intel-cm 33 "FW=bios IOMMU=intel AW=48 CM=on SMP=2" "exit=qemu selftest=attach"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=20"
boot_ok; part_ok root; part_ok c1; attach_ok
expect '^I/part: c1: direct-attach DMA walks its stage-2 \(shared\)'

scenario part-attach-intel39 33 "FW=bios IOMMU=intel AW=39 SMP=2" "exit=qemu selftest=attach"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=20"
boot_ok; part_ok root; part_ok c1; attach_ok
expect '^I/part: c1: direct-attach DMA uses a mirrored IOMMU table \(the units do not walk the stage-2.s depth\)'

scenario part-attach-amd 33 "FW=bios IOMMU=amd SMP=2" "exit=qemu selftest=attach"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=20"
boot_ok; part_ok root; part_ok c1; attach_ok
expect '^I/part: c1: direct-attach DMA uses a mirrored IOMMU table \(the unit.s table format differs'

# The remote stage-2 flush alone (selftest=kick): a child spinning in its guest is kicked out by an NMI.
scenario part-kick 33 "FW=bios IOMMU=intel SMP=2" "exit=qemu selftest=kick"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 hold=20"
boot_ok; part_ok root; part_ok c1
expect '^ok 2 - the stage-2 flush returned after an NMI kick made the child.s CPU exit and flush'
expect '^# kick self-test: 2 of 2 passed'

# The monitor shell on the serial line while a root and a child run: every command, hostile
# arguments, a confirmed quarantine and a cancelled stop; then both TAPs still complete. On
# SVM the monitor keeps CPU 1 and reads the serial line there whatever the guests do.
scenario shell-part 33 "FW=bios IOMMU=intel SMP=3" "exit=qemu" 300
root "role=root partid=1 marker=r1 hold=40"
child "c1:mem=64M role=child partid=2 marker=c1 hold=40"
input '^\[c1\] # hold: still running' '\x18\x18\x18'
input '^iomon shell: partitions keep running' 'help\rdevices\runits\rdomains\rpartitions\rfaults\rcounters\r'
input '^counter devices\.faults' 'walk 0 0x1000000\rwalk 0 0x100000000\rwalk 0 0x1000000000000\rwalk 99 0\rwalk 0 0x1g\r'
input 'walk: usage|usage: walk' 's2 root 0x1000000\rs2 c1 0x0\rs2 c1 0x8000000\rs2 c9 0\rmap 0 0x0-0x2000000\r'
input '^map: [0-9]+ ranges' 'loglevel info\rstop c1\rno\rquarantine 0000:00:01.0\ryes\rquarantine 00:20.0\rdevices\rexit\r'
boot_ok; part_ok root; part_ok c1
expect '^iomon> help'
expect '^help walk +DOMAIN IOVA +the table walk'
expect '^dev 0000:00:01\.0 1234:11e8 device rids 00:01\.0 group [0-9]+ owner root domain 0x0 faults 0 bus-master (on|off)$'
expect '^dev   0000:01:00\.0 1b36:0010 device rids 01:00\.0 group [0-9]+ owner root domain 0x0'
expect '^unit 0 VT-d 0x00000000fed90000 seg 0 VT-d 1\.0, 4-level tables, MGAW 48, 2M 1G 1 fault records, CM=0 C=0; translating; QI head [0-9]+ tail [0-9]+; [1-9][0-9]* invalidations, 0 faults'
expect '^domain 0x0 identity owner root devices [1-9][0-9]* format vtd-sl table-pages [1-9]'
expect '^domain 0xffffffff blocked owner - devices 0'
expect '^partition 1 root root running cpus 0 mem [0-9]+M'
expect '^partition 2 c1 child running cpus [0-9] mem 64M'
expect '^partition 2 c1 exits [1-9][0-9]*: .*io [1-9]'
expect '^partition 1 root hypercalls [1-9]'
expect '^partition 1 root hv 0x0046 GET_PARTITION_ID calls [1-9][0-9]* reps 0 cont 0 flushes 0 table-pages 0 SUCCESS [1-9]'
expect '^faults: 0 shown'
expect '^counter unit\.0\.invalidations [1-9]'
expect '^counter console\.root-input-dropped 0$'
expect '^walk domain 0x0 iova 0x1000000 \(vtd-sl\)'
expect '^  L4 table 0x[0-9a-f]+ \[0\] 0x[0-9a-f]{16} next table 0x[0-9a-f]+ RW$'
expect '^result: iova 0x1000000 -> 0x1000000 \(2M page, RW\)'
expect '^result: iova 0x100000000 does not translate: L3 entry \[4\] not present'
expect '^error: iova 0x1000000000000 is outside the space \(below 0x1000000000000\)'
expect '^error: no domain 0x63'
expect '^error: usage: walk DOMAIN IOVA'
expect '^s2 root gpa 0x1000000 \(x86-npt\)'
expect '^result: gpa 0x1000000 -> 0x1000000 \(2M page, RWX\)'
expect '^result: gpa 0x0 -> 0x[1-9a-f][0-9a-f]+ \(.* page, RWX\)'
expect '^result: gpa 0x8000000 does not translate'
expect "^error: no partition 'c9'"
expect '^map 0x[0-9a-f]+-0x2000000 -> 0x[0-9a-f]+ [0-9]+M 2M pages RW$'
expect '^loglevel: info'
expect "^stop c1: its devices go to the null domain, bus mastering off; type 'yes' to confirm"
expect '^cancelled'
expect '^quarantine: 0000:00:01\.0 in the null domain, bus mastering off'
expect '^dev 0000:00:01\.0 1234:11e8 device .* domain 0xffffffff faults 0 bus-master off$'
expect '^error: usage: quarantine DEVICE'
expect '^iomon shell closed'
reject '^stop: c1 stopped'
reject '^error: unknown command'

# The shell's `stop`, confirmed: c1 stops with one line and never reports; the root finishes its TAP.
scenario shell-stop 35 "FW=bios IOMMU=intel SMP=3" "exit=qemu" 300
root "role=root partid=1 marker=r1 hold=40"
child "c1:mem=64M role=child partid=2 marker=c1 hold=40"
input '^\[c1\] # hold: still running' '\x18\x18\x18'
input '^iomon shell: partitions keep running' 'stop c1\ryes\r'
input '^stop: c1 stopped' 'partitions\rexit\r'
part_ok root
expect '^stop: c1 stopped, its devices blocked'
expect '^W/part: c1 stopped: stopped by the operator \(shell\)'
expect '^partition 2 c1 child stopped cpus [0-9] mem 64M'
expect '^partition 1 root root running'
expect '^I/part: every partition has stopped: not all succeeded'
reject '^\[c1\] # success'
reject '^E/'

# A guest cannot starve the shell on SVM (no preemption timer): every partition CPU spins with
# interrupts off for good (the root starts its APs into `cli; jmp $`), and the shell still
# answers on the CPU the monitor kept (3 CPUs: root 1, c1 1, the monitor 1), then stops both.
scenario shell-starve 35 "FW=bios IOMMU=intel SMP=3" "exit=qemu" 150
root "role=root partid=1 marker=r1 starve"
child "c1:mem=64M role=child partid=2 marker=c1 starve"
input '^\[root\] # starve: ' ''
input '^\[c1\] # starve: ' '\x18\x18\x18'
input '^iomon shell: partitions keep running' 'help\rpartitions\rstop c1\ryes\r'
input '^stop: c1 stopped' 'stop root\ryes\r'
expect '^I/part: CPU 1 kept by the monitor'
expect '^\[root\] # starve: 0 AP\(s\) started'
expect '^iomon> help'
expect '^help walk +DOMAIN IOVA'
expect '^partition 1 root root running cpus 0 mem'
expect '^partition 1 root hv 0x0046 GET_PARTITION_ID calls 1 reps 0 cont 0 flushes 0 table-pages 0 SUCCESS 1$'
expect '^partition 2 c1 hv other unknown calls 1 .* INVALID_HYPERCALL_CODE 1$'
expect '^W/part: root stopped: stopped by the operator \(shell\)'
expect '^I/part: every partition has stopped: not all succeeded'
reject '^W/shell: '
reject '^E/'

# Containment: each forbidden access stops that partition with one line; the other runs on.
scenario part-neg-monitor 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 crash=write:0x100000"
child "c1:mem=64M role=child partid=2 marker=c1"
part_ok c1
expect '^W/part: root stopped: stage-2 fault at GPA 0x100000 \(write\) RIP 0x[0-9a-f]+: monitor memory'
reject '^I/part: root stopped'

scenario part-neg-iommu 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 crash=write:0xfed90000"
child "c1:mem=64M role=child partid=2 marker=c1"
part_ok c1
expect '^W/part: root stopped: stage-2 fault at GPA 0xfed90000 \(write\) RIP 0x[0-9a-f]+: IOMMU registers'

scenario part-neg-other 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 crash=write:0x8000000"
part_ok root
expect '^W/part: c1 stopped: stage-2 fault at GPA 0x8000000 \(write\) RIP 0x[0-9a-f]+'

# The root writing into the child's RAM (the child sits at the top of root RAM, 0x18000000 here).
scenario part-neg-child-ram 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 crash=write:0x18000000"
child "c1:mem=64M role=child partid=2 marker=c1 hold=5"
part_ok c1
expect '^I/part: partition c1 \(id 2\): module 1, 1 CPU\(s\), 64 MiB at host 0x18000000'
expect "^W/part: root stopped: stage-2 fault at GPA 0x18000000 \\(write\\) RIP 0x[0-9a-f]+: another partition's RAM"

scenario part-neg-triple 35 "FW=bios IOMMU=intel SMP=2" "exit=qemu"
root "role=root partid=1 marker=r1 hold=5"
child "c1:mem=64M role=child partid=2 marker=c1 crash=triple"
part_ok root
expect '^W/part: c1 stopped: triple fault \(shutdown\) at RIP 0x[0-9a-f]+'
# Bochs (EMU=bochs, tools/bochs.sh): an Intel CPU with VMX+EPT, no ECAM, no
# IOMMU tables. The monitor warns once (no MCFG), says there is no IOMMU, and
# boots clean. EXIT 33/35 is read from the serial `exit:` line (Bochs' own
# status is always 1). An argument: that many warnings instead of one.
bochs_boot_ok() {
	expect '^I/iomon: iomon .*: IOMMU monitor starting'
	expect '^I/cpu: GenuineIntel .*'
	expect '^I/cpu: virtualization: VMX yes'
	expect '^W/iomon: no MCFG: PCI Express config space \(ECAM\) unavailable; PCI enumeration skipped$'
	expect '^I/iomon: no IOMMU described by the firmware'
	expect "^I/iomon: boot complete: 0 error\\(s\\), ${1:-1} warning\\(s\\)"
	expect '^I/iomon: exit: success'
	reject '^E/'
}
scenario bochs-plain 33 "EMU=bochs MEM=256M" "exit=qemu" 180
bochs_boot_ok

# The VMX+EPT backend: selftest=vcpu raises every normalised exit once from a
# hand-assembled 32-bit guest at GPAs that differ from its HPAs (TAP).
scenario bochs-vcpu 33 "EMU=bochs MEM=256M" "exit=qemu selftest=vcpu" 180
bochs_boot_ok
expect '^I/vcpu: virtualization: VMX with EPT, unrestricted guest, INVEPT single-context, VPID on'
expect '^ok 1 - vcpu backend VMX chosen, enabled on CPU 0, guest created'
expect '^ok 7 - hypercall exit \(VMCALL\), length 3, registers intact'
expect '^ok 8 - stage-2 fault: write to unmapped GPA 0x10000'
expect '^ok 10 - MOV to CR0 \(setting NE\): the guest reads back its value'
expect '^ok 11 - triple fault: shutdown exit'
expect '^ok 12 - real mode: an injected #UD goes through the guest.s IVT to its handler'
expect '^1\.\.12$'
expect '^# 12 tests, 0 failed'
reject '^not ok'

# Debian's Bochs runs two CPUs: both reach the MADT (the BIOS starts the AP to count it).
scenario bochs-smp2 33 "EMU=bochs MEM=256M SMP=2" "exit=qemu" 180
bochs_boot_ok
expect '^I/madt: 2 CPUs \(2 enabled\)'
expect '^I/madt:   CPU uid 1 APIC id 1 enabled'

# Partitions on VMX+EPT (Bochs): the root alone, then root and child on two CPUs
# (a second VMCS and a second EPT), and a child stopped by its triple fault.
scenario bochs-part-root 33 "EMU=bochs MEM=256M" "exit=qemu" 300
root "role=root partid=1 marker=vmx $MONITOR_EXCLUDE"
bochs_boot_ok; part_ok root
expect '^I/part: vcpu backend: VMX'
expect '^\[root\] ok [0-9]+ - hypercall page holds the VM call instruction, then ret \(vmcall; ret\)'

scenario bochs-part-child 33 "EMU=bochs MEM=256M SMP=2" "exit=qemu" 300
root "role=root partid=1 marker=vmx"
child "c1:mem=32M role=child partid=2 marker=c1 memcheck"
bochs_boot_ok; part_ok root; part_ok c1
expect '^I/part: c1: stage-2 \(ept\) ready'

# VMX: NMI exiting, the kick's exit and the IRET that unblocks NMIs after it.
scenario bochs-part-kick 33 "EMU=bochs MEM=256M SMP=2" "exit=qemu selftest=kick" 300
root "role=root partid=1 marker=vmx"
child "c1:mem=32M role=child partid=2 marker=c1 hold=5"
# selftest=kick turns the VMX preemption timer off (a CPU that never exits is its premise),
# so with both CPUs given to partitions the shell warns that nothing guarantees it a poll.
bochs_boot_ok 2; part_ok root; part_ok c1
expect '^W/shell: every CPU runs a partition and guests get no periodic exit'
expect '^ok 2 - the stage-2 flush returned after an NMI kick made the child.s CPU exit and flush'

scenario bochs-part-neg 35 "EMU=bochs MEM=256M SMP=2" "exit=qemu" 300
root "role=root partid=1 marker=vmx hold=2"
child "c1:mem=32M role=child partid=2 crash=write:0x4000000"
part_ok root
expect '^W/part: c1 stopped: stage-2 fault at GPA 0x4000000 \(write\) RIP 0x[0-9a-f]+'

# iomon's own UEFI loader (boot/efi/) on a USB stick image (make usb): OVMF
# starts \EFI\BOOT\BOOTX64.EFI from usb-storage on qemu-xhci, the loader's
# lines come first, then iomon reports the same machine GRUB showed it in
# uefi-usb (same QEMU arguments): memory map, ACPI tables, CPUs, PCI.
# The module is the test guest, booted as the root partition from the stick.
efi_module() {
	usb_image '-M "$GUEST" "role=root partid=1 marker=usb acpi-hidden"'
	expect "^I/mb2: module 0: 0x[0-9a-f]*000-0x[0-9a-f]+ \\([0-9]+ bytes\\) 'role=root partid=1 marker=usb acpi-hidden'"
	part_ok root
	expect '^\[root\] ok [0-9]+ - command line arrived \(marker=usb\)'
}
scenario efi-usb 33 "FW=uefi BOOT=usb IOMMU=intel AW=48" "exit=qemu" 240
efi_module
boot_ok; vtd_ok
# One CPU, SVM: the only warning is that no CPU is left for the shell (README "The monitor shell").
expect '^W/shell: every CPU runs a partition'
reject '^W/([^s]|s[^h])'
expect "^iomon-efi: iomon's UEFI loader"
expect '^iomon-efi: .EFI.BOOT.iomon\.cfg: monitor /iomon/iomon\.elf, 1 module\(s\)'
expect '^iomon-efi: /iomon/iomon\.elf: [0-9]+ bytes, loaded at 0x100000-0x[0-9A-F]+, entry 0x[0-9A-F]+'
expect '^iomon-efi: module /iomon/guest\.elf: [0-9]+ bytes at 0x[0-9A-F]+000'
expect '^iomon-efi: ACPI: RSDP 1\.0 found, 2\.0 found'
expect '^iomon-efi: multiboot2 information at 0x[0-9A-F]+; exiting boot services, entering iomon at 0x'
expect "^I/iomon: loader 'iomon-efi', command line 'exit=qemu'"
expect '^I/iomon: firmware: UEFI, system table at 0x[0-9a-f]+, EFI memory map with [0-9]+ entries$'
expect '^I/mb2: info at 0x[0-9a-f]+, [0-9]+ bytes: 10 tags \(0 skipped\), [0-9]+ memory ranges from the legacy map'
same_as uefi-usb '^I/mem: (memory map|  0x|RAM )'
same_as uefi-usb '^I/acpi: (RSDP|[A-Z0-9]{4} 0x)'
same_as uefi-usb '^I/madt: '
same_as uefi-usb '^I/pci: '

# The same image on a legacy BIOS machine boots through GRUB (BIOS boot
# partition), which sources the very same iomon.cfg.
scenario efi-usb-bios 33 "FW=bios BOOT=usb IOMMU=intel AW=48" "exit=qemu"
efi_module
boot_ok; vtd_ok
# One CPU, SVM: the only warning is that no CPU is left for the shell (README "The monitor shell").
expect '^W/shell: every CPU runs a partition'
reject '^W/([^s]|s[^h])'
expect "^I/iomon: loader 'GRUB 2\\.[0-9]+.*', command line 'exit=qemu'"
expect '^I/iomon: firmware: legacy BIOS'
reject '^iomon-efi:'

# Each loader error: one clear line, nothing booted, and the firmware carries
# on (OVMF tries its next boot option, the UEFI shell), no hang, no reset.
efi_error() {   # EXPECTED-ERROR-LINE-REGEX
	firmware_alive '^iomon-efi: error: ' 'UEFI Interactive Shell'
	expect "^iomon-efi: error: $1"
	expect '^iomon-efi: nothing booted; returning to the firmware in 5 seconds'
	expect '^BdsDxe: failed to start Boot0001'
	reject '^I/iomon'
}
scenario efi-err-no-config firmware "FW=uefi BOOT=usb" "exit=qemu" 120
usb_image '--no-config --no-bios'
efi_error 'no configuration: cannot open .EFI.BOOT.iomon\.cfg \(Not Found\)$'

scenario efi-err-bad-config firmware "FW=uefi BOOT=usb" "exit=qemu" 120
prepare 'printf "# ok\nmultiboot2 /iomon/iomon.elf exit=qemu\nmodule2 /iomon/iomon.elf \"quoted\"\n" > "$dir/iomon.cfg"'
usb_image '--config "$dir/iomon.cfg" --no-bios'
efi_error ".EFI.BOOT.iomon\\.cfg line 3: '\"' is not allowed \\(GRUB would read it differently\\)$"

scenario efi-err-no-monitor firmware "FW=uefi BOOT=usb" "exit=qemu" 120
prepare 'printf "multiboot2 /iomon/absent.elf exit=qemu\n" > "$dir/iomon.cfg"'
usb_image '--config "$dir/iomon.cfg" --no-bios'
efi_error '/iomon/absent\.elf: cannot read it \(Not Found\)$'

scenario efi-err-not-elf firmware "FW=uefi BOOT=usb" "exit=qemu" 120
usb_image '-m "$EFI" --no-bios'
efi_error '/iomon/iomon\.elf: not a multiboot2 monitor: not an ELF file$'

scenario efi-err-truncated-elf firmware "FW=uefi BOOT=usb" "exit=qemu" 120
prepare 'head -c 8192 "$ELF" > "$dir/iomon.elf"'
usb_image '-m "$dir/iomon.elf" --no-bios'
efi_error '/iomon/iomon\.elf: not a multiboot2 monitor: a segment runs past the end of the file$'

scenario efi-err-no-mb2-header firmware "FW=uefi BOOT=usb" "exit=qemu" 120
prepare 'tests/integration/elfpatch.py "$ELF" "$dir/iomon.elf" no-mb2-magic'
usb_image '-m "$dir/iomon.elf" --no-bios'
efi_error '/iomon/iomon\.elf: not a multiboot2 monitor: no multiboot2 header in its first 32 KiB$'

# Linked where OVMF keeps ACPI NVS memory (0x800000): the loader cannot have it.
scenario efi-err-monitor-memory-busy firmware "FW=uefi BOOT=usb" "exit=qemu" 120
prepare 'tests/integration/elfpatch.py "$ELF" "$dir/iomon.elf" shift 0x700000'
usb_image '-m "$dir/iomon.elf" --no-bios'
efi_error '/iomon/iomon\.elf: its memory 0x800000-0x[89A-F][0-9A-F]+ is not free \(Not Found\)$'

# 320 MiB of module in a 256 MiB machine (the image stays sparse on the host).
scenario efi-err-module-too-big firmware "FW=uefi BOOT=usb MEM=256M" "exit=qemu" 120
prepare 'truncate -s 320M "$dir/big.bin"'
usb_image '-M "$dir/big.bin" "" --no-bios'
efi_error 'module /iomon/big\.bin \(335544320 bytes\) does not fit in free memory below 4 GiB \(Out of Resources\)$'

# A kernel linked over memory OVMF's boot services hold (0x900000-0x14fffff
# with 512 MiB) and the free memory after it: the loader reserves the free
# part, stages the kernel, and copies it into place once boot services have
# exited, as GRUB's relocator does. The kernel checks the result itself.
scenario efi-relocate 33 "FW=uefi BOOT=usb" "" 120
prepare 'gcc -c tests/integration/relocated.S -o "$dir/relocated.o" &&
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack -Ttext=0x14F0000 \
		-e _start -o "$dir/relocated.elf" "$dir/relocated.o"'
usb_image '-m "$dir/relocated.elf" --no-bios'
expect '^iomon-efi: /iomon/iomon\.elf: 0x14EF000-0x1509000 is held by boot services; the monitor moves there once they exit$'
expect '^relocated: ok, at its linked address with data and bss in place$'
reject 'iomon-efi: error'

# ---- Debian's stock Linux as the root (README "Linux as the root") ----------------------
# tests/linux/init lists the PCI functions, checks a virtio-blk disk's sha256 (its DMA
# through the default domain), loads the client module tests/linux/iomon_abi (iomon's
# device-domain and direct-attach calls through Linux's own hypercall code, TAP on the
# console) and writes the exit port. Any kernel BUG, WARNING, unchecked MSR access or
# call trace fails the scenario. The root runs on CPUs 0-1 (Linux starts its AP with
# INIT-SIPI-SIPI, emulated by the monitor); the test guest is child c1 on CPU 2, which
# the root's MADT shows disabled, and takes edu when the module direct-attaches it.
linux_checks() {
	expect '^I/part: root stopped: exit port written: 0x10 \(success\)'
	expect '^\[root\] .*Hypervisor detected: Microsoft Hyper-V'
	expect '^\[root\] .*smp: Brought up 1 node, 2 CPUs'
	expect '^\[root\] .*Run /init as init process'
	expect '^\[root\] iomon-linux: /init reached, .* 2 CPUs'
	expect '^\[root\] .*ok 1 - PCI devices listed'
	expect '^\[root\] .*ok 2 - /dev/vda checksum'
	reject '^\[root\] .*not ok'
	reject '^\[root\] .*(BUG|WARNING|unchecked MSR access|Call Trace|Kernel panic)'
	reject '^W/part: root: IPI dropped'
	expect '^I/part: root: 1 CPU\(s\) of other partitions disabled in its MADT'
	local t
	for t in 'Linux.s hypercall page enabled \(GET_PARTITION_ID through it: partition 1\)' \
		'edu enabled \(memory space, bus master\), BAR0 mapped' \
		'edu.s device id as Linux forms it = iomon.s layout \((0x40000000000000[0-9a-f]{2}), include/hv.s \1\)' \
		'default domain: DMA lands at bus address = physical' \
		'CREATE_DEVICE_DOMAIN \(S2, id 0x11: SUCCESS\)' \
		'MAP_DEVICE_GPA_PAGES, 507-PFN batches, deposit-and-retry \(1100 pages: [3-9][0-9]* calls, [1-9][0-9]* INSUFFICIENT_MEMORY, [0-9]+ restarts, [1-9][0-9]* deposits\)' \
		'ATTACH_DEVICE_DOMAIN edu by its PCI device id \(device id 0x40000000000000[0-9a-f]{2}: SUCCESS\)' \
		'DMA lands at the mapped page \(IOVA 0x1003e8000 -> 0x100003000 = physical' \
		'UNMAP_DEVICE_GPA_PAGES of the whole buffer \(1100 pages: SUCCESS, 1100 reps completed\)' \
		'after unmap the same DMA is blocked \(physical 0x[0-9a-f]+ unchanged\)' \
		'DETACH_DEVICE_DOMAIN \(SUCCESS\)' 'DELETE_DEVICE_DOMAIN \(SUCCESS\)' \
		'default domain again: DMA lands at bus address = physical' \
		'ATTACH_DEVICE edu to the child \(partition 2, logical id 0x[0-9a-f]+: SUCCESS' \
		'UNMAP_GPA_PAGES of the child.s DMA page \(GPA 0x2000000 of partition 2, after [0-9]+ ms: SUCCESS\)' \
		'DETACH_DEVICE: edu back to the root \(logical id 0x[0-9a-f]+, after [0-9]+ ms: SUCCESS\)' \
		'edu back: bus master on, DMA lands at bus address = physical'; do
		expect "^\\[root\\] .*ok [0-9]+ - iomon_abi: $t"
	done
	expect '^\[root\] .*# iomon_abi: [0-9]+ hypercalls, [3-9][0-9]* MAP_DEVICE_GPA_PAGES, [1-9][0-9]* INSUFFICIENT_MEMORY, [0-9]+ restarts, [1-9][0-9]* deposits'
	expect '^\[root\] .*# iomon_abi: 0 of 17 tests failed'
	# The monitor's own counters agree: the map ran out of pool pages and went on after deposits.
	expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[0-9]+ flushes=[0-9]+ table_pages=[1-9][0-9]* SUCCESS=[1-9][0-9]* INSUFFICIENT_MEMORY=[1-9]'
	expect '^I/hvcall: root: UNMAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 '
	# The child: edu appears once attached, its DMA lands through its stage-2, then the unmap blocks it.
	part_ok c1
	expect '^\[c1\] ok [0-9]+ - edu-child: edu appears in config space'
	expect '^\[c1\] ok [0-9]+ - edu-child: DMA lands in the child.s RAM through its stage-2 \(GPA 0x2001000 -> GPA 0x2000000\)'
	expect '^\[c1\] ok [0-9]+ - edu-child: DMA through the page blocked after the root.s UNMAP_GPA_PAGES \(blocked in round'
}
linux_child="c1:mem=64M cpus=1 role=child partid=2 marker=c1 edu-child"
scenario linux-root-intel 33 "FW=bios IOMMU=intel SMP=3 ROOT=linux" "exit=qemu" 400
linux_root "cpus=2 console=ttyS0 iomon_abi.child=2"
child "$linux_child"
boot_ok; linux_checks
expect '^I/acpi: DMAR at 0x[0-9a-f]+ hidden from the root'

scenario linux-root-amd 33 "FW=uefi IOMMU=amd SMP=3 ROOT=linux" "exit=qemu" 400
linux_root "cpus=2 console=ttyS0 iomon_abi.child=2"
child "$linux_child"
boot_ok; linux_checks

# The console's keys: typed commands reach Linux's shell on the root's COM1; the escape
# opens the monitor shell instead (nothing of it reaches the root), `exit` gives the line back.
scenario linux-root-keys 33 "FW=bios IOMMU=intel SMP=2 ROOT=linux" "exit=qemu" 300
linux_root "console=ttyS0 iomon.shell"
input '^\[root\] iomon-linux: shell on the console' 'echo keys-$((6*7))\r'
input '^\[root\] keys-42' '\x18\x18\x18'
input '^iomon shell: partitions keep running' 'partitions\rexit\r'
input '^iomon shell closed' 'echo back-$((6*7))\r'
input '^\[root\] back-42' "printf '\\\\020' | dd of=/dev/port bs=1 seek=244 count=1\r"
boot_ok
expect '^I/part: CPU 1 kept by the monitor'
expect '^\[root\] keys-42'
expect '^partition 1 root root running cpus 0 '
expect '^\[root\] back-42'
expect '^I/part: root stopped: exit port written: 0x10 \(success\)'
reject '^\[root\] .*(partitions|exit): not found'
reject '^\[root\] .*(BUG|WARNING|Call Trace|Kernel panic)'

# Issue 10 in-guest: the root drives QEMU's edu through a device domain with
# Linux's calling sequence (tests/guest/ddomain.c, option ddomain), on every
# IOMMU flavour and both firmwares.
hv_ddomain_ok() {
	part_ok root
	local t
	for t in 'edu 1234:11e8 found through ECAM' 'edu DMA in the default domain lands' \
		'CREATE_DEVICE_DOMAIN' 'DEPOSIT_MEMORY to the root.s pool' \
		'MAP_DEVICE_GPA_PAGES in 507-page batches with deposit-and-retry \(1100 pages at IOVA 0x100000000: [0-9]+ map calls' \
		'ATTACH_DEVICE_DOMAIN edu by its PCI hv_device_id' 'edu DMA lands at the mapped page' \
		'UNMAP_DEVICE_GPA_PAGES of the whole buffer \(1100 pages\)' \
		'after unmap the same DMA is blocked, memory unchanged' 'DETACH_DEVICE_DOMAIN' \
		'DELETE_DEVICE_DOMAIN' 'back in the default domain, DMA lands'; do
		expect "^\\[root\\] ok [0-9]+ - ddomain: $t"
	done
	expect '^\[root\] # ddomain: [0-9]+ hypercalls, [0-9]+ MAP_DEVICE_GPA_PAGES calls'
	# The monitor's per-call counters: the map ran out of pool pages and went on after
	# deposits, its tables came from the pool; the unmap flushed.
	expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[0-9]+ flushes=[0-9]+ table_pages=[1-9][0-9]* SUCCESS=[1-9][0-9]* INSUFFICIENT_MEMORY=[1-9]'
	expect '^I/hvcall: root: UNMAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[0-9]+ flushes=[1-9][0-9]* table_pages=0 SUCCESS=1$'
	expect '^I/hvcall: root: (CREATE|DELETE|ATTACH|DETACH)_DEVICE_DOMAIN calls=[0-9]+ .*SUCCESS=1'
	# Exactly one flush per call, however often it was continued.
	expect '^I/hvcall: root: UNMAP_DEVICE_GPA_PAGES flushes per completed call: 1/1$'
}
# VT-d without caching mode: a map into not-present entries needs no flush.
hv_map_no_flush() {
	expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[0-9]+ flushes=0 '
	expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES flushes per completed call: 0/[1-9][0-9]*$'
}
# A unit that caches not-present entries (VT-d CM=1; AMD-Vi is assumed to): one flush per map
# call that mapped something, however often it was continued. Here that is every successful
# call (the one an empty pool stops at its first page changes nothing and flushes nothing).
hv_map_flush_per_call() {
	expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[1-9][0-9]* flushes=([1-9][0-9]*) table_pages=[0-9]+ SUCCESS=\1( |$)'
}
scenario hv-ddomain-intel48 33 "FW=bios IOMMU=intel AW=48" "exit=qemu" 240
root "role=root partid=1 marker=dd ddomain"
boot_ok; hv_ddomain_ok; hv_map_no_flush
scenario hv-ddomain-intel39 33 "FW=bios IOMMU=intel AW=39" "exit=qemu" 240
root "role=root partid=1 marker=dd ddomain"
boot_ok; hv_ddomain_ok; hv_map_no_flush
scenario hv-ddomain-intel-cm 33 "FW=bios IOMMU=intel CM=on" "exit=qemu" 240
root "role=root partid=1 marker=dd ddomain"
boot_ok; hv_ddomain_ok; hv_map_flush_per_call
# Caching mode: the unit may cache not-present entries, so every map call flushes.
expect '^I/hvcall: root: MAP_DEVICE_GPA_PAGES calls=[0-9]+ reps=1100 continuations=[0-9]+ flushes=[1-9]'
scenario hv-ddomain-amd 33 "FW=bios IOMMU=amd" "exit=qemu" 240
root "role=root partid=1 marker=dd ddomain"
boot_ok; hv_ddomain_ok; hv_map_flush_per_call
scenario hv-ddomain-uefi 33 "FW=uefi IOMMU=intel" "exit=qemu" 300
root "role=root partid=1 marker=dd ddomain"
boot_ok; hv_ddomain_ok

# Direct attach: the root gives edu to child c1 (ATTACH_DEVICE, logical id);
# c1 programs its BAR and DMAs into its own RAM through its stage-2; the root
# then takes that page away (UNMAP_GPA_PAGES) and c1's DMA through it is blocked.
scenario hv-attach-edu 33 "FW=bios IOMMU=intel SMP=2" "exit=qemu" 400
root "role=root partid=1 marker=r1 attach=2 attach-wait=50"
child "c1:mem=64M role=child partid=2 marker=c1 edu-child"
boot_ok; part_ok root; part_ok c1
expect '^\[root\] ok [0-9]+ - attach: ATTACH_DEVICE edu to the child with a logical id \(partition 2, logical id 0x[0-9a-f]+'
expect '^\[root\] ok [0-9]+ - attach: UNMAP_GPA_PAGES of the child.s DMA page \(GPA 0x2000000 of partition 2, 0 deposits\)'
expect '^\[c1\] ok [0-9]+ - edu-child: edu appears in config space'
expect '^\[c1\] ok [0-9]+ - edu-child: BAR0 programmed at its GPA'
expect '^\[c1\] ok [0-9]+ - edu-child: DMA lands in the child.s RAM through its stage-2 \(GPA 0x2001000 -> GPA 0x2000000\)'
expect '^\[c1\] ok [0-9]+ - edu-child: DMA through the page blocked after the root.s UNMAP_GPA_PAGES \(blocked in round'
expect '^I/part: c1: .* direct-attached as logical id 0x[0-9a-f]+: 0 \(DMA: 0 table pages, 0 IOTLB flushes\)'

# The same on AMD-Vi (its tables cannot be the NPT: a mirror kept in step with the stage-2).
scenario hv-attach-edu-amd 33 "FW=bios IOMMU=amd SMP=2" "exit=qemu" 400
root "role=root partid=1 marker=r1 attach=2 attach-wait=50"
child "c1:mem=64M role=child partid=2 marker=c1 edu-child"
boot_ok; part_ok root; part_ok c1
expect '^\[c1\] ok [0-9]+ - edu-child: DMA lands in the child.s RAM through its stage-2'
expect '^\[c1\] ok [0-9]+ - edu-child: DMA through the page blocked after the root.s UNMAP_GPA_PAGES \(blocked in round'
expect '^I/part: c1: .* direct-attached as logical id 0x[0-9a-f]+: 0 \(DMA: [1-3] table pages, 2 IOTLB flushes\)'
# The mirror's tables are the child's pool pages: the root deposits to the child on INSUFFICIENT_MEMORY
# (the unmap splits a large page of the mirror: one more).
expect '^\[root\] ok [0-9]+ - attach: ATTACH_DEVICE edu to the child with a logical id \(partition 2, logical id 0x[0-9a-f]+, [1-3] deposits'
expect '^\[root\] ok [0-9]+ - attach: UNMAP_GPA_PAGES of the child.s DMA page \(GPA 0x2000000 of partition 2, 1 deposits\)'

# Direct attach to a 1 GiB child costs what it costs for 64 MiB: shared, no table page
# and no flush (a widening, and QEMU's VT-d does not cache not-present entries without
# caching mode). AMD-Vi's mirror by child size is measured by `make bench` (bench_attach).
scenario hv-attach-edu-1g 33 "FW=bios IOMMU=intel SMP=2 MEM=2G" "exit=qemu" 400
root "role=root partid=1 marker=r1 attach=2 attach-wait=50"
child "c1:mem=1G role=child partid=2 marker=c1 edu-child"
boot_ok; part_ok root; part_ok c1
expect '^I/part: c1: .* direct-attached as logical id 0x[0-9a-f]+: 0 \(DMA: 0 table pages, 0 IOTLB flushes\)'
expect '^\[c1\] ok [0-9]+ - edu-child: DMA lands in the child.s RAM through its stage-2'

# A child's root-only calls: ACCESS_DENIED, and the pages they name stay the child's.
scenario hv-deny 33 "FW=bios IOMMU=intel SMP=2" "exit=qemu" 240
root "role=root partid=1 marker=r1"
child "c1:mem=64M role=child partid=2 marker=c1 deny"
boot_ok; part_ok root; part_ok c1
for c in CREATE_DEVICE_DOMAIN ATTACH_DEVICE_DOMAIN MAP_DEVICE_GPA_PAGES UNMAP_DEVICE_GPA_PAGES \
	DETACH_DEVICE_DOMAIN DELETE_DEVICE_DOMAIN ATTACH_DEVICE 'MAP_GPA_PAGES on the root' \
	'UNMAP_GPA_PAGES on the root' 'DEPOSIT_MEMORY to the root'; do
	expect "^\\[c1\\] ok [0-9]+ - deny: $c gets ACCESS_DENIED, nothing changed"
done
