"""Sentences about the network itself: input normalisation (02), variances at initialisation (03),
feature maps and conv3's codes (08), a digit fed without the MNIST preprocessing (09).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from lenet_helpers.analysis.activations import preactivation_variances


def variance_report(table: pd.DataFrame) -> list[str]:
    """Sentences reading :func:`~lenet_helpers.layer_variances` of an untrained model: which layers stay near
    variance 1, and how much each activation and pooling step shrinks the signal."""
    pre = preactivation_variances(table)
    if pre.empty:
        return ["The model has no Conv2d or Linear layer to read."]
    values = ", ".join(f"{r['layer']} {r['pre-activation variance']:.2f}" for _, r in pre.iterrows())
    lines = [f"Pre-activation variances on these digits: {values}."]
    first, last = pre.iloc[0], pre.iloc[-1]
    lines.append(
        f"{first['layer']} receives inputs of variance {first['input variance']:.2f} and its pre-activations have "
        f"variance {first['pre-activation variance']:.2f}: with weights of variance 1/fan_in a unit's weighted sum "
        f"keeps roughly the (mean square) scale of its inputs.")
    # The steps between the first two weighted layers: what the activation and pooling do.
    idx = table.index[table["type"].isin(["Conv2d", "Linear"])].tolist()
    if len(idx) >= 2:
        steps = table.loc[idx[0]:idx[1] - 1]
        chain = " -> ".join(f"{r['layer']} {r['variance']:.2f}" for _, r in steps.iterrows())
        lines.append(f"Between {first['layer']} and {pre.iloc[1]['layer']} the variance goes {chain}: "
                     f"each squashing or averaging step makes it smaller, and the next layer starts from there.")
    ratio = last["pre-activation variance"] / first["pre-activation variance"]
    if ratio < 0.5:
        lines.append(
            f"So the variance is not near 1 in every layer: {last['layer']}'s is {ratio:.2f} times {first['layer']}'s. "
            f"tanh maps variance-1 inputs to outputs of variance about 0.4 (it flattens beyond about +-2), and averaging "
            f"neighbouring values removes more; the 1/fan_in weights only preserve what each layer receives.")
    else:
        lines.append(f"{last['layer']}'s variance is {ratio:.2f} times {first['layer']}'s: the scale is roughly kept.")
    return lines


# ---------------------------------------------------------------- 02: normalisation
def normalisation_report(raw, resized: torch.Tensor, normalised: torch.Tensor, mean: float, std: float) -> list[str]:
    """Why a digit's normalised maximum is below the theoretical (1 - mean) / std.

    Args:
        raw: the 28x28 uint8 digit (0-255); resized: the 32x32 tensor in [0, 1];
        normalised: the same after ``Normalize(mean, std)``.
    """
    raw = np.asarray(raw)
    top = (1 - mean) / std
    full = int((raw == 255).sum())
    rmax = float(resized.max())
    lines = [
        f"Full ink (255, i.e. 1.0) would normalise to (1 - {mean}) / {std} = {top:.3f} and the black background to "
        f"(0 - {mean}) / {std} = {-mean / std:.3f}.",
        f"This digit has {full} pixel{'' if full == 1 else 's'} at 255 before resizing, but its brightest pixel after the 28 -> 32 resize is "
        f"{rmax:.3f}, so its normalised maximum is {float(normalised.max()):.3f}, not {top:.3f}: the bilinear resize "
        f"computes each new pixel as a weighted average of its neighbours, and next to a stroke's edge that average "
        f"mixes in darker pixels.",
    ]
    return lines


def kernel_background_report(background: pd.DataFrame, value: float | None = None, activation: str = "tanh",
                             coloured: float = 0.3) -> list[str]:
    """Why each conv1 map has the background colour it has: its kernel's weight sum and bias.

    Where there is no ink every input pixel has the same value ``b`` (MNIST's black after
    normalisation, -mean/std ~ -0.42), so kernel k's output there is ``b x sum(weights_k) +
    bias_k`` whatever the arrangement of its weights, and the map's background is the
    activation of that. The sentences give this formula with ``b``, then group the maps by
    background colour (red above ``coloured``, blue below ``-coloured``, white in between, as
    drawn by :func:`~lenet_helpers.plot_feature_maps`) and say, from the numbers, whether the
    weight sum or the bias decides each colour.

    Args:
        background: :func:`~lenet_helpers.background_values` of conv1, one row per map, columns
            ``map``, ``kernel sum``, ``bias``, ``pre-activation``, ``background value``
            (activation units, in [-1, 1] for tanh).
        value: the uniform input ``b`` (normalised pixel value); by default recovered from the
            table (``(pre-activation - bias) / kernel sum`` of the kernel with the largest sum).
        activation: the name of the activation written in the formula.
        coloured: smallest absolute background value called red or blue (0.3 = a clearly
            coloured background on the -1..1 scale).

    Returns:
        Sentences (empty list for an empty table).
    """
    if background.empty:
        return []
    sums, bias = background["kernel sum"].to_numpy(float), background["bias"].to_numpy(float)
    pre, out = background["pre-activation"].to_numpy(float), background["background value"].to_numpy(float)
    maps = background["map"].to_numpy(int)
    if value is None:
        k = int(np.argmax(np.abs(sums)))
        value = float((pre[k] - bias[k]) / sums[k]) if sums[k] else 0.0
    term = value * sums
    lines = [
        f"Where a 5x5 window holds no ink every input pixel under it is {value:+.3f}, so kernel k's output there is "
        f"{value:+.3f} x (sum of its 25 weights) + bias k, whatever the pattern of the weights, and map k's "
        f"background is {activation}(that), the same everywhere."]

    def listing(idx):
        return ", ".join(f"map {maps[i]} (sum {sums[i]:+.2f}, bias {bias[i]:+.2f}, background {out[i]:+.2f})"
                         for i in idx)

    groups = [("red (positive)", np.flatnonzero(out > coloured)), ("blue (negative)", np.flatnonzero(out < -coloured)),
              ("near white", np.flatnonzero(np.abs(out) <= coloured))]
    described = [f"{name}: {listing(idx)}" for name, idx in groups if len(idx)]
    lines.append("Backgrounds " + "; ".join(described) + ".")
    strong = np.flatnonzero(np.abs(out) > coloured)
    by_sum = [i for i in strong if np.sign(term[i]) == np.sign(pre[i]) and abs(term[i]) > abs(bias[i])]
    by_bias = [i for i in strong if i not in by_sum]
    if len(strong):
        if value < 0:
            rule = "the input is negative, so a negative weight sum pushes the background up (red) and a " \
                   "positive sum pushes it down (blue)"
        else:
            rule = "the input is positive, so a positive weight sum pushes the background up (red) and a " \
                   "negative sum pushes it down (blue)"
        if not by_bias:
            lines.append(f"In every clearly coloured map the sum term outweighs the bias, and {rule}: "
                         f"the colour follows the kernel's sum, not the pattern of its weights.")
        else:
            names = ", ".join(f"map {maps[i]}" for i in by_bias)
            lines.append(f"The sum term decides {len(by_sum)} of the {len(strong)} clearly coloured backgrounds "
                         f"({rule}); in {names} the bias decides instead.")
    pale = np.flatnonzero(np.abs(out) <= coloured)
    squashed = [i for i in pale if abs(pre[i]) > coloured]  # e.g. ReLU cuts a negative sum to 0
    small = [i for i in pale if i not in squashed and abs(term[i]) <= coloured]
    cancelled = [i for i in pale if i not in squashed and i not in small]
    if small:
        one = len(small) == 1
        lines.append(f"{'Map' if one else 'Maps'} {', '.join(str(maps[i]) for i in small)} "
                     f"{'has' if one else 'have'} a weight sum near 0 (sum x {value:+.3f} within +-{coloured}): "
                     f"{'its' if one else 'their'} positive and negative weights nearly cancel on a uniform "
                     f"input, so the background stays near white.")
    if cancelled:
        lines.append("; ".join(f"In map {maps[i]} the bias {bias[i]:+.2f} offsets the sum term {term[i]:+.2f}, leaving "
                               f"{activation}({pre[i]:+.2f}) = {out[i]:+.2f}" for i in cancelled) + ": near white.")
    if squashed:
        lines.append(f"In {', '.join(f'map {maps[i]} ({activation}({pre[i]:+.2f}) = {out[i]:+.2f})' for i in squashed)} "
                     f"the output before {activation} is far from 0, but {activation} maps it near 0.")
    return lines


def feature_map_report(maps: dict | None = None, background: pd.DataFrame | None = None,
                       saturated: float = 0.95) -> list[str]:
    """Sentences on :func:`lenet_helpers.feature_maps`' output: backgrounds and saturation.

    Args:
        maps: ``{"conv1": (6, 28, 28), ..., "fc": (10,)}`` for one image (activations after tanh,
            in [-1, 1]); only the conv1-conv3 entries present are read. ``None``: no maps.
        background: :func:`~lenet_helpers.background_values` for conv1: adds
            :func:`kernel_background_report`'s sentences on the coloured backgrounds.
        saturated: absolute value above which a tanh output counts as saturated.
    """
    maps = maps or {}
    lines = kernel_background_report(background) if background is not None else []
    for key in ("conv1", "conv2", "conv3"):
        if key in maps:
            m = maps[key]
            frac = 100 * float((m.abs() > saturated).float().mean())
            lines.append(f"{key}: {frac:.0f}% of the {m.numel():,} values are saturated (|value| > {saturated}), "
                         f"where tanh is flat.")
    if "conv3" in maps:
        v = maps["conv3"].flatten()
        share = float((v.abs() > saturated).float().mean())
        verdict = ("a code close to binary" if share >= 0.8 else
                   "mostly at the extremes, but not a binary code" if share >= 0.5 else "not a binary code")
        lines.append(f"conv3's code for this digit: {int((v > saturated).sum())} units at about +1, "
                     f"{int((v < -saturated).sum())} at about -1, {int((v.abs() <= saturated).sum())} in between: "
                     f"{100 * share:.0f}% of the {len(v)} values are (nearly) +1 or -1, {verdict}.")
    return lines


def code_similarity_report(sim: pd.DataFrame, layer: str = "conv3") -> list[str]:
    """Sentences on :func:`~lenet_helpers.code_similarity`: same digit vs different digits, the closest pair."""
    s = sim.to_numpy()
    same = np.nanmean(np.diag(s))
    off = s[~np.eye(10, dtype=bool)]
    masked = s.copy()
    np.fill_diagonal(masked, -np.inf)
    i, j = np.unravel_index(np.nanargmax(masked), masked.shape)
    return [
        f"Two {layer} codes of the same digit have a mean cosine similarity of {same:.2f}; codes of different "
        f"digits {np.nanmean(off):.2f}: the code already tells the digits apart, which is all fc1 and fc2 need.",
        f"The most similar codes of two different digits are {i}'s and {j}'s ({s[i, j]:.2f}), "
        f"digits that share strokes.",
    ]


# ---------------------------------------------------------------- 09: naive vs prepared
def naive_input_report(naive: torch.Tensor, prepared: torch.Tensor, naive_pred, truth) -> list[str]:
    """Why feeding a photo as it is fails: the border (paper) value and the predictions.

    Args:
        naive, prepared: ``(N, 1, H, W)`` normalised model inputs without and with
            :func:`~lenet_helpers.digits.page.load_image`'s preprocessing.
        naive_pred, truth: ``(N,)`` predicted and true digits for the naive inputs.
    """
    def border(x):
        return float(torch.cat([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], -1).mean())

    naive_pred, truth = torch.as_tensor(naive_pred).cpu(), torch.as_tensor(truth).cpu()
    values, counts = naive_pred.unique(return_counts=True)
    common, k = int(values[counts.argmax()]), int(counts.max())
    return [
        f"The naive inputs' border (the paper) has a mean value of {border(naive):+.2f}; MNIST's background, and "
        f"the prepared inputs' border, is {border(prepared):+.2f}. The network was trained on bright ink on a dark "
        f"field and here gets the opposite: a bright page with a dark digit.",
        f"So it reads the page, not the digit: {int((naive_pred == truth).sum())} of {len(truth)} naive inputs are "
        f"right, and {k} of {len(truth)} are read as the same digit, {common}.",
    ]
