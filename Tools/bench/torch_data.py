#!/usr/bin/env python3
"""PyTorch side of `bench data`: the reference MNIST pipeline, timed on the same files.

The reference (github.com/tilman151/unittest_dl, src/dataset.py) uses torchvision:
  train: Compose([Pad(2), RandomRotation(5), ToTensor(), Lambda(lambda x: 2*x-1)])
  test:  the same without RandomRotation
torchvision is not required here: the same operations are written out with Pillow and torch, as
torchvision performs them on a PIL image (ImageOps.expand for Pad, Image.rotate with NEAREST and
fillcolor=0 for RandomRotation with an angle from torch's generator, uint8 -> float32 / 255 for
ToTensor), inside a map-style Dataset like torchvision.datasets.MNIST (uint8 tensor in memory,
Image.fromarray per item) and torch.utils.data.DataLoader.

Prints one JSON object on stdout (every time is the median of --repeats runs):
  {"torch": version, "pillow": version,
   "load_seconds": {"train": s, "test": s},                      read + decode both files of a split
   "direct": {"samples": n, "seconds": s, "samples_per_second": r},   dataset[i] in one thread
   "epoch": [{"workers": w, "batch_size": b, "samples": n, "seconds": s, "samples_per_second": r}, ...]}
An epoch is timed from creating the loader's iterator (worker start-up included) to its last batch.

Usage: python3 Tools/bench/torch_data.py --mnist-dir DIR [--workers 1,2] [--batch-size 128]
                                        [--repeats 1] [--direct-samples 10000]
"""
import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
import PIL
import torch
from PIL import Image, ImageOps
from torch.utils.data import DataLoader, Dataset

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


class Pad:
    def __init__(self, padding):
        self.padding = padding

    def __call__(self, img):
        return ImageOps.expand(img, border=self.padding, fill=0)


class RandomRotation:
    def __init__(self, degrees):
        self.degrees = (-degrees, degrees)

    def __call__(self, img):
        angle = float(torch.empty(1).uniform_(float(self.degrees[0]), float(self.degrees[1])).item())
        return img.rotate(angle, Image.NEAREST, expand=False, center=None, fillcolor=0)


def to_tensor(img):
    tensor = torch.from_numpy(np.array(img, np.uint8, copy=True))
    tensor = tensor.view(img.size[1], img.size[0], 1).permute((2, 0, 1)).contiguous()
    return tensor.to(dtype=torch.get_default_dtype()).div(255)


class Compose:
    def __init__(self, steps):
        self.steps = steps

    def __call__(self, x):
        for step in self.steps:
            x = step(x)
        return x


class ReferenceMNIST(Dataset):
    def __init__(self, images, labels, transform):
        self.data, self.targets, self.transform = images, labels, transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy())
        return self.transform(img), target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", required=True)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--direct-samples", type=int, default=10000)
    args = parser.parse_args()

    load = {}
    splits = {}
    for split, (images_name, labels_name) in FILES.items():
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            splits[split] = (read_idx(args.mnist_dir, images_name), read_idx(args.mnist_dir, labels_name))
            times.append(time.perf_counter() - start)
        load[split] = statistics.median(times)

    images, labels = splits["train"]
    train = ReferenceMNIST(images, labels, Compose([Pad(2), RandomRotation(5), to_tensor, lambda x: 2 * x - 1]))

    count = min(args.direct_samples, len(train))
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for index in range(count):
            train[index]
        times.append(time.perf_counter() - start)
    direct_seconds = statistics.median(times)
    direct = {"samples": count, "seconds": direct_seconds, "samples_per_second": count / direct_seconds}

    epochs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        times = []
        samples = 0
        for repeat in range(args.repeats):
            generator = torch.Generator().manual_seed(repeat)
            loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, num_workers=workers, generator=generator)
            start = time.perf_counter()
            samples = 0
            for inputs, _ in loader:
                samples += inputs.shape[0]
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        epochs.append({"workers": workers, "batch_size": args.batch_size, "samples": samples,
                       "seconds": seconds, "samples_per_second": samples / seconds})
    print(json.dumps({"torch": torch.__version__, "pillow": PIL.__version__, "load_seconds": load,
                      "direct": direct, "epoch": epochs}))


if __name__ == "__main__":
    main()
