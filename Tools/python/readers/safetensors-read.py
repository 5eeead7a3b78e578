#!/usr/bin/env python3
"""Prints what Python's `safetensors` package reads from a file, as JSON.

Usage: python3 Tools/python/readers/safetensors-read.py FILE [--max-values N]

Output: {"metadata": {...} or null,
         "tensors": {NAME: {"dtype": "float32", "shape": [...], "count": C, "values": [...]}}}
"values" holds the first N elements in row-major order (default 16; -1 for all). Needs the
`safetensors` and `numpy` packages.
"""
import argparse
import json
import sys

import numpy as np
from safetensors import safe_open


def main():
    parser = argparse.ArgumentParser(description="Print a safetensors file as JSON, read by Python's safetensors.")
    parser.add_argument("file")
    parser.add_argument("--max-values", type=int, default=16, help="elements printed per tensor (-1: all)")
    args = parser.parse_args()

    tensors = {}
    with safe_open(args.file, framework="np") as handle:
        metadata = handle.metadata()
        for name in handle.keys():
            array = np.asarray(handle.get_tensor(name))
            flat = array.reshape(-1)
            if args.max_values >= 0:
                flat = flat[: args.max_values]
            tensors[name] = {"dtype": str(array.dtype), "shape": list(array.shape), "count": int(array.size),
                             "values": [float(v) for v in flat]}
    json.dump({"metadata": metadata, "tensors": tensors}, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
