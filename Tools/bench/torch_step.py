#!/usr/bin/env python3
"""PyTorch (CPU, float32) side of `bench step`: training-step throughput of the reference VAEs.

One step is what the reference trainer does per batch: encode, split into mu | log_sigma,
z = exp(log_sigma) * noise + mu with fresh noise, decode, loss = sum of squared errors + KL,
zero_grad, backward, Adam step (lr 1e-3, PyTorch's defaults otherwise).

Usage: torch_step.py --threads N --repeats R [--clock wall|cpu] --spec JSON
  JSON: {"cases": [{"model": "mlp"|"cnn", "batch": B, "bottleneck": D, "inputShape": [C, H, W]}, ...],
         "warmupSteps": W, "minSeconds": S}
Prints one JSON object on the last line of stdout: {"torch": version, "threads": N,
  "cases": [{"stepSeconds": median, "samplesPerSecond": batch / median, "spread": [min, max]}]},
in the order of the spec. Exits with status 3 and a message on stderr when torch cannot be imported.

The models are the reference architectures (DESIGN.md §3), the same classes as
Tools/fixtures/make_vae_fixtures.py.
"""
import argparse
import json
import statistics
import sys
import time


def make_models(nn):
    """The reference MLPVAE and CNNVAE classes (as in Tools/fixtures/make_vae_fixtures.py)."""

    class MLPVAE(nn.Module):
        def __init__(self, input_shape, bottleneck):
            super().__init__()
            n = input_shape[0] * input_shape[1] * input_shape[2]
            self.encoder = nn.Sequential(
                nn.Flatten(), nn.Linear(n, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 2 * bottleneck))
            self.decoder = nn.Sequential(
                nn.Linear(bottleneck, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(),
                nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, n), nn.Unflatten(1, tuple(input_shape)), nn.Tanh())

    class CNNVAE(nn.Module):
        def __init__(self, input_shape, bottleneck):
            super().__init__()
            c, h, w = input_shape
            self.encoder = nn.Sequential(
                nn.Conv2d(c, 16, 5, padding=2), nn.ReLU(),
                nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), 2 * bottleneck))
            self.decoder = nn.Sequential(
                nn.Linear(bottleneck, 64 * (h // 4) * (w // 4)), nn.ReLU(), nn.Unflatten(1, (64, h // 4, w // 4)),
                nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.Conv2d(16, c, 5, padding=2), nn.Tanh())

    return {"mlp": MLPVAE, "cnn": CNNVAE}


def time_steps(step, warmup, repeats, clock, min_seconds):
    """Median seconds per step on `clock` (time.perf_counter, or time.process_time: CPU time of all
    threads) over `repeats` samples after `warmup` steps; each sample runs enough back-to-back steps
    to last about `min_seconds`. Also returns the fastest and slowest sample."""
    for _ in range(warmup):
        step()
    start = clock()
    step()
    once = max(clock() - start, 1e-7)
    inner = max(1, int(min_seconds / once))
    samples = []
    for _ in range(repeats):
        start = clock()
        for _ in range(inner):
            step()
        samples.append((clock() - start) / inner)
    return statistics.median(samples), min(samples), max(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError as error:
        print(f"torch is not importable: {error}", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    spec = json.loads(args.spec)
    models = make_models(nn)
    warmup = int(spec.get("warmupSteps", 3))
    min_seconds = float(spec.get("minSeconds", 0.2))
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": []}

    for case in spec["cases"]:
        input_shape = case.get("inputShape", [1, 32, 32])
        batch, bottleneck = case["batch"], case.get("bottleneck", 16)
        model = models[case["model"]](input_shape, bottleneck)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.rand(batch, *input_shape) * 2 - 1

        def step():
            mu, log_sigma = model.encoder(x).chunk(2, dim=1)
            z = torch.exp(log_sigma) * torch.randn_like(mu) + mu
            recon = model.decoder(z)
            recon_loss = ((recon - x) ** 2).sum()
            kl = 0.5 * torch.sum(torch.exp(2 * log_sigma) + mu ** 2 - 1 - 2 * log_sigma)
            loss = recon_loss + kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        median, fastest, slowest = time_steps(step, warmup, args.repeats, clock, min_seconds)
        result["cases"].append({"stepSeconds": median, "samplesPerSecond": batch / median,
                                "spread": [batch / slowest, batch / fastest]})

    print(json.dumps(result))


if __name__ == "__main__":
    main()
