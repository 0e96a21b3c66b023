#!/usr/bin/env bash
# Build newlib's libc.a for the monitor from Debian's newlib-source, once.
#   tools/build-newlib.sh OUTDIR    -> OUTDIR/prefix/x86_64-elf/{include,lib/libc.a}
#
# There is no x86_64-elf cross compiler in Debian, so the host gcc poses as one
# through a wrapper that forces freestanding, no-red-zone, general-registers-only
# code and hides glibc's headers. newlib has no switch to leave out the handful
# of files that take or return double (strtod, dtoa, ...), which gcc rejects
# without SSE; those few are compiled with SSE allowed, and tools/check-elf.sh
# fails the monitor's link if any SSE/x87 instruction reaches it.
set -euo pipefail

out=$(realpath -m "${1:?usage: $0 OUTDIR}")
tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "newlib-source is not installed (tools/deps.sh)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/bin" "$out/src" "$out/obj"
for t in ar ranlib as ld nm objdump objcopy strip readelf; do
	ln -sf "$(command -v $t)" "$out/bin/x86_64-elf-$t"
done
cat > "$out/bin/x86_64-elf-gcc" <<'WRAP'
#!/usr/bin/env bash
GCCINC=$(gcc -print-file-name=include)
BASE=(-nostdinc -isystem "$GCCINC"
      -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix
      -ffreestanding -fno-stack-protector -fcf-protection=none
      -fno-asynchronous-unwind-tables -mno-red-zone)
errf=$(mktemp)
if gcc "${BASE[@]}" -mgeneral-regs-only "$@" 2>"$errf"; then
	cat "$errf" >&2; rm -f "$errf"; exit 0
fi
if grep -q 'with SSE disabled\|with x87 disabled' "$errf"; then
	rm -f "$errf"; exec gcc "${BASE[@]}" "$@"
fi
cat "$errf" >&2; rm -f "$errf"; exit 1
WRAP
chmod +x "$out/bin/x86_64-elf-gcc"
ln -sf x86_64-elf-gcc "$out/bin/x86_64-elf-cc"

echo "newlib: extracting $(basename "$tarball")"
tar -xf "$tarball" -C "$out/src"
srcdir=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d | head -n1)   # newlib-salsa/

cd "$out/obj"
export PATH="$out/bin:$PATH"
echo "newlib: configuring (log: $out/build.log)"
"$srcdir/configure" --target=x86_64-elf --prefix="$out/prefix" \
	--disable-multilib --disable-libgloss --disable-newlib-supplied-syscalls \
	--enable-newlib-io-c99-formats --enable-newlib-io-long-long --disable-newlib-io-float \
	--enable-newlib-reent-small --disable-newlib-multithread --enable-newlib-nano-malloc \
	--enable-lite-exit --enable-newlib-global-atexit --disable-newlib-fvwrite-in-streamio \
	--disable-newlib-wide-orient --disable-newlib-unbuf-stream-opt \
	CFLAGS_FOR_TARGET="-O2 -fpie -ffunction-sections -fdata-sections" > "$out/build.log" 2>&1
echo "newlib: building (about 2 minutes on 2 cores)"
make -j"$(nproc)" all-target-newlib >> "$out/build.log" 2>&1 || { tail -n 30 "$out/build.log"; exit 1; }
make install-target-newlib >> "$out/build.log" 2>&1 || { tail -n 30 "$out/build.log"; exit 1; }
rm -rf "$out/src" "$out/obj"
test -f "$out/prefix/x86_64-elf/lib/libc.a"
echo "newlib: ready in $out/prefix"
