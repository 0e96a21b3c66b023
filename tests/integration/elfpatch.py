#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Damage a copy of an ELF64 monitor image in one precise way, for the UEFI
loader's error scenarios.

  elfpatch.py IN OUT no-mb2-magic     flip the multiboot2 header magic
  elfpatch.py IN OUT shift DELTA      move every PT_LOAD segment and the entry
                                      point DELTA bytes up in physical memory
"""
import struct
import sys

MB2_MAGIC = struct.pack('<I', 0xE85250D6)
PT_LOAD = 1


def no_mb2_magic(d):
    at = d.find(MB2_MAGIC)
    if at < 0 or at >= 32768:
        sys.exit('elfpatch: no multiboot2 header in the first 32 KiB')
    d[at] ^= 0xff


def shift(d, delta):
    entry, phoff = struct.unpack_from('<QQ', d, 0x18)
    phentsize, phnum = struct.unpack_from('<HH', d, 0x36)
    struct.pack_into('<Q', d, 0x18, entry + delta)
    for i in range(phnum):
        off = phoff + i * phentsize
        if struct.unpack_from('<I', d, off)[0] == PT_LOAD:
            paddr = struct.unpack_from('<Q', d, off + 0x18)[0]
            struct.pack_into('<Q', d, off + 0x18, paddr + delta)


def main():
    src, dst, op = sys.argv[1:4]
    d = bytearray(open(src, 'rb').read())
    if d[:4] != b'\x7fELF' or d[4] != 2:
        sys.exit('elfpatch: %s is not an ELF64 file' % src)
    if op == 'no-mb2-magic':
        no_mb2_magic(d)
    elif op == 'shift':
        shift(d, int(sys.argv[4], 0))
    else:
        sys.exit(__doc__)
    open(dst, 'wb').write(d)


if __name__ == '__main__':
    main()
