#!/usr/bin/env bash
# make check: host unit tests, then integration scenarios (QEMU boots), then
# fuzz smoke runs. Prints one result line per test and ends with the line
# "N passed, N failed"; exits non-zero when anything failed. A test that cannot
# run (build failure, missing tool) is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1${2:+ ($2)}"; }

# Builds run on every CPU first; the loops below then only run what was built
# (and report a test that does not build by building it alone).
jobs=$(nproc 2>/dev/null || echo 2)

echo "== unit tests (host, cmocka, ASan+UBSan)"
make -s -j"$jobs" unit > "$BUILD/unit.build.log" 2>&1 || true
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	bin=$BUILD/host/$name
	if ! make -s "$bin" > "$BUILD/$name.build.log" 2>&1; then
		cat "$BUILD/$name.build.log"
		fail "unit/$name" "does not build"
		continue
	fi
	out=$("$bin" 2>&1)
	rc=$?
	ok=$(grep -c '^\[       OK \]' <<<"$out")
	bad=$(grep -E '^\[  FAILED  \] [0-9]+ test' <<<"$out" | grep -oE '[0-9]+' | head -n1)
	bad=${bad:-0}
	passed=$((passed + ok))
	for t in $(grep -E '^\[  FAILED  \] [a-z_]' <<<"$out" | awk '{print $4}'); do
		failures+=("unit/$name/$t")
	done
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		fail "unit/$name" "exit status $rc (crash or sanitizer report)"
	fi
	if [ "$rc" -ne 0 ] || [ "$bad" -ne 0 ]; then
		echo "$out" | tail -n 40
	fi
	echo "unit/$name: $ok passed, $bad failed"
done

echo "== test guest booted directly by GRUB, no monitor (QEMU)"
while read -r p f; do
	passed=$((passed + p)); failed=$((failed + f))
done < <(tests/guest/bare.sh --summary-fd 3 3>&1 1>&2)

echo "== integration scenarios (QEMU)"
if make -s -j"$jobs" monitor guest efi > "$BUILD/monitor.build.log" 2>&1; then
	while read -r p f; do
		passed=$((passed + p)); failed=$((failed + f))
	done < <(tests/integration/run.sh --summary-fd 3 3>&1 1>&2)
else
	cat "$BUILD/monitor.build.log"
	fail "integration" "the monitor does not build"
fi

echo "== fuzz smoke runs (libFuzzer, ASan+UBSan, fixed seed)"
runs=${FUZZ_RUNS:-150000}
make -s -j"$jobs" fuzz > "$BUILD/fuzz.build.log" 2>&1 || true
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	[ "$name" = fuzz_stubs ] && continue
	bin=$BUILD/fuzz/$name
	if ! make -s "$bin" > "$BUILD/$name.build.log" 2>&1; then
		cat "$BUILD/$name.build.log"
		fail "fuzz/$name" "does not build"
		continue
	fi
	n=$runs
	opts=
	[ "$name" = fuzz_pci ] && n=$((runs / 3))   # a whole enumeration per input: slower
	[ "$name" = fuzz_sriov ] && n=$((runs / 10))   # enumeration plus enable/disable rounds
	[ "$name" = fuzz_iommu ] && n=$((runs / 100))   # a whole IOMMU bring-up per input: slower still
	[ "$name" = fuzz_unity ] && n=$((runs / 10))   # a whole iommu_init per input
	# A machine bring-up and up to 48 calls per input: fewer runs, each a long sequence.
	[ "$name" = fuzz_hvcall ] && n=$((runs / 30)) && opts="-len_control=0 -max_len=256"
	if "$bin" -runs="$n" -seed=1 $opts > "$BUILD/$name.log" 2>&1; then
		pass "fuzz/$name ($n runs)"
	else
		tail -n 30 "$BUILD/$name.log"
		fail "fuzz/$name" "crash or sanitizer report, see $BUILD/$name.log"
	fi
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
