#!/usr/bin/env python3
"""Writes a copy of a .vtpu with one field of its first layer of a kind changed, as
a corrupt or hostile file would have it (networks.bad_vtpu_*, issue 19), or of its
first held piece (networks.held_weights_*).

    python3 mutate_vtpu.py IN.vtpu OUT.vtpu KIND FIELD VALUE

KIND: matmul, pool or held; FIELD: matmul.batch, pool.n, held.bytes or held.first
(uint32 fields of models/isa/vtpu/model.h). The executable's protobuf (sw/compiler/executable.proto) is
read at the wire level: its segments (field 5: offset 1, data 2) hold the image, whose
header (offset 0) gives the layer table. The copy ends with the SHA-256 of its new bytes
(field 9), as a hostile file would: the loader's checks of the fields, not the digest,
must refuse it.
"""
import hashlib
import struct
import sys

LAYER_BYTES = 128
KINDS = {"matmul": 1, "pool": 3}
# Byte offsets inside vtpu_layer: 8 (kind, dtype, op, flags, node), then the union.
FIELDS = {"matmul.batch": 8 + 5 * 8 + 3 * 4, "pool.n": 8 + 2 * 8}
TENSOR_BYTES = 24  # vtpu_tensor: offset (8), bytes, first, last, flags
TENSOR_FIELDS = {"held.bytes": 8, "held.first": 12}
HELD = 1  # VTPU_TENSOR_HELD


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def fields(data):
    """(number, wire type, value or (start, end)) of a message's fields."""
    at = 0
    while at < len(data):
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(data, at)
            yield number, wire, value
        elif wire == 2:
            length, at = varint(data, at)
            yield number, wire, (at, at + length)
            at += length
        elif wire == 5:
            yield number, wire, None
            at += 4
        elif wire == 1:
            yield number, wire, None
            at += 8
        else:
            sys.exit(f"mutate_vtpu.py: wire type {wire} in the executable")


def write(dst, data):
    """Writes `data` with its closing digest field (key 0x4a, length 32) made anew."""
    if len(data) < 34 or data[-34] != 0x4A or data[-33] != 32:
        sys.exit("mutate_vtpu.py: the executable does not end with its SHA-256")
    data[-32:] = hashlib.sha256(bytes(data[:-34])).digest()
    open(dst, "wb").write(data)


def main():
    src, dst, kind, field, value = sys.argv[1:]
    data = bytearray(open(src, "rb").read())
    segments = []  # (image offset, file start, file end)
    for number, wire, span in fields(data):
        if number == 5 and wire == 2:
            offset, where = 0, None
            for n, w, v in fields(data[span[0]:span[1]]):
                if n == 1 and w == 0:
                    offset = v
                if n == 2 and w == 2:
                    where = (span[0] + v[0], span[0] + v[1])
            segments.append((offset, *where))

    def locate(offset, size):
        for image_at, start, end in segments:
            if image_at <= offset and offset + size <= image_at + (end - start):
                return start + offset - image_at
        sys.exit(f"mutate_vtpu.py: image bytes {offset}+{size} are in no segment")

    header = locate(0, 64)
    if kind == "held":
        tensors, = struct.unpack_from("<Q", data, header + 48)
        entries, = struct.unpack_from("<I", data, header + 56)
        for i in range(entries):
            entry = locate(tensors + TENSOR_BYTES * i, TENSOR_BYTES)
            if struct.unpack_from("<I", data, entry + 20)[0] == HELD:
                struct.pack_into("<I", data, entry + TENSOR_FIELDS[field], int(value, 0))
                write(dst, data)
                print(f"{dst}: tensor table entry {i} {field} = {value}")
                return
        sys.exit(f"mutate_vtpu.py: {src} holds no weights")
    count, = struct.unpack_from("<I", data, header + 8)
    table, = struct.unpack_from("<Q", data, header + 16)
    for i in range(count):
        layer = locate(table + LAYER_BYTES * i, LAYER_BYTES)
        if data[layer] == KINDS[kind]:
            struct.pack_into("<I", data, layer + FIELDS[field], int(value, 0))
            write(dst, data)
            print(f"{dst}: layer {i} {field} = {value}")
            return
    sys.exit(f"mutate_vtpu.py: {src} has no {kind} layer")


if __name__ == "__main__":
    main()
