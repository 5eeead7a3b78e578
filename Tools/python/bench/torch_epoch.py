#!/usr/bin/env python3
"""PyTorch side of `bench epoch`: one full training epoch of the reference trainer per model.

The trainer, models and MNIST transforms are those of Tools/python/reference/torch_vae_train.py (the
reference's run.py semantics: shuffled MNIST with Pad(2) + RandomRotation(5) + 2x-1, Adam 1e-3,
sum-of-squares reconstruction + KL). Each timed run builds a fresh model and loader and trains one
epoch (data loading included, evaluation excluded), as `bench epoch` does on the Swift side.

Prints one JSON object on the last line of stdout:
  {"torch": version, "threads": t, "workers": w, "batch_size": b,
   "results": [{"model": "mlp", "samples": n, "steps": s, "seconds": [..], "median_seconds": m,
                "samples_per_second": r, "train_loss": per-example mean of the last run}, ...]}
Exit status 3 when torch cannot be imported.

Usage: python3 Tools/python/bench/torch_epoch.py --mnist-dir DIR [--models mlp,cnn] [--threads 2]
       [--workers 2] [--batch-size 128] [--repeats 1] [--limit-train N] [--seed 0]
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import torch
except ImportError as error:
    print(f"cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import torch_vae_train as reference  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="Time one epoch of the PyTorch reference trainer.")
    parser.add_argument("--mnist-dir", required=True)
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--limit-train", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()

    results = []
    for model_name in options.models.split(","):
        seconds = []
        for repeat in range(options.repeats):
            args = argparse.Namespace(model=model_name, bottleneck=16, lr=1e-3, batch_size=options.batch_size,
                                      seed=options.seed + repeat, workers=options.workers, threads=options.threads,
                                      mnist_dir=options.mnist_dir, limit_train=options.limit_train, limit_test=1)
            _, trainer = reference.build(args)
            start = time.perf_counter()
            steps, samples, total = trainer.train_epoch()
            seconds.append(time.perf_counter() - start)
            print(f"torch {model_name} epoch: {samples} samples in {seconds[-1]:.2f} s", file=sys.stderr, flush=True)
            del trainer
        median = statistics.median(seconds)
        results.append({"model": model_name, "samples": samples, "steps": steps, "seconds": seconds,
                        "median_seconds": median, "samples_per_second": samples / median,
                        "train_loss": total / samples})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "workers": options.workers,
                      "batch_size": options.batch_size, "results": results}, sort_keys=True))


if __name__ == "__main__":
    main()
