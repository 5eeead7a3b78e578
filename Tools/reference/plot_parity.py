#!/usr/bin/env python3
"""Draws the quality-parity figure: test loss (and mean training loss) per epoch of a DeepTrust
`vae-train` run next to the PyTorch reference trainer, as a PNG (Pillow only, no matplotlib).

Inputs:
  --swift RUN_DIR    the log directory of `vae-train` (its TensorBoard event files, read with
                     TensorBoard's own reader: needs the `tensorboard` package)
  --torch FILE       the JSON report of Tools/reference/torch_vae_train.py (--json FILE)
  --output FILE.png  where the figure goes
Also prints both curves and the relative difference of the final test losses as JSON.

Usage: python3 Tools/reference/plot_parity.py --swift results/mlp --torch torch.json --output docs/x.png
"""
import argparse
import json

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
    width, height, left, right, top, bottom = 900, 560, 80, 200, 50, 60
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    values = [v for _, _, series, _ in curves for v in series]
    low, high = min(values), max(values)
    margin = (high - low) * 0.08 or 1
    low, high = low - margin, high + margin
    epochs = max(len(series) for _, _, series, _ in curves)

    def x(i):
        return left + (width - left - right) * (i / max(epochs - 1, 1))

    def y(v):
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    pen.rectangle([left, top, width - right, height - bottom], outline="black")
    for k in range(6):
        v = low + (high - low) * k / 5
        pen.line([left - 4, y(v), left, y(v)], fill="black")
        pen.text((8, y(v) - 6), f"{v:.1f}", fill="black", font=font)
        pen.line([left, y(v), width - right, y(v)], fill=(225, 225, 225))
    for i in range(epochs):
        pen.line([x(i), height - bottom, x(i), height - bottom + 4], fill="black")
        pen.text((x(i) - 4, height - bottom + 8), str(i + 1), fill="black", font=font)
    pen.text((left + (width - left - right) // 2 - 20, height - 25), "epoch", fill="black", font=font)
    pen.text((left, 15), title, fill="black", font=font)
    for row, (label, color, series, dashed) in enumerate(curves):
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
        pen.line([width - right + 15, ly, width - right + 45, ly], fill=color, width=2)
        pen.text((width - right + 50, ly - 6), label, fill="black", font=font)
    image.save(output)


def main():
    parser = argparse.ArgumentParser(description="Plot DeepTrust vs PyTorch loss curves.")
    parser.add_argument("--swift", required=True)
    parser.add_argument("--torch", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--train-samples", type=int, default=60000)
    parser.add_argument("--title", default="MLPVAE on MNIST, seed 42, batch 128, Adam 1e-3: loss per example")
    args = parser.parse_args()

    swift_test, swift_train_sums = swift_curves(args.swift)
    swift_train = [s / args.train_samples for s in swift_train_sums]
    with open(args.torch) as f:
        torch_report = json.load(f)
    torch_test = [e["test_loss"] for e in torch_report["epochs"]]
    torch_train = [e["train_loss"] for e in torch_report["epochs"]]
    draw([("DeepTrust test", (200, 60, 20), swift_test, False),
          ("PyTorch test", (20, 90, 200), torch_test, False),
          ("DeepTrust train", (200, 60, 20), swift_train, True),
          ("PyTorch train", (20, 90, 200), torch_train, True)], args.output, args.title)
    print(json.dumps({"swift": {"test_loss": swift_test, "train_loss": swift_train},
                      "torch": {"test_loss": torch_test, "train_loss": torch_train},
                      "final_relative_difference": (swift_test[-1] - torch_test[-1]) / torch_test[-1]}, indent=1))


if __name__ == "__main__":
    main()
