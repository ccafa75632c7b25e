#!/usr/bin/env python3
"""Top-1 accuracy of trained models on the chip, per weights format (docs/compiler.md, "Compression").

    python3 bench/accuracy.py --vtpu build/vtpu --networks build/networks [--config edge] [--out DIR]

Two classifiers trained on scikit-learn's 8x8 digits (the only labelled images Debian
ships): the MLP the build trains (networks/digits.onnx, tests/networks/digits.py) and a
small CNN trained here, seeded and single-threaded, on the same split with the images
upsampled to 16x16. Each runs on the chip through `vtpu run --check` (every output byte
equal to the host reference's) as int8, int4 weights (w4a8), 2:4-sparse int8 and
--precision auto (budget 0.01 of output cosine), all post-training (the same calibration
batches, no fine-tuning); fp32 is PyTorch's. Prints a
Markdown table: top-1 on the 540 test images, simulated time and energy from the report.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "networks"))
import digits  # noqa: E402  (the build's split, training seed and scoring)

EPOCHS = 40
SIZE = 16  # the CNN's input: the 8x8 digits upsampled


class Cnn(nn.Module):
    """Three 3x3 convolutions (16, 32, 64 channels; the last two stride 2) and a linear layer."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU())
        self.classifier = nn.Linear(64 * (SIZE // 4) ** 2, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def images(x: np.ndarray) -> np.ndarray:
    t = torch.from_numpy(x).reshape(-1, 1, 8, 8)
    up = nn.functional.interpolate(t, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return up.numpy().astype(np.float32)


def train_cnn(out: Path):
    """Trains the CNN, writes cnn.onnx, its test input, labels, fp32 logits and calibration."""
    torch.set_num_threads(1)
    x_train, x_test, y_train, y_test = digits.load_split()
    torch.manual_seed(digits.SEED)
    model = Cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=digits.LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.from_numpy(images(x_train)), torch.from_numpy(y_train)
    shuffle = torch.Generator().manual_seed(digits.SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=shuffle)
        for start in range(0, len(x), digits.BATCH_SIZE):
            batch = order[start:start + digits.BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
    model.eval()
    test = torch.from_numpy(images(x_test))
    with torch.no_grad():
        np.save(out / "cnn.output.npy", model(test).numpy().astype(np.float32))
        torch.onnx.export(model, (test,), str(out / "cnn.onnx"), opset_version=13,
                          input_names=["input"], output_names=["output"])
    np.save(out / "cnn.test_x.npy", images(x_test))
    np.save(out / "cnn.test_y.npy", y_test)
    (out / "cnn.calib").mkdir(exist_ok=True)
    for i, batch in enumerate(digits.calibration_batches(x_train, len(x_test))):
        np.save(out / "cnn.calib" / f"{i:03d}.npy", images(batch))


def run(vtpu: str, model: Path, calib: Path, x: Path, config: str, flags, work: Path) -> dict:
    outputs = work / "outputs"
    report = work / "report.json"
    cmd = [vtpu, "run", str(model), "--config", config, "--calibration", str(calib),
           "--input", str(x), "--output-dir", str(outputs), "--report", str(report),
           "--check"] + flags
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"accuracy: {' '.join(cmd)} failed ({done.returncode}): "
                         f"{done.stderr.strip()}")
    r = json.loads(report.read_text())
    (logits,) = list(outputs.glob("*.npy"))
    return {"logits": np.load(logits), "ms": r["simulated_time_ns"] / 1e6,
            "uj": r["energy_uj"], "weights": sorted({l["weights"] for l in r["layers"]
                                                     if "weights" in l})}


MODES = [("int8", ["--precision", "int8"]), ("int4 weights", ["--precision", "int4"]),
         ("2:4 int8", ["--precision", "int8", "--sparsity", "2:4"]),
         ("auto", ["--precision", "auto", "--accuracy-budget", "0.01"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vtpu", required=True)
    parser.add_argument("--networks", required=True, type=Path)
    parser.add_argument("--config", default="edge")
    parser.add_argument("--out", type=Path, help="keep the CNN and the runs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        train_cnn(out)
        nets = [("digits MLP (64-64-10)", args.networks / "digits.onnx",
                 args.networks / "digits.calib", args.networks / "digits.test_x.npy",
                 args.networks / "digits.test_y.npy", args.networks / "digits.output.npy"),
                ("digits CNN (3 conv + linear)", out / "cnn.onnx", out / "cnn.calib",
                 out / "cnn.test_x.npy", out / "cnn.test_y.npy", out / "cnn.output.npy")]
        print(f"| model | weights | top-1 % | simulated us ({args.config}) | energy uJ |")
        print("|---|---|---|---|---|")
        for name, model, calib, x, y, fp32 in nets:
            labels = np.load(y)
            top1 = digits.accuracy_percent(np.load(fp32), labels)
            print(f"| {name} | fp32 (PyTorch) | {top1:.2f} | - | - |")
            for mode, flags in MODES:
                work = out / f"{model.stem}-{mode.split()[0]}"
                work.mkdir(exist_ok=True)
                r = run(args.vtpu, model, calib, x, args.config, flags, work)
                top1 = digits.accuracy_percent(r["logits"], labels)
                print(f"| {name} | {mode} ({', '.join(r['weights'])}) | {top1:.2f} | "
                      f"{1000 * r['ms']:.1f} | {r['uj']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
