#!/usr/bin/env python3
"""Write DIR as a newc cpio archive on stdout (the initramfs format, Linux
Documentation/driver-api/early-userspace/buffer-format.rst), all files owned
by root, with /dev/console created so the init has a console before devtmpfs."""
import os
import stat
import sys

ino = [1000]


def entry(out, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    ino[0] += 1
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino[0], mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name_b), 0))
    out.write(hdr.encode() + name_b)
    out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))


def main():
    root = sys.argv[1]
    out = sys.stdout.buffer
    entry(out, "dev", stat.S_IFDIR | 0o755, nlink=2)
    entry(out, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
    for d, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(d, root)
        if rel != ".":
            entry(out, rel, stat.S_IFDIR | 0o755, nlink=2)
        for f in sorted(files):
            p = os.path.join(d, f)
            name = os.path.normpath(os.path.join(rel, f))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                entry(out, name, stat.S_IFLNK | 0o777, os.readlink(p).encode())
            else:
                with open(p, "rb") as fh:
                    entry(out, name, stat.S_IFREG | (st.st_mode & 0o777), fh.read())
    entry(out, "TRAILER!!!", 0)


main()
