#!/usr/bin/env python3
"""PyTorch side of `bench ddp`: one MNIST training epoch data-parallel (DistributedDataParallel,
gloo) in N processes of 1 thread each, and in one process with N threads.

Both runs use the models, MNIST reader, transform, loss and trainer of the reference,
Tools/python/reference/torch_vae_train.py (imported, not copied), without augmentation (Pad(2),
ToTensor, 2x-1; no rotation), Adam 1e-3, global batch 128:
  ddp     torch.multiprocessing starts N ranks; each calls torch.set_num_threads(1), joins a gloo
          process group (init over a free local TCP port), wraps the loss of the reference in
          DistributedDataParallel and trains on its DistributedSampler share (128/N per rank,
          shuffled, set_epoch(0)). The loss is the reference's sum over the rank's examples times
          N, so that DDP's averaging of gradients gives the gradient of the global batch's sum.
          Timed per rank from a barrier after set-up (process start, imports, data loading, model
          construction excluded) to the end of its last step; the slowest rank's time is reported.
  single  the reference trainer in this process with torch.set_num_threads(N), batch 128,
          shuffled; timed like `bench epoch` (loader creation to the last step).

Prints one JSON object on the last line of stdout:
  {"torch": version, "processes": N, "workers": w, "batch_size": b,
   "results": [{"model": "mlp", "samples": n,
                "ddp": {"seconds": s, "samples_per_second": r},
                "single": {"seconds": s, "samples_per_second": r, "threads": N}}, ...]}
Exit status 3 when torch cannot be imported.

Usage: python3 Tools/python/bench/torch_ddp.py --mnist-dir DIR [--models mlp,cnn] [--processes 2]
       [--workers 0] [--batch-size 128] [--limit-train N] [--seed 0] [--modes ddp,single]
"""
import argparse
import json
import os
import socket
import sys
import time

try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, Subset
    from torch.utils.data.distributed import DistributedSampler
except ImportError as error:
    print(f"cannot import torch: {error}", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
import torch_vae_train as reference  # noqa: E402  (models, data and loss: kept in one place)


class SummedLoss(torch.nn.Module):
    """The reference's loss of one batch as a module, so that DistributedDataParallel's forward
    (which prepares the gradient all-reduce) runs it: returns recon + kl, times `scale`."""

    def __init__(self, model, scale):
        super().__init__()
        self.model = model
        self.scale = scale

    def forward(self, inputs):
        kl, recon = reference.losses(self.model, inputs)
        return (recon + kl) * self.scale


def training_set(options):
    """The MNIST training split without augmentation, limited to --limit-train examples."""
    train = reference.MNIST(*reference.load_split(options.mnist_dir, "train"),
                            reference.ReferenceTransform(rotate=False))
    if options.limit_train:
        train = Subset(train, range(min(options.limit_train, len(train))))
    return train


def make_model(name):
    return {"mlp": reference.MLPVAE, "cnn": reference.CNNVAE}[name]((1, 32, 32), 16)


def ddp_rank(rank, options, model_name, port, queue):
    """One rank of the DDP run; rank 0 puts (samples, slowest rank's seconds) on `queue`."""
    torch.set_num_threads(1)
    torch.manual_seed(options.seed)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=options.processes)
    train = training_set(options)
    sampler = DistributedSampler(train, num_replicas=options.processes, rank=rank, shuffle=True, seed=options.seed)
    sampler.set_epoch(0)
    loader = DataLoader(train, options.batch_size // options.processes, sampler=sampler,
                        num_workers=options.workers, persistent_workers=options.workers > 0)
    model = make_model(model_name)  # the same seed on every rank; DDP broadcasts rank 0's anyway
    loss_module = DistributedDataParallel(SummedLoss(model, float(options.processes)))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    model.train()
    dist.barrier()
    start = time.perf_counter()
    samples = 0
    for inputs, _ in loader:
        optimizer.zero_grad()
        loss = loss_module(inputs)
        loss.backward()
        optimizer.step()
        samples += inputs.shape[0]
    seconds = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
    counted = torch.tensor([samples], dtype=torch.float64)
    dist.all_reduce(seconds, op=dist.ReduceOp.MAX)
    dist.all_reduce(counted, op=dist.ReduceOp.SUM)
    if rank == 0:
        queue.put((int(counted.item()), float(seconds.item())))
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_ddp(options, model_name):
    context = mp.get_context("spawn")
    queue = context.SimpleQueue()
    mp.start_processes(ddp_rank, args=(options, model_name, free_port(), queue), nprocs=options.processes,
                       join=True, start_method="spawn")
    samples, seconds = queue.get()
    print(f"torch ddp {model_name}: {samples} samples in {seconds:.2f} s", file=sys.stderr, flush=True)
    return {"samples": samples, "seconds": seconds, "samples_per_second": samples / seconds}


def run_single(options, model_name):
    torch.set_num_threads(options.processes)
    torch.manual_seed(options.seed)
    train = training_set(options)
    model = make_model(model_name)
    trainer = reference.ReferenceTrainer(model, train, Subset(train, range(1)), 1e-3, options.batch_size,
                                         options.workers)
    start = time.perf_counter()
    _, samples, _ = trainer.train_epoch()
    seconds = time.perf_counter() - start
    print(f"torch single {model_name} ({options.processes} threads): {samples} samples in {seconds:.2f} s",
          file=sys.stderr, flush=True)
    return {"samples": samples, "seconds": seconds, "samples_per_second": samples / seconds,
            "threads": torch.get_num_threads()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-dir", required=True)
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit-train", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="ddp,single")
    options = parser.parse_args()
    if options.batch_size % options.processes:
        sys.exit(f"--batch-size {options.batch_size} is not a multiple of --processes {options.processes}")
    modes = options.modes.split(",")

    results = []
    for model_name in options.models.split(","):
        entry = {"model": model_name}
        if "ddp" in modes:
            entry["ddp"] = run_ddp(options, model_name)
            entry["samples"] = entry["ddp"]["samples"]
        if "single" in modes:
            entry["single"] = run_single(options, model_name)
            entry["samples"] = entry["single"]["samples"]
        results.append(entry)
    print(json.dumps({"torch": torch.__version__, "processes": options.processes, "workers": options.workers,
                      "batch_size": options.batch_size, "results": results}, sort_keys=True))


if __name__ == "__main__":
    main()
