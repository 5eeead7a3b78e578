"""What the PyTorch companions of `bench` (torch_gemm_conv.py, torch_step.py) share: the common
start of a companion run (flags, importing torch or exiting with status 3, threads and seed) and the
sampling loop that mirrors BenchSupport.swift's sortedSampleSeconds / medianSeconds.
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
    """The common start of a companion script (torch_gemm_conv.py, torch_step.py): parses --threads,
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
