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

The models are the reference architectures (github.com/tilman151/unittest_dl): the classes of the reference trainer,
Tools/python/reference/torch_vae_train.py, as used by Tools/python/fixtures/make_vae_fixtures.py.
"""
import json
import os
import statistics
import sys

from torch_companion import import_or_exit, sample_seconds, start_companion

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))


def time_steps(step, warmup, repeats, clock, min_seconds):
    """Median seconds per step over sample_seconds(step, ...) (see torch_gemm_conv.py), and the
    fastest and slowest sample."""
    samples = sample_seconds(step, warmup, repeats, clock, min_seconds)
    return statistics.median(samples), min(samples), max(samples)


def main():
    args, torch, spec, clock = start_companion(default_repeats=5)
    reference = import_or_exit("torch_vae_train")
    models = {"mlp": reference.MLPVAE, "cnn": reference.CNNVAE}
    warmup = int(spec.get("warmupSteps", 3))
    min_seconds = float(spec.get("minSeconds", 0.2))
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": []}

    for case in spec["cases"]:
        input_shape = case.get("inputShape", [1, 32, 32])
        batch, bottleneck = case["batch"], case.get("bottleneck", 16)
        # Out-of-place ReLUs, as this benchmark has always timed (in place, PyTorch is a little faster).
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

        median, fastest, slowest = time_steps(step, warmup, args.repeats, clock, min_seconds)
        result["cases"].append({"stepSeconds": median, "samplesPerSecond": batch / median,
                                "spread": [batch / slowest, batch / fastest]})

    print(json.dumps(result))


if __name__ == "__main__":
    main()
