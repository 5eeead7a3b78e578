#!/usr/bin/env python3
"""PyTorch side of `bench data`: the reference MNIST pipeline, timed on the same files.

The reference (github.com/tilman151/unittest_dl, src/dataset.py) uses torchvision:
  train: Compose([Pad(2), RandomRotation(5), ToTensor(), Lambda(lambda x: 2*x-1)])
  test:  the same without RandomRotation
torchvision is not required here: the IDX reader, the transforms and the map-style Dataset are
those of the reference trainer, Tools/python/reference/torch_vae_train.py (the same operations written
out with Pillow and torch, as torchvision performs them on a PIL image: ImageOps.expand for Pad,
Image.rotate with NEAREST and fillcolor=0 for RandomRotation with an angle from torch's generator,
uint8 -> float32 / 255 for ToTensor; a Dataset like torchvision.datasets.MNIST, uint8 tensor in
memory, Image.fromarray per item), with torch.utils.data.DataLoader.

Prints one JSON object on stdout (every time is the median of --repeats runs):
  {"torch": version, "pillow": version,
   "load_seconds": {"train": s, "test": s},                      read + decode both files of a split
   "direct": {"samples": n, "seconds": s, "samples_per_second": r},   dataset[i] in one thread
   "epoch": [{"workers": w, "batch_size": b, "samples": n, "seconds": s, "samples_per_second": r}, ...]}
An epoch is timed from creating the loader's iterator (worker start-up included) to its last batch.

Usage: python3 Tools/python/bench/torch_data.py --mnist-dir DIR [--workers 1,2] [--batch-size 128]
                                        [--repeats 1] [--direct-samples 10000]
"""
import argparse
import json
import os
import statistics
import sys
import time

import PIL
import torch
from torch.utils.data import DataLoader

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import torch_vae_train as reference  # noqa: E402  (IDX reader, transforms, Dataset: kept in one place)


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
    for split in reference.FILES:
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            splits[split] = reference.load_split(args.mnist_dir, split)
            times.append(time.perf_counter() - start)
        load[split] = statistics.median(times)

    images, labels = splits["train"]
    train = reference.MNIST(images, labels, reference.ReferenceTransform(rotate=True))

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
