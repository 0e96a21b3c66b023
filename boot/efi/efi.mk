# iomon's UEFI loader (boot/efi/): a GNU-EFI application, BOOTX64.EFI. It is
# not part of the monitor (KSRC's boot/*.c does not reach boot/efi/), and
# its parsers (config.c, image.c, mb2_build.c) are also built on the host
# by the unit tests.
EFI_INC    := /usr/include/efi
EFI_LIB    := /usr/lib
EFI_SRC    := boot/efi/loader.c boot/efi/config.c boot/efi/image.c boot/efi/mb2_build.c \
	boot/efi/libc.c boot/efi/trampoline.S
EFI_OBJ    := $(patsubst %,$(BUILD)/efi/%.o,$(EFI_SRC))
EFI_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow \
	-Wstrict-prototypes -Wredundant-decls -Wnested-externs \
	-ffreestanding -fpic -fshort-wchar -fno-stack-protector -fno-stack-check \
	-fcf-protection=none -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
	-nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INC) \
	-isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -isystem $(EFI_INC)/protocol \
	-U__linux__ -U__gnu_linux__ -U__unix__ -Ulinux -Uunix -I. -MMD -MP
EFI_SECTIONS := .text .sdata .data .rodata .dynamic .dynsym .rel .rela .rel.* .rela.* .reloc

$(BUILD)/efi/%.c.o: %.c $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@
$(BUILD)/efi/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -std=gnu11,$(EFI_CFLAGS)) -c $< -o $@

$(BUILD)/efi/loader.so: $(EFI_OBJ) $(EFI_LIB)/elf_x86_64_efi.lds
	ld -nostdlib -shared -Bsymbolic -znocombreloc -z noexecstack -T $(EFI_LIB)/elf_x86_64_efi.lds \
		-L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ -lefi -lgnuefi
	@if nm -u $@ | grep -q .; then echo "loader.so: undefined symbols:"; nm -u $@; rm -f $@; exit 1; fi
efi: $(BUILD)/efi/BOOTX64.EFI
$(BUILD)/efi/BOOTX64.EFI: $(BUILD)/efi/loader.so
	objcopy $(addprefix -j ,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@

# The USB stick image: GPT, a BIOS boot partition (GRUB) and the EFI system
# partition. Rebuilt every time (about a second): CMDLINE and USB_MODULES may change.
# Default: the test guest as the root partition (README "Partitions").
USB_MODULES ?= -M $(BUILD)/guest/guest.elf "role=root partid=1 marker=usb"
usb: $(BUILD)/iomon-usb.img
$(BUILD)/iomon-usb.img: $(BUILD)/efi/BOOTX64.EFI $(BUILD)/iomon.elf $(BUILD)/guest/guest.elf tools/mkusb.sh FORCE
	tools/mkusb.sh -o $@ -l $(BUILD)/efi/BOOTX64.EFI -m $(BUILD)/iomon.elf -c "$(CMDLINE)" $(USB_MODULES)

-include $(EFI_OBJ:.o=.d)

fuzz_efi_loader_src := boot/efi/config.c boot/efi/image.c boot/efi/mb2_build.c boot/mb2.c
