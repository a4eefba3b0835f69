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
            f"tanh maps variance-1 inputs to outputs of variance about 0.4 (it is flat beyond +-1), and averaging "
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


def feature_map_report(maps: dict, background: pd.DataFrame | None = None, saturated: float = 0.95) -> list[str]:
    """Sentences on :func:`lenet_helpers.feature_maps`' output: backgrounds and saturation.

    Args:
        maps: ``{"conv1": (6, 28, 28), ..., "fc": (10,)}`` for one image.
        background: :func:`~lenet_helpers.background_values` for conv1, to explain the coloured backgrounds.
    """
    lines = []
    if background is not None:
        strong = background.loc[background["background value"].abs() > 0.3]
        desc = ", ".join(f"map {int(r['map'])} {r['background value']:+.2f}" for _, r in strong.iterrows())
        lines.append(
            "Where there is no ink the input is MNIST's normalised black, and each conv1 map shows tanh(bias + "
            "background x kernel sum) there, the same value everywhere: " +
            (f"{len(strong)} of {len(background)} maps have a clearly coloured background ({desc})." if len(strong)
             else "all backgrounds are near 0 (white)."))
    for key in ("conv1", "conv2", "conv3"):
        if key in maps:
            m = maps[key]
            frac = 100 * float((m.abs() > saturated).float().mean())
            lines.append(f"{key}: {frac:.0f}% of the {m.numel():,} values are saturated (|value| > {saturated}), "
                         f"where tanh is flat.")
    if "conv3" in maps:
        v = maps["conv3"].flatten()
        lines.append(f"conv3's code for this digit: {int((v > saturated).sum())} units at about +1, "
                     f"{int((v < -saturated).sum())} at about -1, {int((v.abs() <= saturated).sum())} in between: "
                     f"{100 * float((v.abs() > saturated).float().mean()):.0f}% of the {len(v)} values are "
                     f"(nearly) +1 or -1, a code close to binary.")
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
