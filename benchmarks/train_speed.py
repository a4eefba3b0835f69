"""Training speed: the usual per-sample DataLoader pipeline vs ``lenet_helpers.train``.

Both pipelines train the same LeNet-5 (same seed, Adam 1e-3, batch 32) on the same 55,000
training digits and evaluate on the same 5,000 validation digits; each runs in its own
process so that its peak memory is its own. Prints seconds per epoch (training only, and
with evaluation), images per second, peak memory, and the ratio (a)/(b).

    python benchmarks/train_speed.py              # 2 epochs each (default)
    python benchmarks/train_speed.py --epochs 3
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch
from torch import nn

import lenet_helpers as lh
from lenet_helpers.settings import machine


def peak_memory_mb(device: torch.device) -> float:
    """Peak resident memory of this process (MB); on CUDA, peak GPU memory allocated."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS, KiB on Linux


def run_baseline(epochs: int, seed: int, device: torch.device, subset: int | None = None) -> dict:
    """(a) The reference tutorial's pipeline written the usual way: torchvision transforms applied to each
    PIL image in a DataLoader (batch 32, num_workers=0), loss.item() every step."""
    train_loader, valid_loader, _ = lh.mnist_loaders(batch_size=32, seed=seed, subset=subset)
    lh.set_seed(seed)
    model = lh.LeNet5().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    train_s, total_s = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        running_loss = 0.0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item() * images.size(0)
        train_s.append(time.perf_counter() - start)
        model.eval()
        correct = 0
        with torch.no_grad():
            for images, labels in valid_loader:
                images, labels = images.to(device), labels.to(device)
                correct += (model(images).argmax(1) == labels).sum().item()
        total_s.append(time.perf_counter() - start)
    return {"train_s": train_s, "total_s": total_s, "images": len(train_loader.dataset),
            "valid_images": len(valid_loader.dataset),
            "valid_acc": 100 * correct / len(valid_loader.dataset)}


def run_package(epochs: int, seed: int, device: torch.device, subset: int | None = None) -> dict:
    """(b) lenet_helpers.train on tensors preprocessed once (the data load is timed apart)."""
    start = time.perf_counter()
    data = lh.mnist_tensors(device=device, subset=subset)
    load_s = time.perf_counter() - start
    lh.set_seed(seed)
    model = lh.LeNet5()
    history = lh.train(model, data, epochs=epochs, seed=seed, device=device, progress=False, verbose=False)
    return {"train_s": history["train_seconds"].tolist(), "total_s": history["seconds"].tolist(),
            "images": len(data.train), "valid_images": len(data.valid),
            "valid_acc": float(history["valid_acc"].iloc[-1]), "load_s": load_s}


def child(args) -> None:
    device = lh.pick_device(verbose=False)
    result = (run_baseline if args.child == "baseline" else run_package)(args.epochs, args.seed, device, args.subset)
    result["peak_mb"] = peak_memory_mb(device)
    result["device"] = str(device)
    print("RESULT " + json.dumps(result))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2, help="epochs per pipeline (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, default=None,
                        help="train and validate on the first SUBSET digits of each split only (quick runs)")
    parser.add_argument("--child", choices=["baseline", "package"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    print(f"Machine: {machine()}")
    results = {}
    for name in ("baseline", "package"):
        command = [sys.executable, __file__, "--child", name, "--epochs", str(args.epochs), "--seed", str(args.seed)]
        if args.subset is not None:
            command += ["--subset", str(args.subset)]
        out = subprocess.run(command, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"pipeline {name!r} failed (exit {out.returncode}):\n{out.stderr.strip()}")
        line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
        results[name] = json.loads(line[len("RESULT "):])
    r = results["package"]
    print(f"Each pipeline: LeNet-5, Adam 1e-3, batch 32, seed {args.seed}, {args.epochs} epoch(s) on "
          f"{r['images']:,} digits, validation on {r['valid_images']:,}\n")

    labels = {"baseline": "(a) per-sample DataLoader", "package": "(b) lenet_helpers.train"}
    print(f"{'pipeline':28s} {'s/epoch train':>14s} {'s/epoch +eval':>14s} {'images/s':>10s} {'peak MB':>9s} "
          f"{'valid acc':>10s}  device")
    per = {}
    for name, r in results.items():
        train_s = sum(r["train_s"]) / len(r["train_s"])
        total_s = sum(r["total_s"]) / len(r["total_s"])
        per[name] = (train_s, total_s)
        print(f"{labels[name]:28s} {train_s:14.2f} {total_s:14.2f} {r['images'] / train_s:10,.0f} "
              f"{r['peak_mb']:9.0f} {r['valid_acc']:9.2f}%  {r['device']}")
    print(f"\n(b) data preparation before training (resize cached in data/): {results['package']['load_s']:.1f} s")
    print(f"ratio (a)/(b), training only:   {per['baseline'][0] / per['package'][0]:.2f}x")
    print(f"ratio (a)/(b), with evaluation: {per['baseline'][1] / per['package'][1]:.2f}x")
    print(f"15 epochs of (b) with evaluation: about {15 * per['package'][1]:.0f} s")


if __name__ == "__main__":
    main()
