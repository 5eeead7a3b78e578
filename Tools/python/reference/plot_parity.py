#!/usr/bin/env python3
"""Draws the quality-parity figure: test loss (and mean training loss) per epoch of DeepTrust
`vae-train` runs next to the PyTorch reference trainer, as a PNG (Pillow only, no matplotlib).

Inputs (each may be repeated, one per seed):
  --swift RUN_DIR    the log directory of a `vae-train` run (its TensorBoard event files, read with
                     TensorBoard's own reader: needs the `tensorboard` package)
  --torch FILE       the JSON report of a Tools/python/reference/torch_vae_train.py run (--json FILE)
  --output FILE.png  where the figure goes
With several runs per side the figure shows the mean curves and, shaded, the range over the runs.
Also prints every run's curves, the per-epoch means and the relative difference of the final mean
test losses as JSON, and a comparison of the final test losses (mean, standard deviation, median
per side; the relative difference of the means with a 95 % bootstrap interval; two-sided
permutation p-values for equal means and for equal spread) as a table on stderr.

Usage: python3 Tools/python/reference/plot_parity.py --swift results/s1 --swift results/s2 \
           --torch torch-1.json --torch torch-2.json --output docs/quality-parity-mlp.png
"""
import argparse
import json
import math
import sys

from PIL import Image, ImageDraw, ImageFont


def swift_curves(run_dir, steps_per_epoch=None):
    """(test losses by epoch, mean training loss per example by epoch) from the event files."""
    from tensorboard.backend.event_processing import event_accumulator as ea

    accumulator = ea.EventAccumulator(run_dir, size_guidance={kind: 0 for kind in ea.DEFAULT_SIZE_GUIDANCE})
    accumulator.Reload()
    test = {e.step: e.value for e in accumulator.Scalars("test/loss")}
    epochs = sorted(test)
    train_steps = {e.step: e.value for e in accumulator.Scalars("train/loss")}
    per_epoch = steps_per_epoch or (len(train_steps) // len(epochs))
    train = []
    for epoch in epochs:
        values = [train_steps[s] for s in range(epoch * per_epoch, (epoch + 1) * per_epoch) if s in train_steps]
        train.append(sum(values))
    return [test[e] for e in epochs], train


def draw(curves, output, title):
    """`curves`: (label, color, runs, dashed) with `runs` a list of per-epoch series."""
    width, height, left, right, top, bottom = 900, 560, 80, 200, 50, 60
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    values = [v for _, _, runs, _ in curves for series in runs for v in series]
    low, high = min(values), max(values)
    margin = (high - low) * 0.08 or 1
    low, high = low - margin, high + margin
    epochs = max(len(series) for _, _, runs, _ in curves for series in runs)

    def x(i):
        return left + (width - left - right) * (i / max(epochs - 1, 1))

    def y(v):
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    for k in range(6):
        v = low + (high - low) * k / 5
        pen.line([left, y(v), width - right, y(v)], fill=(225, 225, 225))
    for _, color, runs, _ in curves:
        if len(runs) > 1:
            lows = [min(r[i] for r in runs) for i in range(epochs)]
            highs = [max(r[i] for r in runs) for i in range(epochs)]
            tint = tuple(int(c + (255 - c) * 0.75) for c in color)
            pen.polygon([(x(i), y(v)) for i, v in enumerate(highs)] + [(x(i), y(v)) for i, v in reversed(list(enumerate(lows)))],
                        fill=tint)
    pen.rectangle([left, top, width - right, height - bottom], outline="black")
    for k in range(6):
        v = low + (high - low) * k / 5
        pen.line([left - 4, y(v), left, y(v)], fill="black")
        pen.text((8, y(v) - 6), f"{v:.1f}", fill="black", font=font)
    for i in range(epochs):
        pen.line([x(i), height - bottom, x(i), height - bottom + 4], fill="black")
        pen.text((x(i) - 4, height - bottom + 8), str(i + 1), fill="black", font=font)
    pen.text((left + (width - left - right) // 2 - 20, height - 25), "epoch", fill="black", font=font)
    pen.text((left, 15), title, fill="black", font=font)
    for row, (label, color, runs, dashed) in enumerate(curves):
        series = mean(runs)
        points = [(x(i), y(v)) for i, v in enumerate(series)]
        if dashed:
            for a, b in zip(points, points[1:]):
                for t in range(0, 10, 2):
                    p = (a[0] + (b[0] - a[0]) * t / 10, a[1] + (b[1] - a[1]) * t / 10)
                    q = (a[0] + (b[0] - a[0]) * (t + 1) / 10, a[1] + (b[1] - a[1]) * (t + 1) / 10)
                    pen.line([p, q], fill=color, width=2)
        else:
            pen.line(points, fill=color, width=2)
        for px, py in points:
            pen.ellipse([px - 3, py - 3, px + 3, py + 3], fill=color)
        ly = top + 10 + 22 * row
        for start in range(15, 45, 10 if dashed else 30):
            pen.line([width - right + start, ly, width - right + start + (6 if dashed else 30), ly], fill=color, width=2)
        pen.text((width - right + 50, ly - 6), label, fill="black", font=font)
    image.save(output)


def average(values):
    return sum(values) / len(values)


def mean(runs):
    """The per-epoch mean curve of several runs' curves."""
    return [average([r[i] for r in runs]) for i in range(len(runs[0]))]


def deviation(values):
    """Sample standard deviation (n - 1)."""
    m = average(values)
    return (sum((v - m) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def compare(swift, torch, resamples=20000, seed=0):
    """Statistics of two samples of final test losses: the relative difference of the means with a
    percentile-bootstrap 95 % interval, and permutation p-values (two-sided) for the difference of
    the means and for the ratio of the standard deviations."""
    import random

    generator = random.Random(seed)
    relative = average(swift) / average(torch) - 1
    boot = sorted(average(generator.choices(swift, k=len(swift))) / average(generator.choices(torch, k=len(torch))) - 1
                  for _ in range(resamples))
    pooled = swift + torch
    observed_mean = abs(average(swift) - average(torch))
    observed_spread = abs(math.log(deviation(swift) / deviation(torch))) if len(swift) > 1 and len(torch) > 1 else 0.0
    extreme_mean = extreme_spread = 0
    for _ in range(resamples):
        generator.shuffle(pooled)
        a, b = pooled[:len(swift)], pooled[len(swift):]
        extreme_mean += abs(average(a) - average(b)) >= observed_mean
        if len(a) > 1 and len(b) > 1 and deviation(a) > 0 and deviation(b) > 0:
            extreme_spread += abs(math.log(deviation(a) / deviation(b))) >= observed_spread
    return {"runs": [len(swift), len(torch)],
            "mean": [average(swift), average(torch)], "sd": [deviation(swift), deviation(torch)],
            "median": [median(swift), median(torch)],
            "relative_mean_difference": relative,
            "relative_mean_difference_95": [boot[int(0.025 * resamples)], boot[int(0.975 * resamples) - 1]],
            "p_equal_means": (extreme_mean + 1) / (resamples + 1),
            "p_equal_spread": (extreme_spread + 1) / (resamples + 1)}


def main():
    parser = argparse.ArgumentParser(description="Plot DeepTrust vs PyTorch loss curves.")
    parser.add_argument("--swift", required=True, action="append", help="a vae-train log directory (repeatable)")
    parser.add_argument("--torch", required=True, action="append", help="a torch_vae_train.py JSON report (repeatable)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--train-samples", type=int, default=60000)
    parser.add_argument("--title", default=None)
    args = parser.parse_args()

    swift_test, swift_train = [], []
    for run_dir in args.swift:
        test, train_sums = swift_curves(run_dir)
        swift_test.append(test)
        swift_train.append([s / args.train_samples for s in train_sums])
    torch_test, torch_train = [], []
    for path in args.torch:
        with open(path) as f:
            report = json.load(f)
        torch_test.append([e["test_loss"] for e in report["epochs"]])
        torch_train.append([e["train_loss"] for e in report["epochs"]])
    runs = f"{len(swift_test)} run{'s' if len(swift_test) > 1 else ''} / {len(torch_test)} run{'s' if len(torch_test) > 1 else ''}"
    title = args.title or f"MLPVAE on MNIST, batch 128, Adam 1e-3: loss per example (DeepTrust / PyTorch: {runs}; mean, range shaded)"
    draw([("DeepTrust test", (200, 60, 20), swift_test, False),
          ("PyTorch test", (20, 90, 200), torch_test, False),
          ("DeepTrust train", (200, 60, 20), swift_train, True),
          ("PyTorch train", (20, 90, 200), torch_train, True)], args.output, title)
    final_swift, final_torch = mean(swift_test)[-1], mean(torch_test)[-1]
    stats = compare([t[-1] for t in swift_test], [t[-1] for t in torch_test])
    low, high = stats["relative_mean_difference_95"]
    print(f"final test loss      DeepTrust ({stats['runs'][0]} runs)   PyTorch ({stats['runs'][1]} runs)\n"
          f"mean ± sd            {stats['mean'][0]:7.2f} ± {stats['sd'][0]:.2f}        {stats['mean'][1]:7.2f} ± {stats['sd'][1]:.2f}\n"
          f"median               {stats['median'][0]:7.2f}               {stats['median'][1]:7.2f}\n"
          f"means differ by {100 * stats['relative_mean_difference']:+.2f} % (95 % bootstrap interval "
          f"{100 * low:+.2f} % … {100 * high:+.2f} %), permutation p = {stats['p_equal_means']:.3f}; "
          f"spread ratio {stats['sd'][0] / stats['sd'][1]:.2f}, p = {stats['p_equal_spread']:.3f}", file=sys.stderr)
    print(json.dumps({"swift": {"runs": args.swift, "test_loss": swift_test, "train_loss": swift_train,
                                "mean_test_loss": mean(swift_test)},
                      "torch": {"runs": args.torch, "test_loss": torch_test, "train_loss": torch_train,
                                "mean_test_loss": mean(torch_test)},
                      "final_mean_test_loss": {"swift": final_swift, "torch": final_torch},
                      "final_relative_difference": (final_swift - final_torch) / final_torch,
                      "final_test_loss_comparison": stats}, indent=1))


if __name__ == "__main__":
    main()
