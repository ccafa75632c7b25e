#!/usr/bin/env python3
"""Writes the hand-made seeds of two fuzz corpora (tests/fuzz/README.md):
cp/ (command-processor instruction records) and gdb/ (GDB client byte streams).
The other corpora are files the project makes (ONNX, .vtpu, ELF, .npy, configs).

    python3 tests/fuzz/make_seeds.py tests/fuzz/corpus
"""
import os
import struct
import sys

NONE = 0xFF
VMEM, AMEM, HBM = 0x20000000, 0x30000000, 0x100000000
DMA, MXU, VPU, DMA1 = 0, 1, 2, 3


def header(opcode, wait=NONE, signal=NONE, flags=0):
    return struct.pack("<4B", opcode, wait, signal, flags)


def record(queue, insn):
    assert len(insn) == 64, len(insn)
    return bytes([queue]) + insn


def dma(src, dst, row, rows=1, wait=NONE, signal=NONE):
    desc = struct.pack("<QQ4I3I3I", src, dst, row, rows, 1, 1, row, 0, 0, row, 0, 0)
    return header(0x10, wait, signal) + b"\0" * 4 + desc


def matmul(a, b, c, m, k, n, precision=0, accumulate=0, dataflow=0, wait=NONE, signal=NONE):
    elem = 1 if precision == 0 else 2
    body = struct.pack("<4B9I", precision, accumulate, dataflow, 0, m, k, n,
                       a, k * elem, b, n * elem, c, n * 4)
    return header(0x20, wait, signal) + body + b"\0" * 20


def vpu(op, a_type, d_type, rows, cols, a, d, b=0, b_mode=0, scale=1.0, zero=0, pool=0,
        channels=0, wait=NONE, signal=NONE):
    size = {0: 1, 2: 2}
    body = struct.pack("<4B9IfiIII", op, a_type, d_type, b_mode, rows, cols,
                       a, cols * size.get(a_type, 4), b, cols * size.get(a_type, 4), d, cols * size.get(d_type, 4),
                       0, scale, zero, pool, channels, 0)
    return header(0x30, wait, signal) + body


def write(directory, name, data):
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def cp_seeds(d):
    hbm_to_vmem = record(DMA, dma(HBM, VMEM, 4096, signal=0))
    write(d, "dma.bin", hbm_to_vmem + record(DMA1, dma(VMEM, HBM + 8192, 256, rows=4)))
    write(d, "matmul_int8.bin", hbm_to_vmem +
          record(MXU, matmul(VMEM, VMEM + 0x1000, AMEM, 32, 32, 32, wait=0, signal=1)) +
          record(VPU, vpu(0x20, 1, 0, 32, 32, AMEM, VMEM + 0x4000, scale=0.01, wait=1)))
    write(d, "matmul_bf16_os.bin",
          record(MXU, matmul(VMEM, VMEM + 0x2000, AMEM, 16, 48, 16, precision=2, dataflow=2)) +
          record(MXU, matmul(VMEM, VMEM + 0x2000, AMEM, 16, 48, 16, precision=2, accumulate=1)))
    write(d, "vpu_ops.bin",
          record(VPU, vpu(0x00, 3, 3, 8, 64, AMEM, AMEM + 0x1000, b=AMEM + 0x2000, b_mode=1)) +
          record(VPU, vpu(0x16, 3, 3, 8, 64, AMEM, AMEM + 0x1000)) +
          record(VPU, vpu(0x30, 0, 0, 8, 8, VMEM, VMEM + 0x8000, pool=0x02020202, channels=4)) +
          record(VPU, vpu(0x40, 3, 3, 8, 64, AMEM, AMEM + 0x3000)))
    write(d, "fence_and_wait.bin",
          record(DMA, header(0x01) + b"\0" * 60) + record(MXU, header(0x00, wait=5) + b"\0" * 60))
    write(d, "bad.bin", record(MXU, matmul(VMEM, VMEM, AMEM, 0xFFFFFFFF, 64, 64)) +
          record(VPU, vpu(0x99, 7, 7, 1, 1, 0, 0)) + record(DMA, dma(0, VMEM, 64)))


def frame(payload):
    return b"$" + payload + b"#" + b"%02x" % (sum(payload) % 256)


def gdb_seeds(d):
    session = [b"qSupported:multiprocess+;swbreak+;hwbreak+", b"?", b"g", b"p20", b"P5=78563412",
               b"m80000000,10", b"M80000000,4:deadbeef", b"X80000010,2:ab", b"Z0,80000100,4",
               b"z0,80000100,4", b"Z2,80000200,4", b"vCont?", b"vCont;s", b"s", b"c",
               b"qXfer:features:read:target.xml:0,ffb", b"qRcmd,68656c70", b"D"]
    write(d, "session.bin", b"+" + b"".join(frame(p) for p in session))
    write(d, "interrupt.bin", frame(b"c") + b"\x03" + frame(b"?") + frame(b"k"))
    write(d, "malformed.bin", b"$g#00xyz" + frame(b"m180000000,10") + frame(b"M80000000,ffffffff:00") +
          frame(b"p") + frame(b"P=1") + b"$unterminated")
    write(d, "escapes.bin", frame(b"X80000000,3:}\x03}\x04*") + b"+-")


def main():
    root = sys.argv[1]
    for name, make in (("cp", cp_seeds), ("gdb", gdb_seeds)):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        make(os.path.join(root, name))


if __name__ == "__main__":
    main()
