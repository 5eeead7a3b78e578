#!/usr/bin/env python3
"""PyTorch reference for Tools/gpu-check: one MNIST training epoch of the reference MLPVAE and
CNNVAE (the architectures of github.com/tilman151/unittest_dl) on a chosen device, timed, one JSON line per run.

Precision: "fp32" switches TF32 off for matrix products and cuDNN convolutions (strict FP32, as
DeepTrust computes); "tf32" is PyTorch's default on Ampere and later (TF32 convolutions, FP32
matrix products). The timing covers the training loop only (after the model, optimizer and data
are on the device; synchronised at both ends), as vae-train's "examples/s while training".

The architectures, loss (summed squared error + KL), Adam(lr 1e-3) and batch size 128 are the
reference's. The data pipeline (pad 2, random rotation +-5 degrees with nearest-neighbour
sampling, scale to [-1, 1]) runs batched on the device instead of in CPU workers, so the timing
is of the model, not of PIL; say so when comparing.

Usage: python3 Tools/gpu-check-torch.py --mnist DIR [--device cuda] [--runs mlp:fp32,cnn:fp32,cnn:tf32]
DIR holds train-images-idx3-ubyte.gz (or the uncompressed file).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_images(directory):
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            count = int.from_bytes(data[4:8], "big")
            return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(count, 1, 28, 28)
    sys.exit(f"gpu-check-torch: no train-images-idx3-ubyte(.gz) in {directory}")


class MLPVAE(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                                     nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 2 * d))
        self.decoder = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(),
                                     nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 1024))

    def decode(self, z):
        return torch.tanh(self.decoder(z).view(-1, 1, 32, 32))


class CNNVAE(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(),
                                     nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Flatten(), nn.Linear(4096, 2 * d))
        self.linear = nn.Linear(d, 4096)
        self.decoder = nn.Sequential(nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                     nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                     nn.Conv2d(16, 1, 5, padding=2))

    def decode(self, z):
        return torch.tanh(self.decoder(F.relu(self.linear(z)).view(-1, 64, 8, 8)))


def forward(model, x):
    mu, log_sigma = model.encoder(x).chunk(2, dim=1)
    z = torch.exp(log_sigma) * torch.randn_like(mu) + mu
    return model.decode(z), mu, log_sigma


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
    model = (MLPVAE() if model_name == "mlp" else CNNVAE()).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(images.shape[0])
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    sync()
    start = time.perf_counter()
    loss_value = float("nan")
    for first in range(0, images.shape[0], batch_size):
        x = augment(images[order[first:first + batch_size]], device)
        reconstruction, mu, log_sigma = forward(model, x)
        recon = ((reconstruction - x) ** 2).sum()
        kl = 0.5 * (torch.exp(2 * log_sigma) + mu ** 2 - 1 - 2 * log_sigma).sum()
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
