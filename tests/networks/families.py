#!/usr/bin/env python3
"""Export the network families of issue 17's breadth benchmark (bench/families.sh):
the smallest member of every torchvision 0.14 classification family, its two
segmentation heads, a 12-layer BERT-base-shaped encoder and the GPT-2 block, with
random weights, as generate.py writes its networks (an input, PyTorch's fp32
output, 8 calibration inputs).

    python3 tests/networks/families.py OUT_DIR [--only NAME ...] [--opset N]  (default 17)

Too large for CI (tens of MB each, seconds to minutes per run): the small
representatives of each family are CI's (generate.py).
"""

import sys

import torch
import torchvision
from torch import nn

import generate as G


def unit_outputs(model: nn.Module, shape) -> None:
    """Scales each convolution's and linear layer's weight and bias so that its
    output has unit standard deviation on one random input (layer-sequential
    unit variance, as LSUV initializes): Inception v3's random weights
    otherwise grow its activations to 1e13."""
    def rescale(module, inputs, output):
        std = float(output.std())
        if std > 0:
            module.weight.div_(std)
            if module.bias is not None:
                module.bias.div_(std)
            return output / std
        return output
    hooks = [m.register_forward_hook(rescale) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.randn(shape, generator=torch.Generator().manual_seed(0)))
    for hook in hooks:
        hook.remove()


def classifier(name: str, shape):
    """torchvision's model with random weights; a head that torchvision
    initializes to zero is drawn again, or every output would be 0."""
    def build() -> nn.Module:
        # GoogLeNet and Inception v3 with their own truncated-normal init.
        extra = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}
        model = getattr(torchvision.models, name)(weights=None, **extra)
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.Linear) and not module.weight.any():
                    nn.init.normal_(module.weight, std=0.01)
        if name == "inception_v3":
            unit_outputs(model, shape)
        return model
    return build


class Segmentation(nn.Module):
    """A torchvision segmentation model's per-pixel logits ('out')."""

    def __init__(self, name: str):
        super().__init__()
        self.model = getattr(torchvision.models.segmentation, name)(
            weights=None, weights_backbone=None, num_classes=21, aux_loss=False)

    def forward(self, x):
        return self.model(x)["out"]


CLASSIFIERS = ["alexnet", "convnext_tiny", "densenet121", "efficientnet_b0", "efficientnet_v2_s",
               "googlenet", "inception_v3", "maxvit_t", "mnasnet0_5", "mobilenet_v2",
               "mobilenet_v3_small", "regnet_x_400mf", "regnet_y_400mf", "resnet18",
               "resnext50_32x4d", "shufflenet_v2_x0_5", "squeezenet1_0", "swin_t", "vgg11",
               "vit_b_32", "wide_resnet50_2"]

FAMILIES = (
    [G.Network(name, classifier(name, shape), shape, 2000 + k)
     for k, name in enumerate(CLASSIFIERS)
     for shape in [(1, 3, 299, 299) if name == "inception_v3" else (1, 3, 224, 224)]]
    + [G.Network(name, (lambda name=name: Segmentation(name)), (1, 3, 224, 224), 2100 + k)
       for k, name in enumerate(["lraspp_mobilenet_v3_large", "fcn_resnet50"])]
    + [G.Network("bert_base_12", lambda: G.build_bert(12), (1, 128, 768), 2200),
       G.Network("gpt2_block", lambda: G.Gpt2Block(seq=128), (1, 128, 768), 2201)])


if __name__ == "__main__":
    sys.exit(G.main(FAMILIES, 17, __doc__))
