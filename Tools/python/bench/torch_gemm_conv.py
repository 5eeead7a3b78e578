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
import json

from torch_companion import median_seconds, start_companion


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
