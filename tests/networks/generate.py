#!/usr/bin/env python3
"""Export the end-to-end test networks as ONNX, with an input, its fp32 output and
calibration inputs.

    python3 tests/networks/generate.py OUT_DIR [--only NAME ...] [--opset N] [--fold-bn]

For each network NAME it writes
    OUT_DIR/NAME.onnx          the model; its one input is called "input"
    OUT_DIR/NAME.input.npy     float32, batch 1, drawn from N(0, 1)
    OUT_DIR/NAME.output.npy    float32, PyTorch's fp32 output on that input
    OUT_DIR/NAME.calib/*.npy   8 more float32 inputs from the same distribution

Weights are random (no pretrained weights are available offline) but seeded, so
every run with the same torch version writes the same numbers.
"""

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Tuple

import numpy as np
import torch
import torchvision
from torch import nn

CALIBRATION_INPUTS = 8
DEFAULT_OPSET = 13
# A CNN with sane BatchNorm statistics stays well under this; a larger output
# means the random weights made activations explode and the test would be useless.
MAX_OUTPUT_STD = 1e3


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def build_mlp() -> nn.Module:
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def build_wide_fc() -> nn.Module:
    """Four small layers, then two of 1 M weights each: on tpuv1-like the last two wait
    for the DDR3 while the small ones leave it idle (held weights, check_held.py)."""
    small = [m for _ in range(4) for m in (nn.Linear(256, 256), nn.ReLU())]
    return nn.Sequential(*small, nn.Linear(256, 4096), nn.ReLU(), nn.Linear(4096, 256))


def build_transformer() -> nn.Module:
    return nn.TransformerEncoderLayer(
        d_model=128, nhead=4, dim_feedforward=256, activation="gelu",
        batch_first=True, dropout=0.0)


class TinyViT(nn.Module):
    """A ViT in miniature: patch embedding, a learned class token concatenated in
    front of the patches (a constant after folding: vtpu materializes it), position
    embeddings, one encoder block, the class token's output through a head."""

    def __init__(self, dim=64, patch=8, image=32, classes=10):
        super().__init__()
        self.embed = nn.Conv2d(3, dim, patch, stride=patch)
        patches = (image // patch) ** 2
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, patches + 1, dim) * 0.1)
        self.block = nn.TransformerEncoderLayer(dim, 4, 2 * dim, activation="gelu",
                                                batch_first=True, dropout=0.0)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        return self.head(self.norm(self.block(x)[:, 0]))


def build_tiny_swin() -> nn.Module:
    """torchvision's Swin Transformer, scaled down: shifted windows (roll, the
    attention mask built by index assignment, Mod in the padding arithmetic),
    patch merging (strided slices), and attention dropout called in training
    mode with p = 0."""
    from torchvision.models.swin_transformer import SwinTransformer
    return SwinTransformer(patch_size=[4, 4], embed_dim=32, depths=[2, 2], num_heads=[2, 4],
                           window_size=[4, 4], num_classes=10)


class Shapes(nn.Module):
    """The layout and reduction operators around convolutions: a reversed axis
    (Slice with step -1), channels gathered with repeats and a strided gather of
    columns, LayerNorm over two axes, softmax over channels, and mean, max and
    sum over axes other than the last or an image's spatial pair."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.LayerNorm([16, 16])
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Linear(8 * 16 + 16 + 8 * 10, classes)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        y = torch.flip(y, dims=[3])
        y = y[:, [3, 1, 4, 1, 5, 0, 2, 6]]
        y = self.conv2(self.norm(y))
        mean = torch.softmax(y, dim=1).mean(dim=2)
        peak = y.amax(dim=(1, 3))
        total = y[:, :, :, [0, 2, 4, 6, 8, 10, 12, 14, 15, 13]].sum(dim=2)
        return self.head(torch.cat([mean.flatten(1), peak, total.flatten(1)], 1))


class Upsample(nn.Module):
    """A segmentation head's resizing: nearest upsampling by 2 (PyTorch's
    asymmetric floor), bilinear to a size (half-pixel, as torchvision's heads
    do), bilinear with align_corners, and a bilinear downsampling."""

    def __init__(self, classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=4, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.classify = nn.Conv2d(8, classes, 1)

    def forward(self, x):
        size = x.shape[-2:]
        y = torch.relu(self.conv1(x))
        y = nn.functional.interpolate(y, scale_factor=2, mode="nearest")
        y = torch.relu(self.conv2(y))
        y = y + nn.functional.interpolate(
            nn.functional.interpolate(y, size=(5, 11), mode="bilinear", align_corners=True),
            size=y.shape[-2:], mode="bilinear", align_corners=False)
        return nn.functional.interpolate(self.classify(y), size=size, mode="bilinear",
                                         align_corners=False)


class Einsums(nn.Module):
    """Attention written with torch.einsum, as MaxViT and many transformer code
    bases do: batched contractions, a one-operand transpose, a contraction with
    a constant, an ellipsis, and a sum over a dropped subscript."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Parameter(torch.randn(d, d) / d ** 0.5)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        scores = torch.einsum("bhid,bhjd->bhij", q, k) * (d // self.heads) ** -0.5
        o = torch.einsum("bhij,bhjd->bhid", scores.softmax(-1), v)
        o = torch.einsum("bhnd->bnhd", o).reshape(b, n, d)
        y = torch.einsum("bnd,de->bne", o, self.proj)
        return torch.einsum("...ne->...en", y) + torch.einsum("bnd->bd", y)[..., None] / n


class Powers(nn.Module):
    """Pow by constant exponents (3, 4, 0.5, -0.5, -1) and Expand and Tile of
    computed tensors."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(6, 6)

    def forward(self, x):
        y = self.linear(x)
        s = torch.sigmoid(y)
        z = (y.pow(3) * 0.1 + y.pow(4) * 0.05 + s.pow(0.5) + s.pow(-0.5) * 0.1 + s.pow(-1) * 0.1
             + y[:, :1].expand(1, 4, 6))
        return z.repeat(1, 2, 3)


class Activations(nn.Module):
    """SiLU (EfficientNet's, exported as Sigmoid and Mul) and Mish (Softplus,
    Tanh and Mul below opset 18) between convolutions."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        y = nn.functional.mish(self.conv2(nn.functional.silu(self.conv1(x))))
        return self.head(y.mean(dim=(2, 3)))


class Dense(nn.Module):
    """DenseNet's pattern at a small size: BatchNorm, ReLU, then Conv (a
    BatchNorm no Conv precedes, so nothing folds it), each layer's features
    concatenated to its input, and a transition with average pooling."""

    def __init__(self, classes=10, growth=8):
        super().__init__()

        def layer(cin, cout, k):
            return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(),
                                 nn.Conv2d(cin, cout, k, padding=k // 2, bias=False))
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.layers = nn.ModuleList([layer(16, growth, 3), layer(16 + growth, growth, 3)])
        self.transition = nn.Sequential(layer(16 + 2 * growth, 16, 1), nn.AvgPool2d(2))
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        y = self.stem(x)
        for dense in self.layers:
            y = torch.cat([y, dense(y)], 1)
        return self.head(self.transition(y).mean(dim=(2, 3)))


class Pools(nn.Module):
    """Average pooling as ONNX's AveragePool has it: padding not counted
    (count_include_pad=False), counted padding with ceil mode's extra (never
    counted), and both, where the last window's uncounted padding is as tall
    as the window."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 2)
        self.head = nn.Linear(8, classes)

    def forward(self, x):
        pool = nn.functional.avg_pool2d
        y = pool(self.conv1(x), 3, stride=1, padding=1, count_include_pad=False)  # 16 x 16
        y = pool(y, 3, stride=2, padding=1, ceil_mode=True)  # 9 x 9
        y = self.conv2(torch.relu(y))  # 8 x 8
        y = pool(y, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)  # 5 x 5
        return self.head(y.mean(dim=(2, 3)))


BERT_BASE = dict(d_model=768, nhead=12, dim_feedforward=3072)


def build_bert(layers: int = 2) -> nn.Module:
    """A BERT-base-shaped encoder (d 768, 12 heads, 3072 feed-forward, GELU):
    2 layers here, 12 in bench/families.sh."""
    layer = nn.TransformerEncoderLayer(**BERT_BASE, activation="gelu", batch_first=True,
                                       dropout=0.0)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


class Gpt2Block(nn.Module):
    """A GPT-2-small-shaped decoder block: pre-LayerNorm, causal self-attention
    (an additive mask of -inf above the diagonal), tanh-approximated GELU."""

    def __init__(self, d=768, heads=12, seq=16):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True, dropout=0.0)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * d, d))
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), float("-inf")), 1))

    def forward(self, x):
        y = self.ln1(x)
        x = x + self.attn(y, y, y, attn_mask=self.mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


@dataclass(frozen=True)
class Network:
    name: str
    build: Callable[[], nn.Module]
    input_shape: Tuple[int, ...]
    seed: int  # fixed per network, so adding a network changes no other's files


NETWORKS = [
    Network("mlp", build_mlp, (1, 784), 1001),
    Network("lenet", LeNet5, (1, 1, 28, 28), 1002),
    Network("resnet18", lambda: torchvision.models.resnet18(weights=None), (1, 3, 224, 224), 1003),
    Network("resnet50", lambda: torchvision.models.resnet50(weights=None), (1, 3, 224, 224), 1004),
    Network("mobilenetv2", lambda: torchvision.models.mobilenet_v2(weights=None), (1, 3, 224, 224), 1005),
    Network("transformer", build_transformer, (1, 16, 128), 1006),
    Network("vit", TinyViT, (1, 3, 32, 32), 1007),
    Network("mobilenetv3", lambda: torchvision.models.mobilenet_v3_small(weights=None),
            (1, 3, 224, 224), 1008),
    Network("swin", build_tiny_swin, (1, 3, 32, 32), 1009),
    Network("shapes", Shapes, (1, 3, 16, 16), 1010),
    Network("upsample", Upsample, (1, 3, 24, 40), 1011),
    Network("bert", build_bert, (1, 16, 768), 1012),
    Network("gpt2", Gpt2Block, (1, 16, 768), 1013),
    Network("einsum", Einsums, (1, 32, 32), 1014),
    Network("powers", Powers, (1, 4, 6), 1015),
    Network("activations", Activations, (1, 3, 16, 16), 1016),
    Network("pools", Pools, (1, 3, 16, 16), 1017),
    Network("dense", Dense, (1, 3, 16, 16), 1018),
    Network("widefc", build_wide_fc, (1, 256), 1019),
]


def randomize_normalization(model: nn.Module, generator: torch.Generator) -> None:
    """Give every BatchNorm non-trivial running statistics and affine parameters, and
    every LayerNorm a non-trivial affine, so that folding them into neighbouring layers
    is actually exercised (the defaults, mean 0, var 1, weight 1, bias 0, fold to nothing)."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                n = module.num_features
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(n, generator=generator) * 0.1)
            elif isinstance(module, nn.LayerNorm) and module.elementwise_affine:
                shape = module.normalized_shape
                module.weight.copy_(torch.rand(shape, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(shape, generator=generator) * 0.1)


def human_size(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:.1f} KiB"
    return f"{n_bytes / (1024 * 1024):.1f} MiB"


def write_calibration(directory: Path, inputs) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.npy"):
        stale.unlink()
    for i, x in enumerate(inputs):
        np.save(directory / f"{i:03d}.npy", x.numpy())


def export_network(net: Network, out_dir: Path, opset: int, fold_bn: bool) -> str:
    """Write one network's files; return the line that reports them."""
    torch.manual_seed(net.seed)
    model = net.build()
    generator = torch.Generator().manual_seed(net.seed)
    randomize_normalization(model, generator)
    model.eval()

    # The test input and the calibration inputs are consecutive draws of one generator.
    x = torch.randn(net.input_shape, generator=generator)
    calibration = [torch.randn(net.input_shape, generator=generator)
                   for _ in range(CALIBRATION_INPUTS)]

    with torch.no_grad():
        y = model(x)
    std = float(y.std())
    if not np.isfinite(std) or std > MAX_OUTPUT_STD:
        raise RuntimeError(f"{net.name}: output std {std:g} is not sane; "
                           "the random weights make activations explode")

    onnx_path = out_dir / f"{net.name}.onnx"
    started = time.monotonic()
    # EVAL lets the exporter fold each BatchNorm into the conv before it; PRESERVE
    # (with the model in eval mode) keeps BatchNormalization nodes, so the tool chain's
    # own folding is what gets tested.
    training = torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE
    # Exported with autograd on: under no_grad an eval-mode TransformerEncoderLayer takes
    # its fused fast path (aten::_transformer_encoder_layer_fwd), which ONNX cannot express.
    with warnings.catch_warnings():
        # The warning is about models in training mode; ours is in eval mode.
        warnings.filterwarnings("ignore", message="It is recommended that constant folding")
        torch.onnx.export(model, (x,), str(onnx_path), opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          training=training, do_constant_folding=True)
    export_seconds = time.monotonic() - started

    input_path = out_dir / f"{net.name}.input.npy"
    output_path = out_dir / f"{net.name}.output.npy"
    calib_dir = out_dir / f"{net.name}.calib"
    np.save(input_path, x.numpy())
    np.save(output_path, y.numpy().astype(np.float32))
    write_calibration(calib_dir, calibration)

    calib_bytes = sum(p.stat().st_size for p in calib_dir.glob("*.npy"))
    return (f"{net.name}: output {list(y.shape)} std {std:.3g}, "
            f"onnx {human_size(onnx_path.stat().st_size)}, "
            f"input {human_size(input_path.stat().st_size)}, "
            f"output {human_size(output_path.stat().st_size)}, "
            f"calib {CALIBRATION_INPUTS} x {human_size(calib_bytes // CALIBRATION_INPUTS)}, "
            f"export {export_seconds:.1f} s")


def main(networks=NETWORKS, default_opset: int = DEFAULT_OPSET, doc: str = __doc__) -> int:
    """Export the networks named on the command line (all by default)."""
    names = [net.name for net in networks]
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=names,
                        help=f"export only these networks (of: {', '.join(names)})")
    parser.add_argument("--opset", type=int, default=default_opset,
                        help=f"ONNX opset version (default {default_opset})")
    parser.add_argument("--fold-bn", action="store_true",
                        help="let the exporter fold BatchNorm into convolutions "
                             "(default: keep BatchNormalization nodes)")
    args = parser.parse_args()

    # One thread: the same numbers on every machine, and room for a parallel build.
    torch.set_num_threads(1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    selected = [net for net in networks if args.only is None or net.name in args.only]
    try:
        for net in selected:
            print(export_network(net, args.out_dir, args.opset, args.fold_bn), flush=True)
    except RuntimeError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
