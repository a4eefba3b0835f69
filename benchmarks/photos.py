"""How many synthetic photos of digits are read right: the old global threshold against the local one.

The photos (``lenet_helpers.digits.synthetic.photo_set``: 110 pictures, made with code, the same on
every machine) are each digit 0-9 with a marker or a pencil, under a strong or mild shadow
gradient, a dark corner, 5% salt-and-pepper specks, inside an ink frame; plus pictures that
are not one digit (two digits, a line, specks only, a 200x1 strip), which a good reader must
flag as uncertain or refuse rather than answer with confidence.

"before" is the preprocessing of ``lenet_helpers.load_image`` up to commit 8f8a985 (one
global median of the border as the paper, one global threshold), kept below for comparison;
"after" is today's ``lh.read_digit``.

    python benchmarks/photos.py                      # the checkpoint at artifacts/lenet5_mnist.pt
    python benchmarks/photos.py --checkpoint m.pt
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from PIL import Image

import lenet_helpers as lh
from lenet_helpers.digits.synthetic import DIGIT_KINDS, photo_set


def global_threshold_input(img: Image.Image):
    """The former ``load_image`` (commit 8f8a985): border median as paper, one global threshold."""
    grey = np.asarray(img.convert("L"), dtype=np.float32) / 255
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    ink = (1 - grey) if background > 0.5 else grey.copy()
    bg = 1 - background if background > 0.5 else background
    contrast = float(np.percentile(ink, 99.9)) - bg
    if contrast < 0.15:
        raise lh.ImageError("no ink found")
    ink = np.clip((ink - bg) / contrast, 0, 1)
    ink[ink < 0.2] = 0
    rows, cols = np.nonzero(ink)
    cropped = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = cropped.shape
    scale = 20 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    box = np.asarray(Image.fromarray((cropped * 255).astype(np.uint8), mode="L").resize(size, Image.LANCZOS),
                     dtype=np.float32) / 255
    ys, xs = np.indices(box.shape)
    cy, cx = (ys * box).sum() / box.sum(), (xs * box).sum() / box.sum()
    top = int(np.clip(round(13.5 - cy), 0, 28 - box.shape[0]))
    left = int(np.clip(round(13.5 - cx), 0, 28 - box.shape[1]))
    field = np.zeros((28, 28), dtype=np.float32)
    field[top:top + box.shape[0], left:left + box.shape[1]] = box
    return lh.lenet_transform()(Image.fromarray((field * 255).round().astype(np.uint8), mode="L"))


def outcome(truth, digit, flagged: bool) -> str:
    """One of: right, right+flag, flagged (wrong or no digit, but said so), refused, silently wrong."""
    if digit is None:
        return "refused"
    if truth is not None and digit == truth:
        return "right+flag" if flagged else "right"
    return "flagged" if flagged else "silently wrong"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default=None, help="default artifacts/lenet5_mnist.pt")
    parser.add_argument("--seed", type=int, default=0, help="seed of the photo set (0 = the README's set)")
    parser.add_argument("--details", action="store_true", help="print every picture's reading")
    args = parser.parse_args(argv)
    try:
        model, _ = lh.load_checkpoint(args.checkpoint)
    except (FileNotFoundError, lh.CheckpointError) as exc:
        print(f"photos.py: error: {exc}", file=sys.stderr)
        return 1
    rows = []
    for kind, truth, img in photo_set(seed=args.seed):
        try:
            before = int(lh.predict(model, global_threshold_input(img))[0][0])
        except (lh.ImageError, ValueError):
            before = None
        try:
            reading = lh.read_digit(model, img)
            after, flagged, note = reading.digit, reading.uncertain, "; ".join(reading.warnings + reading.notes)
        except lh.ImageError as exc:
            after, flagged, note = None, True, str(exc)
        rows.append(dict(kind=kind, truth=truth, before=before, after=after,
                         before_outcome=outcome(truth, before, False), after_outcome=outcome(truth, after, flagged),
                         note=note))
        if args.details:
            print(f"{kind:22s} {truth!s:>4}  before {before!s:>4}  after {after!s:>4}  {note}")
    df = pd.DataFrame(rows)

    def count(frame, column, *values):
        return int(frame[column].isin(values).sum())

    table = []
    for kind, g in df.groupby("kind", sort=False):
        single = kind in DIGIT_KINDS
        table.append({
            "pictures": kind, "n": len(g),
            "before: right": count(g, "before_outcome", "right") if single else "-",
            "after: right": count(g, "after_outcome", "right", "right+flag") if single else "-",
            "after: flagged": count(g, "after_outcome", "right+flag", "flagged", "refused"),
            "before: silently wrong": count(g, "before_outcome", "silently wrong"),
            "after: silently wrong": count(g, "after_outcome", "silently wrong"),
        })
    table = pd.DataFrame(table)
    single = df[df["truth"].notna()]
    other = df[df["truth"].isna()]
    print(table.to_string(index=False))
    print()
    print(f"one digit per picture ({len(single)}): read right before {count(single, 'before_outcome', 'right')}, "
          f"after {count(single, 'after_outcome', 'right', 'right+flag')}; "
          f"wrong without a warning before {count(single, 'before_outcome', 'silently wrong')}, "
          f"after {count(single, 'after_outcome', 'silently wrong')}")
    print(f"not one digit ({len(other)}): answered with no warning before "
          f"{count(other, 'before_outcome', 'silently wrong')}, after {count(other, 'after_outcome', 'silently wrong')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
