"""Accuracy on a fixed set of varied drawn digits, without and with the stroke-width step of load_image.

The set is ``lenet_helpers.digits.synthetic.drawn_digit_set``: every digit 0-9 drawn in 12 pen/size
styles (pens of 2-40 pixels on 200-pixel images, 1-10 pixels on small 64- and 32-pixel images),
at positions and heights from a fixed seed, ``--repeats`` times: the same images on every
machine. Each image is read through ``lh.load_image(..., normalize_stroke=False)`` (notebook
09's preprocessing) and with the stroke-width step (the default); prints the accuracy of both,
the accuracy per style, and the preprocessing time per image.

    python benchmarks/stroke_width.py                                   # artifacts/lenet5_mnist.pt
    python benchmarks/stroke_width.py --checkpoint artifacts/models/lenet5_augment.pt
"""
from __future__ import annotations

import argparse
import time

import lenet_helpers as lh
from lenet_helpers.analysis.robustness import drawn_readings
from lenet_helpers.digits.synthetic import DRAWN_STYLES, drawn_digit_set
from lenet_helpers.settings import machine


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=None, help="checkpoint to read with (default artifacts/lenet5_mnist.pt)")
    parser.add_argument("--repeats", type=int, default=3, help="copies of the 120 styles x digits (different jitter)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    try:
        model, meta = lh.load_checkpoint(args.checkpoint)
    except (FileNotFoundError, lh.CheckpointError) as exc:
        print(f"stroke_width.py: error: {exc}")
        return 1
    print(machine())
    print(f"model: {args.checkpoint or lh.checkpoint_path()} (test accuracy {meta.get('test_acc', float('nan')):.2f}%)")
    drawn = drawn_digit_set(repeats=args.repeats, seed=args.seed)
    print(f"fixed set: {len(drawn)} drawn digits (seed {args.seed}, {args.repeats} repeats x 10 digits x "
          f"{len(DRAWN_STYLES)} styles)")
    results, seconds = {}, {}
    for label, normalize in (("without", False), ("with", True)):
        start = time.perf_counter()
        results[label] = drawn_readings(model, drawn, normalize_stroke=normalize)
        seconds[label] = time.perf_counter() - start
    table = drawn.drop(columns="image").copy()
    for label, r in results.items():
        table[label] = r["correct"].to_numpy()
    per_style = table.groupby(["size", "thickness"], sort=False)[["without", "with"]].mean() * 100
    print("\naccuracy (%) by image size and pen width (pixels):")
    print(per_style.round(1).to_string())
    print()
    for label in ("without", "with"):
        acc = 100 * results[label]["correct"].mean()
        print(f"{label:7s} stroke-width step: {acc:5.1f}% right ({int(results[label]['correct'].sum())} of {len(drawn)}), "
              f"{1000 * seconds[label] / len(drawn):.1f} ms per image")
    gain = lh.readings.printed_difference(100 * results["with"]["correct"].mean(),  # as the two lines above print them
                                          100 * results["without"]["correct"].mean(), 1)
    print(f"gain: {gain:+.1f} points; time ratio with/without: {seconds['with'] / seconds['without']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
