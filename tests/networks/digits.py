#!/usr/bin/env python3
"""A small trained classifier, to measure accuracy rather than closeness.

    python3 tests/networks/digits.py OUT_DIR
        trains an MLP (64 -> 64 ReLU -> 10) on scikit-learn's 8x8 digits and writes
        OUT_DIR/digits.onnx          input "input" [n_test, 64] (the whole test set)
        OUT_DIR/digits.test_x.npy    float32 [n_test, 64], pixels scaled to [0, 1]
        OUT_DIR/digits.test_y.npy    int64 [n_test] labels
        OUT_DIR/digits.output.npy    float32 [n_test, 10], PyTorch's fp32 logits
        OUT_DIR/digits.calib/*.npy   8 float32 [n_test, 64] batches of training rows
        and prints the fp32 test accuracy.

    python3 tests/networks/digits.py --score LOGITS.npy LABELS.npy [--min-accuracy A]
        prints "accuracy 97.41" (percent); exits 1 if below A.

Training is seeded and single-threaded, so every run writes the same numbers.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 0
CALIBRATION_BATCHES = 8
EPOCHS = 60
BATCH_SIZE = 32
LEARNING_RATE = 1e-2


class ScoreError(Exception):
    pass


def load_split():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixels are 0..16
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.3, random_state=SEED)


def train(x_train: np.ndarray, y_train: np.ndarray) -> nn.Module:
    torch.manual_seed(SEED)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(x_train)
    y = torch.from_numpy(y_train)
    shuffle = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=shuffle)
        for start in range(0, len(x), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
    return model.eval()


def accuracy_percent(logits: np.ndarray, labels: np.ndarray) -> float:
    if logits.ndim != 2 or logits.shape[1] != 10:
        raise ScoreError(f"logits should be [n, 10], not {list(logits.shape)}")
    if labels.shape != (logits.shape[0],):
        raise ScoreError(f"labels {list(labels.shape)} do not match logits {list(logits.shape)}")
    return 100.0 * float(np.mean(np.argmax(logits, axis=1) == labels))


def calibration_batches(x_train: np.ndarray, n_rows: int):
    """Batches shaped like the test input, each a different random draw of training rows."""
    rng = np.random.default_rng(SEED)
    for _ in range(CALIBRATION_BATCHES):
        yield x_train[rng.choice(len(x_train), size=n_rows, replace=False)]


def generate(out_dir: Path) -> int:
    torch.set_num_threads(1)
    x_train, x_test, y_train, y_test = load_split()
    model = train(x_train, y_train)

    x = torch.from_numpy(x_test)
    with torch.no_grad():
        logits = model(x).numpy().astype(np.float32)

    out_dir.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, (x,), str(out_dir / "digits.onnx"), opset_version=13,
                          input_names=["input"], output_names=["output"])
    np.save(out_dir / "digits.test_x.npy", x_test)
    np.save(out_dir / "digits.test_y.npy", y_test)
    np.save(out_dir / "digits.output.npy", logits)
    calib_dir = out_dir / "digits.calib"
    calib_dir.mkdir(exist_ok=True)
    for stale in calib_dir.glob("*.npy"):
        stale.unlink()
    for i, batch in enumerate(calibration_batches(x_train, len(x_test))):
        np.save(calib_dir / f"{i:03d}.npy", batch)

    print(f"digits: train {len(x_train)}, test {len(x_test)}, "
          f"fp32 test accuracy {accuracy_percent(logits, y_test):.2f}")
    return 0


def score(logits_path: Path, labels_path: Path, min_accuracy) -> int:
    try:
        logits = np.load(logits_path).astype(np.float32)
        labels = np.load(labels_path).astype(np.int64)
        accuracy = accuracy_percent(logits, labels)
    except (OSError, ValueError, ScoreError) as error:
        print(f"digits: {error}", file=sys.stderr)
        return 2
    print(f"accuracy {accuracy:.2f}")
    if min_accuracy is not None and accuracy < min_accuracy:
        print(f"digits: FAIL: accuracy {accuracy:.2f} is below the minimum {min_accuracy}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path, nargs="?",
                        help="train, export and write the data here")
    parser.add_argument("--score", nargs=2, metavar=("LOGITS.npy", "LABELS.npy"), type=Path,
                        help="print the accuracy of logits [n, 10] against labels [n]")
    parser.add_argument("--min-accuracy", type=float, metavar="A",
                        help="with --score: exit 1 if the accuracy (percent) is below A")
    args = parser.parse_args()
    if (args.out_dir is None) == (args.score is None):
        parser.error("give either OUT_DIR or --score LOGITS.npy LABELS.npy")
    if args.score is not None:
        return score(*args.score, args.min_accuracy)
    return generate(args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
