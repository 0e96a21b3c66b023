# iomon — a small type-1 monitor whose job is the IOMMU.
#
#   make run      install missing Debian packages, build, boot in QEMU (serial on this terminal)
#   make check    build and run every test; last line "N passed, N failed"
#   make iso      build/iomon.iso (hybrid BIOS+UEFI image, also a USB stick image)
#   make debug    like run, but QEMU waits for gdb on :1234
#
# Platform variables (for run/debug/iso): FW=bios|uefi BOOT=cd|usb IOMMU=intel|amd|none
# AW=39|48 CM=on|off MEM=512M SMP=3 CMDLINE="..." QEMU_EXTRA="..."
# Partitions (README "Partitions"): ROOT=kernel.elf|none ROOT_CMDLINE="..."
#   CHILDREN="name:kernel.elf:words...;..." (default: the test guest as root and as child c1)
# EMU=qemu|bochs (bochs: an Intel VMX+EPT CPU, BOCHS_CPU=corei7_skylake_x; see tools/bochs.sh)

BUILD      ?= build
FW         ?= bios
BOOT       ?= cd
IOMMU      ?= intel
AW         ?= 48
CM         ?= off
MEM        ?= 512M
# QEMU's -cpu max is SVM, which has no preemption timer: the third CPU is the monitor's, so
# the serial shell answers whatever the root and c1 do (README "The monitor shell").
ifeq ($(EMU),bochs)
SMP        ?= 2
else
SMP        ?= 3
endif
GUEST_ELF  := $(BUILD)/guest/guest.elf
ROOT       ?= $(GUEST_ELF)
ROOT_CMDLINE ?= role=root partid=1 marker=make-run acpi-hidden
CHILDREN   ?= c1:$(GUEST_ELF):mem=64M cpus=1 role=child partid=2 marker=make-run
# ROOT=linux: Debian's kernel and a busybox shell as the root (README "Linux as the root").
ifeq ($(ROOT),linux)
ifeq ($(origin ROOT_CMDLINE),file)
ROOT_CMDLINE := console=ttyS0 iomon.shell
endif
ifeq ($(origin CHILDREN),file)
CHILDREN   :=
endif
endif
CMDLINE    ?=
QEMU_EXTRA ?=
EMU        ?= qemu
export FW BOOT IOMMU AW CM MEM SMP QEMU_EXTRA ROOT ROOT_CMDLINE CHILDREN

CC         := gcc
NEWLIB     := $(BUILD)/newlib/prefix/x86_64-elf
GCC_INC    := $(shell $(CC) -print-file-name=include)

# The monitor: freestanding, no SSE/x87 (guest FPU state is never touched),
# no red zone (interrupts land on the same stack), higher half (-mcmodel=kernel).
KCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
	-fcf-protection=none -fno-asynchronous-unwind-tables -fno-pie -fno-pic \
	-mgeneral-regs-only -mno-red-zone -mcmodel=kernel -fno-omit-frame-pointer \
	-nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INC) \
	-U__linux__ -U__gnu_linux__ -U__unix__ -Ulinux -Uunix -I. -MMD -MP
KASFLAGS := $(filter-out -std=gnu11 -MMD -MP,$(KCFLAGS)) -D__ASSEMBLY__ -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments --gc-sections -T linker.ld

KSRC := $(wildcard boot/*.c boot/*.S kernel/*.c kernel/*/*.c arch/x86/*.c arch/x86/*.S \
	arch/x86/*/*.c arch/x86/*/*.S pci/*.c iommu/*.c iommu/*/*.c)
KOBJ := $(patsubst %,$(BUILD)/k/%.o,$(KSRC))

# Jailhouse's warning set, on top of -Wall -Wextra, for every build of the sources.
WARNFLAGS := -Wmissing-prototypes -Wshadow -Wstrict-prototypes -Wredundant-decls -Wnested-externs
KCFLAGS += $(WARNFLAGS)

# Host builds (unit tests, fuzzers, benchmarks) compile the same sources.
HCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror $(WARNFLAGS) -I. -DIOMON_HOST \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -MMD -MP
include tests/unit/tests.mk
include tests/bench/bench.mk
UNIT_TESTS := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(patsubst %,$(BUILD)/host/test_%,$(UNIT_TESTS))

# libFuzzer harnesses (clang): tests/fuzz/fuzz_NAME.c + fuzz_NAME_src.
FCFLAGS := -std=gnu11 -O1 -g -I. -DIOMON_HOST -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wextra -Werror $(WARNFLAGS)
fuzz_mb2_src     := boot/mb2.c
fuzz_acpi_src    := arch/x86/acpi.c arch/x86/madt.c pci/mcfg.c iommu/vtd/dmar.c iommu/vtd/caps.c \
	iommu/amdvi/ivrs.c iommu/amdvi/caps.c
fuzz_cmdline_src := kernel/cmdline.c
fuzz_guest_src   := tests/guest/mb2view.c tests/guest/opts.c tests/guest/fmt.c
fuzz_mb2_load_src := kernel/partition/mb2_load.c kernel/partition/gmem.c
fuzz_decode_src  := arch/x86/decode.c
fuzz_pci_src     := pci/enum.c pci/caps.c pci/bar.c pci/registry.c pci/group.c pci/ids.c pci/sriov.c \
	pci/report.c kernel/cmdline.c
fuzz_sriov_src   := $(fuzz_pci_src)
fuzz_iommu_src   := iommu/iommu.c iommu/share.c iommu/mapcount.c iommu/unity.c iommu/fault.c iommu/rangeset.c iommu/vtd/unit.c iommu/vtd/vtd.c iommu/vtd/dmar.c iommu/vtd/caps.c \
	iommu/vtd/fault.c iommu/amdvi/unit.c iommu/amdvi/cmd.c iommu/amdvi/ivrs.c iommu/amdvi/caps.c \
	iommu/pt/pt.c iommu/pt/pt_walk.c iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c iommu/pt/fmt_x86.c \
	arch/x86/acpi.c kernel/frames.c kernel/poll.c pci/registry.c pci/group.c pci/caps.c pci/ids.c tests/unit/fake_mmio.c \
	tests/unit/fake_vtd.c tests/unit/fake_amdvi.c
fuzz_hvcall_src  := kernel/hvcall/dispatch.c kernel/hvcall/status.c kernel/hvcall/counters.c kernel/hvcall/table.c \
	kernel/hvcall/partition_id.c kernel/hvcall/memory.c kernel/hvcall/pool.c kernel/hvcall/caps.c kernel/hvcall/attach.c \
	kernel/hvcall/domain.c kernel/hvcall/map.c kernel/hvcall/devid.c tests/unit/fake_devdom.c tests/unit/fake_pci.c \
	tests/unit/assign_stubs.c \
	iommu/iommu.c iommu/share.c iommu/mapcount.c iommu/unity.c iommu/fault.c iommu/rangeset.c iommu/pt/pt.c iommu/pt/pt_walk.c \
	iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c iommu/pt/fmt_x86.c kernel/frames.c \
	pci/registry.c pci/group.c pci/ids.c tests/unit/fake_mmio.c
fuzz_unity_src   := iommu/iommu.c iommu/share.c iommu/mapcount.c iommu/unity.c iommu/fault.c iommu/rangeset.c iommu/pt/pt.c iommu/pt/pt_walk.c \
	iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c iommu/pt/fmt_x86.c kernel/frames.c \
	pci/registry.c pci/group.c pci/ids.c tests/unit/fake_mmio.c
fuzz_iommu_src   += iommu/flush.c
fuzz_unity_src   += iommu/flush.c
fuzz_hvcall_src  += iommu/flush.c
FUZZERS    := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out %stubs.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))
FUZZ_RUNS  ?= 20000

.PHONY: all deps newlib monitor iso usb efi run debug check unit fuzz integration clean distclean guest
all: iso

deps:
	@tools/deps.sh

newlib: $(NEWLIB)/lib/libc.a
$(NEWLIB)/lib/libc.a: tools/build-newlib.sh
	@tools/deps.sh
	tools/build-newlib.sh $(BUILD)/newlib

$(BUILD)/k/%.c.o: %.c $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@
$(BUILD)/k/%.S.o: %.S $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(KASFLAGS) -c $< -o $@

monitor: $(BUILD)/iomon.elf
$(BUILD)/iomon.elf: $(KOBJ) linker.ld $(NEWLIB)/lib/libc.a tools/check-elf.sh
	ld $(KLDFLAGS) -o $@ $(KOBJ) -L$(NEWLIB)/lib -lc
	tools/check-elf.sh $@

# The command line is baked into grub.cfg; rebuild the image when it changes.
$(BUILD)/cmdline.txt: FORCE
	@mkdir -p $(BUILD)
	@printf '%s\n' "$(CMDLINE)" | cmp -s - $@ || printf '%s\n' "$(CMDLINE)" > $@
iso: $(BUILD)/iomon.iso
$(BUILD)/iomon.iso: $(BUILD)/iomon.elf $(GUEST_ELF) $(BUILD)/cmdline.txt tools/mkiso.sh \
		tools/partitions-iso.sh FORCE
	tools/partitions-iso.sh $(BUILD)/iomon.elf $@ "$(CMDLINE)"

# The test guest (tests/guest/, see its README.md): a freestanding multiboot2
# kernel booted as a partition. Its own flags: no newlib, loaded at 4 MiB.
GWARN   := -Wmissing-prototypes -Wshadow -Wstrict-prototypes -Wredundant-decls -Wnested-externs
GCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror $(GWARN) -ffreestanding -fno-stack-protector \
	-fcf-protection=none -fno-asynchronous-unwind-tables -fno-pie -fno-pic -mgeneral-regs-only \
	-mno-red-zone -mcmodel=small -nostdinc -isystem $(GCC_INC) -I. -MMD -MP
GASFLAGS := $(filter-out -std=gnu11 -MMD -MP,$(GCFLAGS)) -D__ASSEMBLY__ -MMD -MP
GSRC := $(wildcard tests/guest/*.c tests/guest/*.S)
GOBJ := $(patsubst %,$(BUILD)/guest/%.o,$(GSRC))
guest: $(BUILD)/guest/guest.elf
$(BUILD)/guest/guest.elf: $(GOBJ) tests/guest/guest.ld tools/check-elf.sh
	ld -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T tests/guest/guest.ld -o $@ $(GOBJ)
	tools/check-elf.sh $@
$(BUILD)/guest/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) -c $< -o $@
$(BUILD)/guest/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GASFLAGS) -c $< -o $@

run: deps iso
	tools/$(EMU).sh $(BUILD)/iomon.iso
debug: deps iso
	@echo "QEMU waits for gdb: gdb $(BUILD)/iomon.elf -ex 'target remote :1234'"
	tools/qemu.sh $(BUILD)/iomon.iso -s -S

.SECONDEXPANSION:
$(BUILD)/host/test_%: tests/unit/test_%.c $$(ut_$$*_src) tests/unit/harness.c tests/unit/fake_mmio.c
	@mkdir -p $(dir $@)
	$(CC) $(HCFLAGS) -o $@ $(filter %.c,$^) -lcmocka
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(fuzz_$$*_src) tests/fuzz/fuzz_stubs.c
	@mkdir -p $(dir $@)
	clang $(FCFLAGS) -o $@ $(filter %.c,$^)

unit: $(UNIT_BINS)
fuzz: $(FUZZ_BINS)
check: deps
	tools/check.sh

clean:
	rm -rf $(BUILD)/k $(BUILD)/guest $(BUILD)/host $(BUILD)/fuzz $(BUILD)/iomon.* $(BUILD)/scenarios $(BUILD)/bench \
		$(BUILD)/efi $(BUILD)/iomon-usb.img
distclean:
	rm -rf $(BUILD)

FORCE:
include boot/efi/efi.mk
-include $(KOBJ:.o=.d) $(wildcard $(BUILD)/host/*.d)
-include $(GOBJ:.o=.d)
