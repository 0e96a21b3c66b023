# Host unit tests: tests/unit/test_NAME.c is linked with the harness and the
# monitor sources listed in ut_NAME_src (the very files the monitor builds).
ut_mb2_src      := boot/mb2.c
ut_cmdline_src  := kernel/cmdline.c
ut_frames_src   := kernel/frames.c
ut_acpi_src     := arch/x86/acpi.c
ut_madt_src     := arch/x86/madt.c arch/x86/acpi.c
ut_mcfg_src     := pci/mcfg.c arch/x86/acpi.c
ut_dmar_src     := iommu/vtd/dmar.c iommu/vtd/caps.c arch/x86/acpi.c
ut_ivrs_src     := iommu/amdvi/ivrs.c iommu/amdvi/caps.c arch/x86/acpi.c
ut_pt_src       := iommu/pt/pt.c iommu/pt/pt_walk.c iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c \
	iommu/pt/fmt_x86.c tests/unit/pt_fake.c
ut_pt_formats_src := $(ut_pt_src)
ut_pt_batch_src := $(ut_pt_src)
ut_vtd_fault_src := iommu/vtd/fault.c
ut_poll_src     := kernel/poll.c kernel/idle.c tests/unit/fake_pci.c
ut_vtd_unit_src := iommu/vtd/unit.c iommu/vtd/vtd.c iommu/vtd/caps.c iommu/vtd/dmar.c iommu/vtd/fault.c \
	kernel/poll.c kernel/frames.c arch/x86/acpi.c iommu/pt/pt.c iommu/pt/fmt_vtd.c tests/unit/fake_pci.c \
	tests/unit/fake_vtd.c
ut_pci_ids_src  := pci/ids.c
ut_pci_caps_src := pci/caps.c tests/unit/fake_pci.c
ut_pci_registry_src := pci/registry.c pci/group.c pci/ids.c tests/unit/fake_pci.c
ut_pci_enum_src := pci/enum.c pci/caps.c pci/bar.c pci/registry.c pci/group.c pci/ids.c pci/sriov.c \
	pci/report.c kernel/cmdline.c tests/unit/fake_pci.c
ut_sriov_src    := $(ut_pci_enum_src)
ut_amdvi_src    := iommu/amdvi/cmd.c iommu/amdvi/ivrs.c iommu/amdvi/caps.c arch/x86/acpi.c
ut_gmem_src     := kernel/partition/gmem.c tests/unit/fake_gmem.c
ut_mb2_load_src := kernel/partition/mb2_load.c kernel/partition/gmem.c tests/unit/fake_gmem.c
ut_linux_boot_src := kernel/partition/linux_boot.c kernel/partition/gmem.c tests/unit/fake_gmem.c
ut_mb2_build_src := kernel/partition/mb2_build.c boot/mb2.c
ut_guest_map_src := kernel/partition/guest_map.c kernel/frames.c
ut_acpi_hide_src := arch/x86/acpi_hide.c arch/x86/acpi.c
ut_guest_src    := tests/guest/opts.c tests/guest/mb2view.c tests/guest/acpi.c tests/guest/fmt.c
ut_guest_hv_src := tests/guest/hvlib.c
ut_partition_words_src := kernel/partition/words.c kernel/partition/vuart.c
ut_decode_src   := arch/x86/decode.c
ut_guest_walk_src := arch/x86/guest_walk.c arch/x86/decode.c
ut_iommu_src := iommu/iommu.c iommu/share.c iommu/mapcount.c iommu/unity.c iommu/fault.c iommu/rangeset.c $(ut_pt_src:tests/unit/pt_fake.c=) \
	kernel/frames.c pci/registry.c pci/group.c pci/ids.c tests/unit/fake_pci.c
ut_iommu_src += iommu/flush.c
ut_pci_group_src := pci/group.c pci/registry.c pci/ids.c pci/caps.c tests/unit/fake_pci.c
ut_share_src    := iommu/share.c iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c iommu/pt/fmt_x86.c
ut_hv_attach_src := kernel/hvcall/attach.c
ut_s2_sync_src  := kernel/partition/s2_sync.c
ut_assign_src   := kernel/partition/assign.c iommu/pt/pt.c iommu/pt/pt_walk.c iommu/pt/fmt_x86.c kernel/frames.c
ut_rangeset_src := iommu/rangeset.c
ut_vcpu_caps_src := arch/x86/vcpu_caps.c
ut_amdvi_unit_src := iommu/amdvi/unit.c $(ut_amdvi_src) kernel/poll.c kernel/frames.c iommu/pt/pt.c \
	iommu/pt/fmt_amdvi.c tests/unit/fake_pci.c tests/unit/fake_amdvi.c
ut_vtd_seam_src := iommu/vtd/vtd.c iommu/vtd/dmar.c iommu/vtd/caps.c iommu/pt/fmt_vtd.c arch/x86/acpi.c \
	tests/unit/fake_pci.c
ut_efi_config_src := boot/efi/config.c
ut_efi_mb2_build_src := boot/efi/mb2_build.c boot/mb2.c
ut_efi_image_src := boot/efi/image.c
ut_partition_hv_src := kernel/partition/hv.c kernel/partition/vapic.c
ut_hvcall_src := kernel/hvcall/dispatch.c kernel/hvcall/status.c kernel/hvcall/counters.c kernel/hvcall/table.c \
	kernel/hvcall/partition_id.c kernel/hvcall/memory.c kernel/hvcall/pool.c kernel/hvcall/caps.c kernel/hvcall/attach.c tests/unit/fake_hv.c \
	tests/unit/devdom_stubs.c tests/unit/assign_stubs.c
ut_shell_src    := kernel/shell/shell.c tests/unit/fake_view.c
ut_iommu_map_src := $(ut_iommu_src)
ut_hv_domains_src := kernel/hvcall/dispatch.c kernel/hvcall/table.c kernel/hvcall/status.c kernel/hvcall/counters.c \
	kernel/hvcall/pool.c kernel/hvcall/memory.c kernel/hvcall/caps.c kernel/hvcall/partition_id.c \
	kernel/hvcall/domain.c kernel/hvcall/map.c kernel/hvcall/devid.c tests/unit/attach_stubs.c $(ut_iommu_src) \
	tests/unit/fake_devdom.c
ut_assign_stop_src := kernel/partition/assign.c kernel/hvcall/dispatch.c kernel/hvcall/table.c kernel/hvcall/status.c \
	kernel/hvcall/counters.c kernel/hvcall/pool.c kernel/hvcall/memory.c kernel/hvcall/caps.c kernel/hvcall/partition_id.c \
	tests/unit/devdom_stubs.c tests/unit/attach_stubs.c tests/unit/fake_devdom.c $(ut_iommu_src)
# The Linux client module's calling logic, with tests/unit/linux_shim/ for the kernel headers.
ut_linux_module_src := tests/linux/iomon_abi/hvcall.c tests/linux/iomon_abi/abi.c
$(BUILD)/host/test_linux_module: HCFLAGS += -Itests/unit/linux_shim
