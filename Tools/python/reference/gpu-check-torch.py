#!/usr/bin/env python3
"""PyTorch reference for Tools/gpu-check: one MNIST training epoch of the reference MLPVAE and
CNNVAE (the architectures of github.com/tilman151/unittest_dl) on a chosen device, timed, one JSON line per run.

Precision: "fp32" switches TF32 off for matrix products and cuDNN convolutions (strict FP32, as
DeepTrust computes); "tf32" is PyTorch's default on Ampere and later (TF32 convolutions, FP32
matrix products). The timing covers the training loop only (after the model, optimizer and data
are on the device; synchronised at both ends), as vae-train's "examples/s while training".

The architectures, loss (summed squared error + KL), Adam(lr 1e-3) and batch size 128 are the
reference's, imported from torch_vae_train.py beside this script (both live in Tools/python/reference/
and gpu-check stages them together). The data pipeline (pad 2, random rotation +-5 degrees with nearest-neighbour
sampling, scale to [-1, 1]) runs batched on the device instead of in CPU workers, so the timing
is of the model, not of PIL; say so when comparing.

Usage: python3 Tools/python/reference/gpu-check-torch.py --mnist DIR [--device cuda] [--runs mlp:fp32,cnn:fp32,cnn:tf32]
DIR holds train-images-idx3-ubyte.gz (or the uncompressed file).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

# The reference models, loss and IDX reader have one home, the reference trainer, beside this
# script both in the repository (Tools/python/reference/) and where gpu-check stages the two.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_vae_train import CNNVAE, MLPVAE, losses, read_idx  # noqa: E402


def read_images(directory):
    """The training images of MNIST in `directory` (raw or .gz) as uint8 [N, 1, 28, 28]."""
    name = "train-images-idx3-ubyte"
    if not any(os.path.exists(os.path.join(directory, name + ext)) for ext in ("", ".gz")):
        sys.exit(f"gpu-check-torch: no {name}(.gz) in {directory}")
    return read_idx(directory, name).unsqueeze(1)


def augment(batch, device):
    """uint8 [B, 1, 28, 28] -> float [B, 1, 32, 32] in [-1, 1], rotated by U(-5, 5) degrees."""
    x = F.pad(batch.to(device, non_blocking=True).float() / 255.0, (2, 2, 2, 2))
    angle = (torch.rand(x.shape[0], device=device) * 10 - 5) * math.pi / 180
    cos, sin = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(cos)
    theta = torch.stack([torch.stack([cos, -sin, zero], 1), torch.stack([sin, cos, zero], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False) * 2 - 1


def set_precision(precision):
    """fp32: no TF32 anywhere; tf32: PyTorch's defaults (TF32 cuDNN convolutions, FP32 matmul)."""
    tf32 = precision == "tf32"
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = False


def train_epoch(model_name, images, device, batch_size, seed, precision):
    set_precision(precision)
    torch.manual_seed(seed)
    model = (MLPVAE if model_name == "mlp" else CNNVAE)((1, 32, 32), 16).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(images.shape[0])
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    start = time.perf_counter()
    loss_value = float("nan")
    for first in range(0, images.shape[0], batch_size):
        x = augment(images[order[first:first + batch_size]], device)
        kl, recon = losses(model, x)
        loss = recon + kl
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    loss_value = loss.item()
    sync()
    seconds = time.perf_counter() - start
    return {"framework": "pytorch", "torch": torch.__version__, "model": model_name, "precision": precision,
            "device": device,
            "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu",
            "seconds": round(seconds, 3), "samples_per_s": round(images.shape[0] / seconds, 1),
            "last_batch_loss": round(loss_value, 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", default=os.environ.get("MNIST_DIR"), help="folder with the MNIST IDX files (MNIST_DIR)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--runs", default="mlp:fp32,cnn:fp32,cnn:tf32",
                        help="model:precision pairs (precision fp32 or tf32), in order")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not args.mnist:
        sys.exit("gpu-check-torch: pass --mnist DIR or set MNIST_DIR")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("gpu-check-torch: torch.cuda.is_available() is False")
    images = read_images(args.mnist)
    runs = [run.split(":") for run in args.runs.split(",")]
    for run in runs:
        if len(run) != 2 or run[0] not in ("mlp", "cnn") or run[1] not in ("fp32", "tf32"):
            sys.exit(f"gpu-check-torch: --runs: expected model:precision with mlp|cnn and fp32|tf32, got {':'.join(run)}")
    for name, precision in runs:
        print(json.dumps(train_epoch(name, images, args.device, args.batch_size, args.seed, precision)), flush=True)


if __name__ == "__main__":
    main()
