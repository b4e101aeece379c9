#!/usr/bin/env python3
"""Time SGD training steps of cadet's CNNs in PyTorch, as a reference for burn.

    python3 train_step_torch.py --model cifarnet|alexnet-l|googlenet-l --batch N
                                [--steps S] [--warmup W] [--threads T]
                                [--device cpu|cuda] [--lr R]
    python3 train_step_torch.py --check

The three networks are layer-for-layer copies of cadet's definitions in
src/core/models/ (cifarnet.rs, alexnet.rs with AlexVariant::Low, googlenet.rs
with GoogVariant::Low, blocks.rs), built for 2 classes and initialised the same
way (He-normal weights, zero biases, N(0, 0.01) for the last layer).

Each step draws a batch of N(0, 1) images of the model's input size and random
labels, then runs forward, cross-entropy, backward and an SGD update
(lr 0.001 by default as `cadet bench train`: at 0.01 alexnet-l's loss reaches
1e10 by the fifth step and NaN by the sixth; momentum 0.9, dampening 0, weight
decay 5e-4), reading the loss back
as a Python float, just as benches/compare.rs does on the burn side.  W warm-up
steps are run untimed, then S steps are timed.  Prints one JSON line:

    {"framework": "pytorch", "torch": ..., "model": ..., "batch": ...,
     "steps": ..., "seconds": ..., "images_per_second": ...,
     "peak_rss_mb": ..., "peak_cuda_mb": ... or null, "threads": ...}

--check builds every model, verifies its output shape for its input size,
prints its trainable parameter count (2 classes) and exits.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

CLASSES = 2


# ----------------------------------------------------------------------------
# Layers built and initialised like cadet's blocks.rs
# ----------------------------------------------------------------------------


def conv(c_in, c_out, kernel, stride=1, padding=0, bias=True):
    """A square convolution with He-normal weights and zero bias (blocks.rs `conv`)."""
    layer = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=bias)
    nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / (c_in * kernel * kernel)))
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


def linear(d_in, d_out, std=None):
    """A fully connected layer with He-normal (or N(0, std)) weights and zero bias."""
    layer = nn.Linear(d_in, d_out)
    nn.init.normal_(layer.weight, 0.0, std if std is not None else math.sqrt(2.0 / d_in))
    nn.init.zeros_(layer.bias)
    return layer


def max_pool(kernel, stride, padding=0):
    """Max pooling rounding the output size up, as Caffe does (blocks.rs `max_pool(.., true)`)."""
    return nn.MaxPool2d(kernel, stride=stride, padding=padding, ceil_mode=True)


class BasicConv2d(nn.Module):
    """torchvision's BasicConv2d: convolution without bias, batch norm (eps 1e-3), ReLU."""

    def __init__(self, c_in, c_out, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = conv(c_in, c_out, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


# ----------------------------------------------------------------------------
# CifarNet (cifarnet.rs): Caffe's cifar10_quick for 32x32 inputs
# ----------------------------------------------------------------------------


class CifarNet(nn.Module):
    INPUT = 32

    def __init__(self, classes):
        super().__init__()
        avg_pool = lambda: nn.AvgPool2d(3, stride=2, ceil_mode=True, count_include_pad=False)
        self.conv1 = conv(3, 32, 5, padding=2)
        self.pool1 = max_pool(3, 2)
        self.conv2 = conv(32, 32, 5, padding=2)
        self.pool2 = avg_pool()
        self.conv3 = conv(32, 64, 5, padding=2)
        self.pool3 = avg_pool()
        self.fc4 = linear(64 * 4 * 4, 64)
        self.fc5 = linear(64, classes, std=0.01)

    def forward(self, x):
        # note the order: pool1 comes before its ReLU, pools 2 and 3 after theirs
        x = F.relu(self.pool1(self.conv1(x)))  # [b, 32, 16, 16]
        x = self.pool2(F.relu(self.conv2(x)))  # [b, 32, 8, 8]
        x = self.pool3(F.relu(self.conv3(x)))  # [b, 64, 4, 4]
        x = torch.flatten(x, 1)  # [b, 1024]
        return self.fc5(F.relu(self.fc4(x)))


# ----------------------------------------------------------------------------
# AlexNet-L (alexnet.rs, AlexVariant::Low): first stride 2, padding 5, ceil pools
# ----------------------------------------------------------------------------


class AlexNetL(nn.Module):
    INPUT = 64
    POOL5 = 4  # spatial size of the map entering the classifier

    def __init__(self, classes):
        super().__init__()
        s = self.POOL5
        self.conv1 = conv(3, 64, 11, stride=2, padding=5)
        self.pool1 = max_pool(3, 2)
        self.conv2 = conv(64, 192, 5, padding=2)
        self.pool2 = max_pool(3, 2)
        self.conv3 = conv(192, 384, 3, padding=1)
        self.conv4 = conv(384, 256, 3, padding=1)
        self.conv5 = conv(256, 256, 3, padding=1)
        self.pool5 = max_pool(3, 2)
        self.dropout = nn.Dropout(0.5)
        self.fc6 = linear(256 * s * s, 4096)
        self.fc7 = linear(4096, 4096)
        self.fc8 = linear(4096, classes, std=0.01)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))  # [b, 64, 16, 16]
        x = self.pool2(F.relu(self.conv2(x)))  # [b, 192, 8, 8]
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = self.pool5(F.relu(self.conv5(x)))  # [b, 256, 4, 4]
        x = F.adaptive_avg_pool2d(x, (self.POOL5, self.POOL5))
        x = torch.flatten(x, 1)  # [b, 4096]
        # classify(): dropout -> fc6 -> ReLU -> dropout -> fc7 -> ReLU -> fc8
        x = F.relu(self.fc6(self.dropout(x)))
        x = F.relu(self.fc7(self.dropout(x)))
        return self.fc8(x)


# ----------------------------------------------------------------------------
# GoogLeNet-L (googlenet.rs, GoogVariant::Low): torchvision's GoogLeNet with a
# small stem (32 filters, kernel 5, stride 1, padding 2; first pool stride 1)
# ----------------------------------------------------------------------------

# (input, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool projection) per module
INCEPTION_MODULES = [
    (192, 64, 96, 128, 16, 32, 32),  # 3a
    (256, 128, 128, 192, 32, 96, 64),  # 3b
    (480, 192, 96, 208, 16, 48, 64),  # 4a
    (512, 160, 112, 224, 24, 64, 64),  # 4b
    (512, 128, 128, 256, 24, 64, 64),  # 4c
    (512, 112, 144, 288, 32, 64, 64),  # 4d
    (528, 256, 160, 320, 32, 128, 128),  # 4e
    (832, 256, 160, 320, 32, 128, 128),  # 5a
    (832, 384, 192, 384, 48, 128, 128),  # 5b
]


class Inception(nn.Module):
    """1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 (torchvision's "5x5") | 3x3 max pool -> 1x1."""

    def __init__(self, c_in, b1, b2_reduce, b2, b3_reduce, b3, b4):
        super().__init__()
        self.branch1 = BasicConv2d(c_in, b1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(c_in, b2_reduce, 1), BasicConv2d(b2_reduce, b2, 3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(c_in, b3_reduce, 1), BasicConv2d(b3_reduce, b3, 3, padding=1))
        self.branch4 = nn.Sequential(max_pool(3, 1, padding=1), BasicConv2d(c_in, b4, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class GoogLeNetL(nn.Module):
    INPUT = 64

    def __init__(self, classes):
        super().__init__()
        stage = lambda lo, hi: nn.Sequential(*(Inception(*INCEPTION_MODULES[i]) for i in range(lo, hi)))
        self.conv1 = BasicConv2d(3, 32, 5, stride=1, padding=2)
        self.maxpool1 = max_pool(3, 1)  # stride 1 in the Low variant
        self.conv2 = BasicConv2d(32, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = max_pool(3, 2)
        self.inception3 = stage(0, 2)
        self.maxpool3 = max_pool(3, 2)
        self.inception4 = stage(2, 7)
        self.maxpool4 = max_pool(2, 2)
        self.inception5 = stage(7, 9)
        self.dropout = nn.Dropout(0.2)
        self.fc = linear(1024, classes, std=0.01)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))  # [b, 32, 62, 62]
        x = self.maxpool2(self.conv3(self.conv2(x)))  # [b, 192, 31, 31]
        x = self.maxpool3(self.inception3(x))  # [b, 480, 15, 15]
        x = self.maxpool4(self.inception4(x))  # [b, 832, 8, 8]
        x = self.inception5(x)  # [b, 1024, 8, 8]
        x = torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1)  # [b, 1024]
        return self.fc(self.dropout(x))


MODELS = {"cifarnet": CifarNet, "alexnet-l": AlexNetL, "googlenet-l": GoogLeNetL}


# ----------------------------------------------------------------------------
# Benchmark
# ----------------------------------------------------------------------------


def trainable_parameters(model):
    """Number of trainable scalars (batch-norm running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def check():
    """Build each model, check its output shape and print its parameter count."""
    for name, cls in MODELS.items():
        model = cls(CLASSES).eval()
        with torch.no_grad():
            out = model(torch.zeros(2, 3, cls.INPUT, cls.INPUT))
        assert tuple(out.shape) == (2, CLASSES), f"{name}: output shape {tuple(out.shape)}"
        print(f"{name:<12} input 3x{cls.INPUT}x{cls.INPUT}  output {tuple(out.shape)}  "
              f"parameters {trainable_parameters(model)}")


def default_threads():
    """All cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def benchmark(args):
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("train_step_torch.py: --device cuda but CUDA is not available")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    cls = MODELS[args.model]
    model = cls(CLASSES).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, dampening=0, weight_decay=5e-4)
    size = cls.INPUT

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def step():
        # a fresh batch each step, as compare.rs does on the burn side
        x = torch.randn(args.batch, 3, size, size, device=device)
        y = torch.randint(0, CLASSES, (args.batch,), device=device)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()  # reading the loss back waits for the step to finish

    for _ in range(args.warmup):
        step()
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    seconds = time.perf_counter() - start

    # ru_maxrss is in kilobytes on Linux (bytes on macOS)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":
        rss_kb /= 1024
    peak_cuda = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None

    print(json.dumps({
        "framework": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "batch": args.batch,
        "steps": args.steps,
        "seconds": seconds,
        "images_per_second": args.steps * args.batch / seconds,
        "peak_rss_mb": rss_kb / 1024,
        "peak_cuda_mb": peak_cuda,
        "threads": torch.get_num_threads(),
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS))
    parser.add_argument("--batch", type=int)
    parser.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--threads", type=int, default=default_threads(), help="intra-op threads (default: all cores)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--lr", type=float, default=0.001, help="SGD learning rate (default 0.001)")
    parser.add_argument("--check", action="store_true", help="print parameter counts and exit")
    args = parser.parse_args()

    if args.check:
        check()
        return
    if args.model is None or args.batch is None:
        parser.error("--model and --batch are required (or use --check)")
    if args.batch < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--batch, --steps and --threads must be positive, --warmup non-negative")
    benchmark(args)


if __name__ == "__main__":
    main()
