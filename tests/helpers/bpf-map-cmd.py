#!/usr/bin/env python3
"""Map commands bpftool has no verb for, through the raw bpf() syscall.

bpf-map-cmd.py PIN update_batch KEYHEX VALUEHEX   # one entry
bpf-map-cmd.py PIN delete_batch KEYHEX
bpf-map-cmd.py PIN lookup_and_delete KEYHEX VALUESIZE
bpf-map-cmd.py PIN lookup_and_delete_batch KEYSIZE VALUESIZE
Exits 0 when the kernel carried the command out, else prints the errno.
"""
import ctypes
import os
import struct
import sys

NR_BPF = 321  # x86_64
BPF_OBJ_GET = 7
CMDS = {"lookup_and_delete": 21, "lookup_and_delete_batch": 25,
        "update_batch": 26, "delete_batch": 27}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    ret = libc.syscall(NR_BPF, cmd, buf, 128)
    if ret < 0:
        err = ctypes.get_errno()
        sys.exit(f"bpf({cmd}): {os.strerror(err)}")
    return ret, buf


def addr(b):
    return ctypes.addressof(b)


pin, verb = sys.argv[1], sys.argv[2]
path = ctypes.create_string_buffer(pin.encode())
fd, _ = bpf(BPF_OBJ_GET, struct.pack("=QII", addr(path), 0, 0))
cmd = CMDS[verb]
if verb in ("update_batch", "delete_batch"):
    keys = ctypes.create_string_buffer(bytes.fromhex(sys.argv[3]))
    values = ctypes.create_string_buffer(bytes.fromhex(sys.argv[4]) if verb == "update_batch" else b"")
    vaddr = addr(values) if verb == "update_batch" else 0
    bpf(cmd, struct.pack("=QQQQIIQQ", 0, 0, addr(keys), vaddr, 1, fd, 0, 0))
elif verb == "lookup_and_delete":
    key = ctypes.create_string_buffer(bytes.fromhex(sys.argv[3]))
    value = ctypes.create_string_buffer(int(sys.argv[4]))
    bpf(cmd, struct.pack("=IIQQQ", fd, 0, addr(key), addr(value), 0))
else:
    ksize, vsize, n = int(sys.argv[3]), int(sys.argv[4]), 64
    out = ctypes.create_string_buffer(8)
    keys = ctypes.create_string_buffer(ksize * n)
    values = ctypes.create_string_buffer(vsize * n)
    count = n
    try:
        bpf(cmd, struct.pack("=QQQQIIQQ", 0, addr(out), addr(keys), addr(values), count, fd, 0, 0))
    except SystemExit as e:
        # ENOENT: the map ran out during the batch, as expected for a small one
        if "No such file" not in str(e):
            raise
