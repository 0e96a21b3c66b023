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
bench: $(BUILD)/bench/bench_pt
	tests/bench/run.sh $(BUILD)/bench/bench_pt

-include $(wildcard $(BUILD)/bench/*/*.d $(BUILD)/bench/*/*/*.d $(BUILD)/bench/*/*/*/*.d)
