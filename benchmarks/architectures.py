"""Every registered network trained under one recipe: test accuracy over seeds, size, cost and speed.

The recipe is the series' default for LeNet-5 (Adam 1e-3, batch 32, cosine decay, 15 epochs,
55,000 training digits, the fixed 5,000-digit validation split), applied unchanged to every
architecture so that only the network differs; each is fed its own preprocessing. The test set
is scored once per run. Also scored: ``dropout_cnn`` with its reference project's softmax in
``forward`` (the double softmax), and the nearest-class-mean baseline, which trains nothing.

Each trained model is saved as ``artifacts/benchmarks/architectures/NAME_seedS.pt`` and reused
when its settings match, so an interrupted run resumes where it stopped.

    python benchmarks/architectures.py                       # all networks, seeds 0 1 2, 15 epochs
    python benchmarks/architectures.py --models lenet5 mlp --seeds 0
    python benchmarks/architectures.py --epochs 2 --subset 5000   # a quick look
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

import lenet_helpers as lh
from lenet_helpers.settings import machine
from lenet_helpers.files import atomic_write

#: Rows of the table: (label, registered name, constructor arguments).
VARIANTS = [(name, name, {}) for name in lh.available_models()] + [
    ("dropout_cnn+softmax", "dropout_cnn", {"softmax_output": True})]


def main(argv=None) -> int:
    labels = [v[0] for v in VARIANTS]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=labels, choices=labels, metavar="NAME",
                        help=f"networks to train (default all): {', '.join(labels)}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--subset", type=int, default=None, help="first SUBSET digits of each split only (quick runs)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or (args.subset is not None and args.subset < 1):
        parser.error("--epochs and --subset must be positive")

    print(f"Machine: {machine()}")
    device = lh.pick_device()
    folder = lh.artifacts_dir() / "benchmarks" / "architectures"
    data = {}
    rows = []
    for label, name, kwargs in (v for v in VARIANTS if v[0] in args.models):
        model = lh.build_model(name, **kwargs)
        if model.preprocessing not in data:
            data[model.preprocessing] = lh.mnist_tensors(device=device, subset=args.subset,
                                                         preprocessing=model.preprocessing)
        for seed in args.seeds:
            start = time.perf_counter()
            net, history, meta, trained = lh.train_or_load(
                name, epochs=args.epochs, seed=seed, subset=args.subset, model_kwargs=kwargs, folder=folder,
                tag=f"{label}_seed{seed}", device=device, data=data[model.preprocessing], verbose=False)
            rows.append({"network": label, "seed": seed, "parameters": lh.count_parameters(net),
                         "multiply-adds": lh.multiply_adds(net), "valid_acc": history["valid_acc"].iloc[-1],
                         "test_acc": meta["test_acc"], "s/epoch": history["train_seconds"].median()})
            print(f"{label:20s} seed {seed}: valid {rows[-1]['valid_acc']:.2f}%  test {meta['test_acc']:.2f}%  "
                  f"{rows[-1]['s/epoch']:.1f} s/epoch ({'trained' if trained else 'reused'}, "
                  f"{time.perf_counter() - start:.0f} s)", flush=True)

    raw = data.get("raw28") or lh.mnist_tensors(device="cpu", subset=args.subset, preprocessing="raw28")
    predicted = lh.nearest_class_mean(*raw.train.tensors, raw.test.tensors[0])
    ncm = 100.0 * (predicted == raw.test.tensors[1].cpu()).float().mean().item()

    per_run = pd.DataFrame(rows)
    table = lh.benchmark_summary(per_run)
    out = pd.DataFrame({
        "parameters": table["parameters"].map("{:,}".format),
        "multiply-adds": table["multiply-adds"].map("{:,}".format), "seeds": table["seeds"],
        "test acc % mean (range)": [f"{m:.2f} ({lo:.2f}-{hi:.2f})" for m, lo, hi in
                                    zip(table["test mean"], table["test min"], table["test max"])],
        "valid acc % mean": table["valid mean"].map("{:.2f}".format),
        "s/epoch (train)": table["s/epoch"].map("{:.1f}".format)}).rename_axis("network").reset_index()
    n_train = len(raw.train)
    print(f"\n{args.epochs} epochs, Adam 1e-3, batch 32, cosine; {n_train:,} training digits; test set scored once per run")
    print(out.to_string(index=False))
    print(f"nearest class mean (no training): test accuracy {ncm:.2f}%")
    csv = folder / "results.csv"
    atomic_write(csv, lambda tmp: per_run.to_csv(tmp, index=False))
    print(f"per-run figures: {csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
