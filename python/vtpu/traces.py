"""Reading vtpu's binary traces from Python: the transaction trace
(`vtpu run --transactions FILE`, traces/transactions.proto) and the MXU
stimulus recording (`--set mxu.record=FILE.stim`, traces/mxu_stimulus.proto).

Both files are length-delimited protobuf messages (a varint byte count, then
the message): a header, then records. The message classes are generated from
the .proto files at build time (build/python/*_pb2.py, Debian's
python3-protobuf); they are found beside the vtpu binary (`binary()`), or in
$VTPU_PYTHON_PB.

    from vtpu.traces import read_transactions, read_stimulus
    t = read_transactions("run/transactions.pb")
    t.header.config, t.frame          # DataFrame: one row per transaction
    s = read_stimulus("run/lenet.stim")
    for mm in s.matmuls: mm.a, mm.b, mm.c_after   # numpy arrays
"""

import importlib
import os
import sys

import numpy as np
import pandas as pd

from vtpu._binary import VtpuError, binary

INT8, BF16 = 0, 2  # VTPU_TYPE_INT8, VTPU_TYPE_BF16 (models/isa/vtpu/isa.h)


def _schemas():
    """The generated modules (transactions_pb2, mxu_stimulus_pb2)."""
    where = os.environ.get("VTPU_PYTHON_PB") or os.path.join(
        os.path.dirname(os.path.abspath(binary())), "python")
    if not os.path.exists(os.path.join(where, "transactions_pb2.py")):
        raise VtpuError(where + ": no transactions_pb2.py (build vtpu, or set $VTPU_PYTHON_PB)", 2)
    if where not in sys.path:
        sys.path.insert(0, where)
    return (importlib.import_module("transactions_pb2"),
            importlib.import_module("mxu_stimulus_pb2"))


def _varint(f):
    """The next varint of `f`; None at the end of the file."""
    value, shift = 0, 0
    while True:
        byte = f.read(1)
        if not byte:
            if shift == 0:
                return None
            raise EOFError
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _messages(path, header_type, record_type, what, is_header):
    """(header, records) of a delimited file; VtpuError naming the file if it
    is not a `what` or a record is cut short."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise VtpuError(f"{path}: cannot open ({e.strerror})", 2) from None
    with f:
        records = []
        index = 0
        header = None
        while True:
            try:
                size = _varint(f)
                if size is None:
                    break
                data = f.read(size)
                if len(data) != size:
                    raise EOFError
                message = header_type() if header is None else record_type()
                message.ParseFromString(data)
            except Exception:
                if header is None:
                    raise VtpuError(f"{path}: not {what}", 2) from None
                raise VtpuError(f"{path}: record {index} is cut short or corrupt", 2) from None
            if header is None:
                if not is_header(message):
                    raise VtpuError(f"{path}: not {what}", 2)
                if message.version != 1:
                    raise VtpuError(f"{path}: {what} of version {message.version}; this reader "
                                    "reads version 1", 2)
                header = message
            else:
                records.append(message)
                index += 1
        if header is None:
            raise VtpuError(f"{path}: not {what} (empty)", 2)
        return header, records


class Transactions:
    """A transaction trace: `header` (its Header message: config, config_text,
    vtpu_version, workload, initiators, targets) and `frame`, one row per
    transaction in completion order: initiator and target (names), write,
    address, length (bytes), begin_ps, end_ps."""

    def __init__(self, header, frame):
        self.header, self.frame = header, frame


def read_transactions(path):
    pb, _ = _schemas()
    header, records = _messages(path, pb.Header, pb.Transaction, "a vtpu transaction trace",
                                lambda h: len(h.initiators) > 0 and len(h.targets) > 0)
    initiators, targets = list(header.initiators), list(header.targets)
    frame = pd.DataFrame({
        "initiator": [initiators[r.initiator] for r in records],
        "target": [targets[r.target] for r in records],
        "write": np.array([r.write for r in records], dtype=bool),
        "address": np.array([r.address for r in records], dtype=np.uint64),
        "length": np.array([r.length for r in records], dtype=np.uint32),
        "begin_ps": np.array([r.begin_ps for r in records], dtype=np.uint64),
        "end_ps": np.array([r.end_ps for r in records], dtype=np.uint64),
    })
    return Transactions(header, frame)


class Matmul:
    """One recorded MATMUL: precision ("int8" or "bf16"), m, k, n, accumulate,
    cycles, and its operands as numpy arrays: a (m x k) and b (k x n), int8, or
    uint16 bf16 bit patterns (`bf16_to_float32` widens them); c_before and
    c_after (m x n), int32 or float32."""

    def __init__(self, record):
        self.precision = "bf16" if record.precision == BF16 else "int8"
        self.m, self.k, self.n = record.m, record.k, record.n
        self.accumulate, self.cycles = record.accumulate, record.cycles
        element = np.uint16 if self.precision == "bf16" else np.int8
        c = np.float32 if self.precision == "bf16" else np.int32
        self.a = np.frombuffer(record.a, dtype=element).reshape(self.m, self.k)
        self.b = np.frombuffer(record.b, dtype=element).reshape(self.k, self.n)
        self.c_before = np.frombuffer(record.c_before, dtype=c).reshape(self.m, self.n)
        self.c_after = np.frombuffer(record.c_after, dtype=c).reshape(self.m, self.n)


class Stimulus:
    """An MXU stimulus recording: `header` (config, rows, cols, timing,
    vtpu_version, config_text, workload) and `matmuls`, in execution order."""

    def __init__(self, header, matmuls):
        self.header, self.matmuls = header, matmuls


def read_stimulus(path):
    _, pb = _schemas()
    header, records = _messages(path, pb.StimulusHeader, pb.Matmul,
                                "an MXU stimulus recording", lambda h: h.rows > 0 and h.cols > 0)
    return Stimulus(header, [Matmul(r) for r in records])


def bf16_to_float32(bits):
    """bf16 bit patterns (uint16) as float32 values."""
    return (np.asarray(bits, dtype=np.uint32) << 16).view(np.float32)
