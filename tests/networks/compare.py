#!/usr/bin/env python3
"""Compare a network's output with the expected one by cosine similarity.

    python3 tests/networks/compare.py EXPECTED.npy GOT.npy --min-cosine C [--name N]

Prints "N: cosine 0.999812 max_abs_diff 0.0123 (1000 elements)". Exits 0 if the
cosine is at least C, 1 if it is lower (or not a number), 2 if the files cannot be
compared (missing, unreadable, different shapes).
"""

import argparse
import sys
from pathlib import Path

import numpy as np


class CompareError(Exception):
    pass


def load(path: Path) -> np.ndarray:
    try:
        return np.load(path).astype(np.float32)
    except (OSError, ValueError) as error:
        raise CompareError(f"cannot read {path}: {error}") from error


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    a = a.ravel().astype(np.float64)
    b = b.ravel().astype(np.float64)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0.0:
        # Cosine is undefined for a zero vector: two zero vectors agree, one does not.
        return 1.0 if not a.any() and not b.any() else 0.0
    return float(np.dot(a, b) / norms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("expected", metavar="EXPECTED.npy", type=Path)
    parser.add_argument("got", metavar="GOT.npy", type=Path)
    parser.add_argument("--min-cosine", type=float, required=True, metavar="C")
    parser.add_argument("--name", help="name to print (default: GOT's file name)")
    args = parser.parse_args()
    name = args.name or args.got.name

    try:
        expected = load(args.expected)
        got = load(args.got)
        if expected.shape != got.shape:
            raise CompareError(f"shape mismatch: {args.expected} has {list(expected.shape)}, "
                               f"{args.got} has {list(got.shape)}")
    except CompareError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2

    cosine = cosine_similarity(expected, got)
    diff = np.abs(expected.astype(np.float64) - got.astype(np.float64))
    max_abs_diff = float(diff.max()) if diff.size else 0.0
    print(f"{name}: cosine {cosine:.6f} max_abs_diff {max_abs_diff:.4g} ({expected.size} elements)")
    if not cosine >= args.min_cosine:  # also catches NaN
        print(f"{name}: FAIL: cosine {cosine:.6f} is below the minimum {args.min_cosine}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
