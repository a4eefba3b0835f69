"""Test accuracy of LeNet-5 after 15 epochs with the package's defaults, over several seeds.

Every setting of ``lenet_helpers.train`` was chosen on the 5,000-digit validation split; the
10,000 test digits are scored once per seed, after training. Prints per-seed validation and
test accuracy, their mean and range, and the training time.

    python benchmarks/accuracy.py                  # seeds 0 1 2, defaults
    python benchmarks/accuracy.py --augment        # with random affine distortions
    python benchmarks/accuracy.py --lr-schedule constant   # the reference tutorial's constant learning rate
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

import lenet_helpers as lh


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--lr-schedule", default="cosine", choices=["cosine", "constant"])
    parser.add_argument("--subset", type=int, default=None,
                        help="use the first SUBSET digits of each split only (quick runs)")
    args = parser.parse_args(argv)

    device = lh.pick_device()
    data = lh.mnist_tensors(device=device, subset=args.subset)
    print(f"{args.epochs} epochs, Adam 1e-3, batch 32, lr schedule {args.lr_schedule}, "
          f"augment {args.augment}; {len(data.train):,} train / {len(data.valid):,} valid / {len(data.test):,} test")
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        lh.set_seed(seed)
        model = lh.LeNet5()
        history = lh.train(model, data, epochs=args.epochs, seed=seed, augment=args.augment,
                           lr_schedule=args.lr_schedule, device=device, progress=False, verbose=False)
        _, test_acc = lh.evaluate(model, data.test)
        rows.append({"seed": seed, "valid_acc": history["valid_acc"].iloc[-1], "test_acc": test_acc,
                     "test_errors": round((100 - test_acc) * len(data.test) / 100),
                     "seconds": time.perf_counter() - start})
        print(f"seed {seed}: valid {rows[-1]['valid_acc']:.2f}%  test {test_acc:.2f}%  "
              f"({rows[-1]['seconds']:.0f} s)", flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"\ntest accuracy: mean {table.test_acc.mean():.2f}%, range {table.test_acc.min():.2f}-"
          f"{table.test_acc.max():.2f}% over {len(table)} seeds")
    print(f"valid accuracy: mean {table.valid_acc.mean():.2f}%")


if __name__ == "__main__":
    main()
