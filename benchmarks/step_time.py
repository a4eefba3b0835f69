"""Where a training step's time goes: forward, backward and Adam, per batch size.

Runs the exact set-up of ``lenet_helpers.train`` (``setup_training``: channels-last weights
and fused Adam on the CPU) on real MNIST batches, and times three things in interleaved
rounds, so that a slow moment of the machine hits all of them alike:

* forward: logits and cross-entropy loss (with autograd recording, as in training);
* forward + backward: the same plus ``zero_grad`` and ``loss.backward()``;
* full step: the same plus ``optimizer.step()``.

Backward = (forward + backward) - forward; Adam = full step - (forward + backward).
Each figure is the median over the rounds, in milliseconds per batch. The last columns
project the training time of one and of 15 epochs over 55,000 digits, without evaluation.

    python benchmarks/step_time.py                      # batch sizes 32 64 128 256
    python benchmarks/step_time.py --batch-sizes 32 --rounds 3 --steps 20   # quick look
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time

import torch
from torch import nn

import lenet_helpers as lh
from lenet_helpers.settings import machine

TRAIN_IMAGES, EPOCHS = 55_000, 15


def time_steps(fn, batches, steps: int) -> float:
    """Seconds per call of ``fn(images, labels)``, over ``steps`` calls cycling through ``batches``."""
    start = time.perf_counter()
    for i in range(steps):
        fn(*batches[i % len(batches)])
    return (time.perf_counter() - start) / steps


def measure(data, batch_size: int, device: torch.device, rounds: int, steps: int, seed: int = 0) -> dict:
    """Median ms per batch of forward, backward and Adam for one batch size (see module doc)."""
    lh.set_seed(seed)
    model = lh.LeNet5()
    optimizer = lh.setup_training(model, device)
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    n_batches = max(1, min(len(data.train) // batch_size, 50))  # full batches only, up to 50
    batches = list(itertools.islice(lh.TensorBatches(data.train, batch_size), n_batches))

    def forward(x, y):
        return loss_fn(model(x), y)

    def forward_backward(x, y):
        loss = forward(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()

    def full_step(x, y):
        forward_backward(x, y)
        optimizer.step()

    def synced(fn):  # on a GPU, wait for the kernels before reading the clock
        def run(x, y):
            fn(x, y)
            if device.type == "cuda":
                torch.cuda.synchronize()
        return run

    modes = {"forward": synced(forward), "forward+backward": synced(forward_backward), "step": synced(full_step)}
    for fn in modes.values():
        time_steps(fn, batches, max(3, steps // 5))  # warm-up
    times = {name: [] for name in modes}
    for _ in range(rounds):
        for name, fn in modes.items():
            times[name].append(time_steps(fn, batches, steps))
    med = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    step_ms = med["step"]
    return {"batch": batch_size, "forward_ms": med["forward"],
            "backward_ms": med["forward+backward"] - med["forward"],
            "adam_ms": step_ms - med["forward+backward"], "step_ms": step_ms,
            "images_per_s": batch_size / step_ms * 1e3,
            "epoch_s": TRAIN_IMAGES / batch_size * step_ms / 1e3}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds; medians are printed")
    parser.add_argument("--steps", type=int, default=100, help="steps per mode and round")
    parser.add_argument("--subset", type=int, default=None, help="use only the first SUBSET digits (quick runs)")
    args = parser.parse_args(argv)
    if min(args.batch_sizes) < 1 or args.rounds < 1 or args.steps < 1:
        parser.error("--batch-sizes, --rounds and --steps must be at least 1")

    device = lh.pick_device(verbose=False)
    data = lh.mnist_tensors(device=device, subset=args.subset)
    print(f"Machine: {machine()}")
    print(f"LeNet-5 as lh.train runs it on {device}; medians of {args.rounds} interleaved rounds of "
          f"{args.steps} steps on real MNIST batches; ms per batch\n")
    header = (f"{'batch':>5s} {'forward':>8s} {'backward':>9s} {'Adam':>6s} {'step':>7s} {'images/s':>9s} "
              f"{'s/epoch':>8s} {f'{EPOCHS} epochs s':>13s}")
    print(header)
    for batch_size in args.batch_sizes:
        r = measure(data, batch_size, device, args.rounds, args.steps)
        print(f"{r['batch']:5d} {r['forward_ms']:8.2f} {r['backward_ms']:9.2f} {r['adam_ms']:6.2f} "
              f"{r['step_ms']:7.2f} {r['images_per_s']:9,.0f} {r['epoch_s']:8.1f} {EPOCHS * r['epoch_s']:13.0f}",
              flush=True)
    budget_s = 80.0  # of notebook 04's 90 s, after start-up, data loading and 15 validations
    print(f"\n{EPOCHS} epochs of {TRAIN_IMAGES:,} digits in {budget_s:.0f} s of training need "
          f"{EPOCHS * TRAIN_IMAGES / budget_s:,.0f} images/s: {budget_s / (EPOCHS * TRAIN_IMAGES / 32) * 1e3:.2f} ms "
          f"per batch of 32.")


if __name__ == "__main__":
    main()
