#!/usr/bin/env python3
"""The PyTorch reference trainer: the semantics of the reference's run.py and Trainer
(github.com/tilman151/unittest_dl, src/), for comparing DeepTrust's `vae-train` against.

What it does, as the reference does:
  data   MNIST; train: Pad(2), RandomRotation(5), ToTensor, 2x-1; test: the same without rotation.
         torchvision is not needed: the transforms are written out with Pillow and torch exactly as
         torchvision runs them on a PIL image (ImageOps.expand; Image.rotate with NEAREST, fill 0 and
         an angle drawn from torch's generator; uint8 -> float / 255).
  model  MLPVAE / CNNVAE of the reference (PyTorch's default initialisation).
  train  Adam(lr); per batch: zero_grad, mu|log_sigma = encoder(x), z = exp(log_sigma)*noise + mu,
         recon = sum((decoder(z) - x)^2), kl = 0.5*sum(exp(2 log_sigma) + mu^2 - 1 - 2 log_sigma),
         (recon + kl).backward(), step. Training order shuffled, `--workers` loader processes.
  eval   after every epoch: model.eval(), no gradients, sum of recon over the test batches divided by
         the number of test examples (noise sampled as in training unless --deterministic-eval).
Added for comparisons: --seed (torch.manual_seed), --threads, --limit-train/--limit-test, and a
JSON report. Progress goes to stderr; the JSON report is the last line of stdout:
  {"torch": version, "model": ..., "parameters": n, "settings": {...},
   "epochs": [{"epoch": 0, "steps": s, "samples": n, "train_loss": per-example mean, "test_loss": t,
               "train_seconds": s, "eval_seconds": s, "samples_per_second": r}, ...]}

Usage: python3 Tools/python/reference/torch_vae_train.py mlp|cnn [--epochs 10] [--seed 42] [--mnist-dir DIR]
       [--bottleneck 16] [--lr 1e-3] [--batch-size 128] [--workers 2] [--threads N]
       [--limit-train N] [--limit-test N] [--deterministic-eval] [--json FILE]
MNIST comes from --mnist-dir or $MNIST_DIR (the four standard IDX files, raw or .gz).

The models, the IDX reader and the MNIST transforms here are the only copy: Tools/python/bench
(torch_step.py, torch_data.py, torch_epoch.py), Tools/python/fixtures/make_vae_fixtures.py and
Tools/python/reference/gpu-check-torch.py import them.
"""
import argparse
import gzip
import json
import os
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

# numpy and Pillow are imported where the CPU data pipeline needs them, so that the models and the
# IDX reader can be imported on a host whose Python has torch alone (Tools/python/reference/gpu-check-torch.py).

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(directory, name):
    """The IDX file `name` (raw, or name.gz) as a uint8 tensor, like torchvision's reader."""
    raw = os.path.join(directory, name)
    if os.path.exists(raw):
        with open(raw, "rb") as f:
            data = f.read()
    else:
        with gzip.open(raw + ".gz", "rb") as f:
            data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=4 + 4 * rank).view(*dims)


class ReferenceTransform:
    """Pad(2), optionally RandomRotation(5), ToTensor, 2x - 1, on a PIL image."""

    def __init__(self, rotate):
        self.rotate = rotate

    def __call__(self, img):
        import numpy as np
        from PIL import Image, ImageOps

        img = ImageOps.expand(img, border=2, fill=0)
        if self.rotate:
            angle = float(torch.empty(1).uniform_(-5.0, 5.0).item())
            img = img.rotate(angle, Image.NEAREST, expand=False, center=None, fillcolor=0)
        tensor = torch.from_numpy(np.array(img, np.uint8, copy=True))
        tensor = tensor.view(img.size[1], img.size[0], 1).permute((2, 0, 1)).contiguous()
        return tensor.to(dtype=torch.get_default_dtype()).div(255) * 2 - 1


def load_split(directory, split):
    """The (images, labels) uint8 tensors of the MNIST split "train" or "test" in `directory`."""
    images, labels = FILES[split]
    return read_idx(directory, images), read_idx(directory, labels)


class MNIST(Dataset):
    """Like torchvision.datasets.MNIST: uint8 images in memory, a PIL image per item."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        from PIL import Image

        img = Image.fromarray(self.images[index].numpy(), mode="L")
        return self.transform(img), int(self.labels[index])


class VAE(nn.Module):
    def __init__(self, bottleneck):
        super().__init__()
        self.bottleneck_dim = bottleneck

    def encode(self, inputs):
        return torch.split(self.encoder(inputs), self.bottleneck_dim, dim=1)

    def bottleneck(self, mu, log_sigma):
        return log_sigma.exp() * torch.randn_like(mu) + mu

    def decode(self, latent):
        return self.decoder(latent)

    def forward(self, inputs):
        mu, log_sigma = self.encode(inputs)
        return self.decode(self.bottleneck(mu, log_sigma))


class MLPVAE(VAE):
    """The reference MLPVAE (github.com/tilman151/unittest_dl) for a [C, H, W] input, with the reference's in-place ReLUs."""

    def __init__(self, input_shape, bottleneck):
        super().__init__(bottleneck)
        flat = input_shape[0] * input_shape[1] * input_shape[2]
        self.encoder = nn.Sequential(
            nn.Flatten(), nn.Linear(flat, 512), nn.ReLU(True), nn.Linear(512, 256), nn.ReLU(True),
            nn.Linear(256, 128), nn.ReLU(True), nn.Linear(128, 2 * bottleneck))
        self.decoder = nn.Sequential(
            nn.Linear(bottleneck, 128), nn.ReLU(True), nn.Linear(128, 256), nn.ReLU(True),
            nn.Linear(256, 512), nn.ReLU(True), nn.Linear(512, flat), nn.Unflatten(1, tuple(input_shape)), nn.Tanh())


class CNNVAE(VAE):
    """The reference CNNVAE (github.com/tilman151/unittest_dl) for a [C, H, W] input, H and W divisible by 4, with the
    reference's in-place ReLUs."""

    def __init__(self, input_shape, bottleneck):
        super().__init__(bottleneck)
        c, h, w = input_shape
        qh, qw = h // 4, w // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(c, 16, 5, padding=2), nn.ReLU(True),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(True),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(True),
            nn.Flatten(), nn.Linear(64 * qh * qw, 2 * bottleneck))
        self.decoder = nn.Sequential(
            nn.Linear(bottleneck, 64 * qh * qw), nn.ReLU(True), nn.Unflatten(1, (64, qh, qw)),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(True),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(True),
            nn.Conv2d(16, c, 5, padding=2), nn.Tanh())


def losses(model, inputs, deterministic=False):
    """(kl, recon) of one batch, as the reference's Trainer._calc_loss."""
    mu, log_sigma = model.encode(inputs)
    latent = mu if deterministic else model.bottleneck(mu, log_sigma)
    outputs = model.decode(latent)
    recon = torch.nn.functional.mse_loss(outputs, inputs, reduction="sum")
    kl = 0.5 * torch.sum((2 * log_sigma).exp() + mu ** 2 - 1 - 2 * log_sigma)
    return kl, recon


class ReferenceTrainer:
    """The reference Trainer without its TensorBoard writer and checkpoints."""

    def __init__(self, model, train_data, test_data, lr, batch_size, workers):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr)
        self.train_loader = DataLoader(train_data, batch_size, shuffle=True, num_workers=workers,
                                       persistent_workers=workers > 0)
        self.test_loader = DataLoader(test_data, batch_size, shuffle=False, num_workers=workers,
                                      persistent_workers=workers > 0)
        self.test_count = len(test_data)

    def train_epoch(self, progress=None):
        """One epoch; returns (steps, samples, sum of batch losses)."""
        self.model.train()
        steps = samples = 0
        total = 0.0
        for inputs, _ in self.train_loader:
            self.optimizer.zero_grad()
            kl, recon = losses(self.model, inputs)
            loss = recon + kl
            loss.backward()
            self.optimizer.step()
            steps += 1
            samples += inputs.shape[0]
            total += loss.item()
            if progress:
                progress(steps, samples, total)
        return steps, samples, total

    @torch.no_grad()
    def evaluate(self, deterministic=False):
        self.model.eval()
        total = 0.0
        for inputs, _ in self.test_loader:
            total += losses(self.model, inputs, deterministic)[1].item()
        return total / self.test_count


def build(args):
    """Seeds torch, loads the data and makes the model and trainer."""
    directory = args.mnist_dir or os.environ.get("MNIST_DIR")
    if not directory:
        sys.exit("set MNIST_DIR or pass --mnist-dir: the directory with the four MNIST IDX files")
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    train = MNIST(*load_split(directory, "train"), ReferenceTransform(rotate=True))
    test = MNIST(*load_split(directory, "test"), ReferenceTransform(rotate=False))
    if args.limit_train:
        train = Subset(train, range(min(args.limit_train, len(train))))
    if args.limit_test:
        test = Subset(test, range(min(args.limit_test, len(test))))
    model_class = {"mlp": MLPVAE, "cnn": CNNVAE}[args.model]
    model = model_class((1, 32, 32), args.bottleneck)
    return model, ReferenceTrainer(model, train, test, args.lr, args.batch_size, args.workers)


def add_arguments(parser):
    parser.add_argument("model", choices=["mlp", "cnn"])
    parser.add_argument("--bottleneck", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--mnist-dir", default=None)
    parser.add_argument("--limit-train", type=int, default=None)
    parser.add_argument("--limit-test", type=int, default=None)


def main():
    parser = argparse.ArgumentParser(description="The PyTorch reference VAE trainer (run.py semantics).")
    add_arguments(parser)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--deterministic-eval", action="store_true")
    parser.add_argument("--json", default=None, help="also write the JSON report to this file")
    args = parser.parse_args()

    model, trainer = build(args)
    epochs = []
    for epoch in range(args.epochs):
        start = time.perf_counter()

        def progress(steps, samples, total):
            if steps % 100 == 0:
                rate = samples / (time.perf_counter() - start)
                print(f"epoch {epoch + 1}/{args.epochs} step {steps}/{len(trainer.train_loader)} "
                      f"loss {total / samples:.2f}/example {rate:.0f} examples/s", file=sys.stderr, flush=True)

        steps, samples, total = trainer.train_epoch(progress)
        trained = time.perf_counter()
        test_loss = trainer.evaluate(args.deterministic_eval)
        done = time.perf_counter()
        record = {"epoch": epoch, "steps": steps, "samples": samples, "train_loss": total / samples,
                  "test_loss": test_loss, "train_seconds": trained - start, "eval_seconds": done - trained,
                  "samples_per_second": samples / (trained - start)}
        epochs.append(record)
        print(f"epoch {epoch + 1}/{args.epochs} done: train loss {record['train_loss']:.2f}/example, "
              f"test loss {test_loss:.2f}, {record['train_seconds']:.1f} s "
              f"({record['samples_per_second']:.0f} examples/s)", file=sys.stderr, flush=True)

    report = {"torch": torch.__version__, "model": args.model,
              "parameters": sum(p.numel() for p in model.parameters()),
              "settings": {"bottleneck": args.bottleneck, "lr": args.lr, "batch_size": args.batch_size,
                           "seed": args.seed, "workers": args.workers, "threads": torch.get_num_threads(),
                           "deterministic_eval": args.deterministic_eval,
                           "limit_train": args.limit_train, "limit_test": args.limit_test},
              "epochs": epochs}
    text = json.dumps(report, sort_keys=True)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
