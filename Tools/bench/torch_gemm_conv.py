#!/usr/bin/env python3
"""PyTorch (CPU, float32) side of `bench gemm` / `bench conv`: times the same shapes as the Swift run.

Usage: torch_gemm_conv.py --threads N --repeats R [--clock wall|cpu] --spec JSON
  JSON: {"gemm": [{"m":..,"n":..,"k":..,"transposeA":bool,"transposeB":bool}, ...],
         "conv": [{"name":..,"batch":..,"inChannels":..,"outChannels":..,"height":..,"width":..,
                   "kernel":..,"stride":..,"padding":..,"outputPadding":..,"transposed":bool}, ...]}
Prints one JSON object on the last line of stdout: {"torch": version, "threads": N,
  "gemm": [{"gflops": median}], "conv": [{"forwardMs": median, "backwardMs": median, "totalMs": median}]},
in the order of the spec. Exits with status 3 and a message on stderr when torch cannot be imported.
"""
import argparse
import importlib
import json
import statistics
import sys
import time


def import_or_exit(name):
    """Imports module `name`; exits with status 3 (`bench`: "PyTorch is not available") and the
    error on stderr when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(f"torch is not importable: {error}", file=sys.stderr)
        sys.exit(3)


def start_companion(default_repeats):
    """The common start of a companion script (this one and torch_step.py): parses --threads,
    --repeats, --clock and --spec, imports torch (see import_or_exit), sets its thread count and
    seed 0. Returns (args, torch, the parsed spec, the clock function)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=default_repeats)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    torch = import_or_exit("torch")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    return args, torch, json.loads(args.spec), clock


def sample_seconds(fn, warmup, repeats, clock, min_seconds):
    """`repeats` samples of the seconds one call of fn takes on `clock` (time.perf_counter, or
    time.process_time: CPU time of all threads), after `warmup` calls; each sample runs fn enough
    times back to back to last about min_seconds."""
    for _ in range(warmup):
        fn()
    start = clock()
    fn()
    once = max(clock() - start, 1e-7)
    inner = max(1, int(min_seconds / once))
    samples = []
    for _ in range(repeats):
        start = clock()
        for _ in range(inner):
            fn()
        samples.append((clock() - start) / inner)
    return samples


def median_seconds(fn, repeats, clock, min_seconds=0.05):
    """Median over `repeats` samples of sample_seconds after one warm-up call."""
    return statistics.median(sample_seconds(fn, 1, repeats, clock, min_seconds))


def main():
    args, torch, spec, clock = start_companion(default_repeats=7)
    F = torch.nn.functional
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "gemm": [], "conv": []}

    with torch.no_grad():
        for shape in spec.get("gemm", []):
            m, n, k = shape["m"], shape["n"], shape["k"]
            a = torch.randn(k, m) if shape.get("transposeA") else torch.randn(m, k)
            b = torch.randn(n, k) if shape.get("transposeB") else torch.randn(k, n)
            a_op = a.t() if shape.get("transposeA") else a
            b_op = b.t() if shape.get("transposeB") else b
            out = torch.empty(m, n)
            seconds = median_seconds(lambda: torch.mm(a_op, b_op, out=out), args.repeats, clock)
            result["gemm"].append({"gflops": 2.0 * m * n * k / seconds / 1e9})

    for layer in spec.get("conv", []):
        n, cin, cout = layer["batch"], layer["inChannels"], layer["outChannels"]
        h, w, kernel = layer["height"], layer["width"], layer["kernel"]
        stride, padding = layer["stride"], layer["padding"]
        x = torch.randn(n, cin, h, w, requires_grad=True)
        if layer.get("transposed"):
            weight = torch.randn(cin, cout, kernel, kernel, requires_grad=True)
            def forward():
                return F.conv_transpose2d(x, weight, stride=stride, padding=padding,
                                          output_padding=layer.get("outputPadding", 0))
        else:
            weight = torch.randn(cout, cin, kernel, kernel, requires_grad=True)
            def forward():
                return F.conv2d(x, weight, stride=stride, padding=padding)
        grad = torch.randn_like(forward())

        def forward_only():
            with torch.no_grad():
                forward()

        def forward_backward():
            x.grad = None
            weight.grad = None
            forward().backward(grad)

        forward_seconds = median_seconds(forward_only, args.repeats, clock)
        total_seconds = median_seconds(forward_backward, args.repeats, clock)
        result["conv"].append({"forwardMs": forward_seconds * 1e3,
                               "backwardMs": max(total_seconds - forward_seconds, 0.0) * 1e3,
                               "totalMs": total_seconds * 1e3})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
