# make bench: the page-table engine benchmark (tests/bench/README section in
# the top-level README). The engine is built with the monitor's code-generation
# flags (KCFLAGS minus what only the freestanding link needs) at -O2, without
# the unit-test hooks and sanitizers; the driver and the seams are plain
# hosted C.
BENCH_ENGINE_SRC := iommu/pt/pt.c iommu/pt/pt_walk.c iommu/pt/fmt_vtd.c iommu/pt/fmt_amdvi.c iommu/pt/fmt_ept.c \
	iommu/pt/fmt_x86.c
BENCH_KCFLAGS := $(filter-out -nostdinc -isystem $(NEWLIB)/include $(GCC_INC) -mcmodel=kernel -U%,\
	$(KCFLAGS))
BENCH_HCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -fno-pie -MMD -MP
BENCH_OBJ := $(patsubst %.c,$(BUILD)/bench/k/%.o,$(BENCH_ENGINE_SRC)) \
	$(BUILD)/bench/h/bench_pt.o $(BUILD)/bench/h/bench_stubs.o

$(BUILD)/bench/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_KCFLAGS) -c $< -o $@
$(BUILD)/bench/h/%.o: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_HCFLAGS) -c $< -o $@
$(BUILD)/bench/bench_pt: $(BENCH_OBJ)
	$(CC) -no-pie -o $@ $(BENCH_OBJ)

.PHONY: bench
bench: $(BUILD)/bench/bench_pt $(BUILD)/bench/bench_hvmap $(BUILD)/bench/bench_attach
	tests/bench/run.sh $(BUILD)/bench/bench_pt
	tests/bench/run.sh $(BUILD)/bench/bench_hvmap
	$(BUILD)/bench/bench_attach 2> $(BUILD)/bench/bench_attach.log

-include $(wildcard $(BUILD)/bench/*/*.d $(BUILD)/bench/*/*/*.d $(BUILD)/bench/*/*/*/*.d)

# The MAP_DEVICE_GPA_PAGES path end to end (tests/bench/bench_hvmap.c): the
# dispatcher, the device-domain handlers, the domain layer, the PCI registry
# it walks and the engine, all with the monitor's flags.
BENCH_HV_SRC := kernel/hvcall/dispatch.c kernel/hvcall/table.c kernel/hvcall/status.c kernel/hvcall/counters.c \
	kernel/hvcall/caps.c kernel/hvcall/partition_id.c kernel/hvcall/domain.c kernel/hvcall/map.c \
	kernel/hvcall/devid.c kernel/partition/gpa.c iommu/iommu.c iommu/share.c iommu/mapcount.c \
	iommu/unity.c iommu/fault.c iommu/rangeset.c tests/unit/attach_stubs.c \
	pci/registry.c pci/group.c pci/ids.c $(BENCH_ENGINE_SRC)
BENCH_HV_SRC += iommu/flush.c kernel/hvcall/pool.c
BENCH_HV_OBJ := $(patsubst %.c,$(BUILD)/bench/k/%.o,$(BENCH_HV_SRC)) \
	$(BUILD)/bench/h/bench_hvmap.o $(BUILD)/bench/h/bench_stubs.o $(BUILD)/bench/h/bench_machine.o
$(BUILD)/bench/bench_hvmap: $(BENCH_HV_OBJ)
	$(CC) -no-pie -o $@ $(BENCH_HV_OBJ)

# Direct attach by child size (tests/bench/bench_attach.c): the partition
# layer's attach over the domain layer and engine, on fake units that count.
BENCH_ATTACH_SRC := kernel/partition/assign.c iommu/iommu.c iommu/share.c iommu/mapcount.c iommu/unity.c \
	iommu/fault.c iommu/rangeset.c iommu/flush.c pci/registry.c pci/group.c pci/ids.c $(BENCH_ENGINE_SRC)
BENCH_ATTACH_OBJ := $(patsubst %.c,$(BUILD)/bench/k/%.o,$(BENCH_ATTACH_SRC)) \
	$(BUILD)/bench/h/bench_attach.o $(BUILD)/bench/h/bench_stubs.o $(BUILD)/bench/h/bench_machine.o
$(BUILD)/bench/bench_attach: $(BENCH_ATTACH_OBJ)
	$(CC) -no-pie -o $@ $(BENCH_ATTACH_OBJ)
