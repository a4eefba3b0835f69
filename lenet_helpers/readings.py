"""Readings: the few sentences after a figure, computed from the numbers the figure shows.

Each function takes what a notebook has just computed (a model and real digits, predictions,
a confusion matrix, feature maps) and returns a table and/or a list of sentences with the
numbers filled in, so that a rerun with other settings (another seed, fewer epochs, another
network from :func:`lenet_helpers.build_model`) changes the text with the figure.
:func:`lenet_helpers.learning_curve_report` (notebook 05) is the first of the kind.
"""
from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import torch
from torch import nn

#: Characters per printed line: fits a JupyterLab output at 1280 px with the file browser open.
WIDTH = 96


def show(lines, width: int = WIDTH) -> None:
    """Print reading sentences as bullets wrapped at word boundaries (``width`` characters)."""
    for line in lines:
        print(textwrap.fill(line, width, initial_indent="* ", subsequent_indent="  "))


#: Modules whose output is a pre-activation (a weighted sum, before the non-linearity).
WEIGHTED = (nn.Conv2d, nn.Linear)


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if name and not list(m.children())]


@torch.no_grad()
def layer_variances(model: nn.Module, images: torch.Tensor, batch_size: int = 500) -> pd.DataFrame:
    """Variance of every layer's output for real ``images``, measured with forward hooks.

    A forward hook on each leaf module (conv, tanh, pooling, linear, ...) records the sum
    and sum of squares of its outputs; the variance is over all images, channels and
    positions. Run it on an untrained model to see how the initialisation sets the scale
    of each layer, or on a trained one.

    Args:
        images: normalised inputs ``(N, C, H, W)`` in the model's preprocessing.

    Returns:
        One row per leaf module in the order the forward pass calls them, after a first row
        ``input``: ``layer`` (module name), ``type`` (e.g. ``Conv2d``), ``fan_in`` (inputs of
        one unit for Conv2d/Linear, else 0), ``variance``, ``mean``, ``saturated %`` (share of
        values with |x| > 0.95, meaningful after tanh).
    """
    model.eval()
    device = next(model.parameters()).device
    stats: dict[str, list] = {}
    order: list[str] = []
    handles = []

    def hook(name):
        def record(module, _inp, out):
            out = out.detach().double()
            if name not in stats:
                stats[name] = [module, 0, 0.0, 0.0, 0]
                order.append(name)
            s = stats[name]
            s[1] += out.numel()
            s[2] += float(out.sum())
            s[3] += float((out * out).sum())
            s[4] += int((out.abs() > 0.95).sum())
        return record

    for name, module in _leaves(model):
        handles.append(module.register_forward_hook(hook(name)))
    x = images.detach()
    n, total, sq, sat = x.numel(), float(x.double().sum()), float((x.double() ** 2).sum()), 0
    try:
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].to(device))
    finally:
        for h in handles:
            h.remove()
    rows = [{"layer": "input", "type": "", "fan_in": 0, "count": n, "sum": total, "sq": sq, "sat": sat}]
    for name in order:
        module, count, s, q, k = stats[name]
        fan_in = module.weight[0].numel() if isinstance(module, WEIGHTED) else 0
        rows.append({"layer": name, "type": type(module).__name__, "fan_in": fan_in, "count": count, "sum": s,
                     "sq": q, "sat": k})
    df = pd.DataFrame(rows)
    mean = df["sum"] / df["count"]
    df["variance"] = df["sq"] / df["count"] - mean ** 2
    df["mean"] = mean
    df["saturated %"] = 100.0 * df["sat"] / df["count"]
    return df[["layer", "type", "fan_in", "variance", "mean", "saturated %"]]


def preactivation_variances(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`layer_variances` that are pre-activations (Conv2d/Linear outputs),
    with the variance of what each layer received (``input variance``) beside it."""
    rows = []
    for i, row in table.iterrows():
        if row["type"] in ("Conv2d", "Linear"):
            rows.append({"layer": row["layer"], "fan_in": int(row["fan_in"]),
                         "input variance": table["variance"].iloc[i - 1] if i > 0 else float("nan"),
                         "pre-activation variance": row["variance"]})
    return pd.DataFrame(rows)


def variance_report(table: pd.DataFrame) -> list[str]:
    """Sentences reading :func:`layer_variances` of an untrained model: which layers stay near
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


# ---------------------------------------------------------------- 06: predictions and mistakes
def mixed_sample(correct: torch.Tensor, n: int, n_wrong: int | None = None, seed: int = 0) -> torch.Tensor:
    """Indices of ``n`` test digits with some mistakes among them (so a gallery shows red too).

    ``n_wrong`` mistakes (default a quarter of ``n``, at most all there are) and the rest right,
    drawn at random with ``seed`` and shuffled together.
    """
    correct = torch.as_tensor(correct).bool()
    g = torch.Generator().manual_seed(seed)
    wrong_idx = torch.nonzero(~correct).flatten()
    right_idx = torch.nonzero(correct).flatten()
    k = min(len(wrong_idx), n // 4 if n_wrong is None else n_wrong, n)
    pick = torch.cat([wrong_idx[torch.randperm(len(wrong_idx), generator=g)[:k]],
                      right_idx[torch.randperm(len(right_idx), generator=g)[:n - k]]])
    return pick[torch.randperm(len(pick), generator=g)]


def mistakes_table(labels, probabilities: torch.Tensor) -> pd.DataFrame:
    """Every misclassified digit with what the network thought, most confident mistake first.

    Args:
        labels: ``(N,)`` true digits; probabilities: ``(N, 10)`` softmax outputs.

    Returns:
        Columns ``index`` (position in the test set), ``true``, ``predicted``, ``confidence``
        (%, the predicted digit's probability), ``runner-up`` (second most probable digit),
        ``runner-up %``, ``true %`` (probability given to the true digit), ``true rank``
        (1 = first choice, 2 = the runner-up, ...).
    """
    labels = torch.as_tensor(labels).cpu()
    probabilities = torch.as_tensor(probabilities).cpu()
    order = probabilities.argsort(1, descending=True)
    predicted = order[:, 0]
    wrong = torch.nonzero(predicted != labels).flatten()
    if len(wrong) == 0:
        return pd.DataFrame(columns=["index", "true", "predicted", "confidence", "runner-up", "runner-up %",
                                     "true %", "true rank"])
    p = probabilities[wrong]
    rank = (order[wrong] == labels[wrong, None]).int().argmax(1) + 1
    df = pd.DataFrame({
        "index": wrong.numpy(), "true": labels[wrong].numpy(), "predicted": predicted[wrong].numpy(),
        "confidence": 100 * p.gather(1, predicted[wrong, None]).flatten().numpy(),
        "runner-up": order[wrong, 1].numpy(),
        "runner-up %": 100 * p.gather(1, order[wrong, 1:2]).flatten().numpy(),
        "true %": 100 * p.gather(1, labels[wrong, None]).flatten().numpy(),
        "true rank": rank.numpy(),
    })
    return df.sort_values("confidence", ascending=False).reset_index(drop=True)


def _a(digit) -> str:
    """"a 7", "an 8": the article for a digit read aloud."""
    return f"an {int(digit)}" if int(digit) == 8 else f"a {int(digit)}"


def format_mistakes(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`mistakes_table` with its percentages written for reading: confidences through
    :func:`~lenet_helpers.evaluation.format_confidence` (never a rounded "100.0%"), the small
    probabilities with two significant digits."""
    from .evaluation import format_confidence

    out = table.copy()
    out["confidence"] = [format_confidence(c / 100) for c in table["confidence"]]
    for col in ("runner-up %", "true %"):
        out[col] = [f"{v:.2g}%" if v < 99.95 else format_confidence(v / 100) for v in table[col]]
    return out


def mistakes_report(table: pd.DataFrame, confident: float = 90.0) -> list[str]:
    """Sentences on :func:`mistakes_table`: overconfidence, the runner-up, the true digit's probability."""
    from .evaluation import format_confidence

    n = len(table)
    if n == 0:
        return ["No mistakes: every digit was read correctly."]
    sure = int((table["confidence"] > confident).sum())
    top = table.iloc[0]
    second = int((table["true rank"] == 2).sum())
    lines = [
        f"{sure} of the {n} mistakes ({100 * sure / n:.0f}%) are made with more than {confident:.0f}% confidence: "
        f"a wrong answer is often a confident one (overconfidence), so a high softmax probability is no guarantee.",
        f"The most confident mistake, test digit #{int(top['index'])}, is {_a(top['true'])} read as "
        f"{int(top['predicted'])} with {format_confidence(top['confidence'] / 100)}; the true digit gets "
        f"{top['true %']:.2g}% (rank {int(top['true rank'])} of 10).",
        f"In {second} of the {n} mistakes ({100 * second / n:.0f}%) the true digit is the runner-up, the network's "
        f"second choice; the median probability left for the true digit is {table['true %'].median():.2g}%.",
    ]
    return lines


# ---------------------------------------------------------------- 07: confusion matrix
def per_class_noise_report(per_class: pd.DataFrame) -> list[str]:
    """Whether per-digit error counts differ by more than counting noise.

    A digit whose images are misread at a fixed rate gives, on a fresh test set of the same
    size, an error count that scatters by about its square root (binomial with a small rate
    ~ Poisson: standard deviation sqrt(n p (1 - p)) ~ sqrt(errors)). Two counts e1 and e2
    differ by more than noise when |e1 - e2| > 2 sqrt(e1 + e2) (two standard deviations of
    the difference).

    Args:
        per_class: :func:`~lenet_helpers.evaluation.per_class_accuracy`'s table.
    """
    rows = per_class.loc[per_class["images"] > 0]  # digits with test images
    errors = rows["errors"].astype(int)
    worst, best = int(rows["accuracy"].idxmin()), int(rows["accuracy"].idxmax())
    e1, e2 = int(errors[worst]), int(errors[best])
    sd = math.sqrt(e1 + e2) if e1 + e2 else 0.0
    z = abs(e1 - e2) / sd if sd else 0.0
    typical = errors.mean()
    band = 2 * math.sqrt(2 * typical)
    lines = [
        f"Counting noise: a digit misread {typical:.0f} times (the mean here) would, on a new test set of the same "
        f"size, be misread {typical:.0f} +- {math.sqrt(typical):.0f} times (the square root of a count); two digits "
        f"with such counts must differ by more than about {band:.0f} errors before the difference means anything.",
    ]
    pair = (f"The least and best recognised digits, {worst} ({e1} errors) and {best} ({e2}), differ by "
            f"{e1 - e2} errors, {z:.1f} standard deviations of the difference")
    if z > 3:
        lines.append(pair + ": a real difference.")
    elif z > 2:
        lines.append(pair + ": borderline. They are the extremes of ten counts, and extremes picked from 45 pairs "
                            "are expected to lie 2-3 standard deviations apart by chance alone.")
    else:
        lines.append(pair + ": within noise.")
    close = [(a, b) for a in errors.index for b in errors.index
             if a < b and abs(errors[a] - errors[b]) <= 2 * math.sqrt(max(1, errors[a] + errors[b]))]
    n_pairs = len(errors) * (len(errors) - 1) // 2
    lines.append(f"{len(close)} of the {n_pairs} pairs of digits have error counts within noise of each other.")
    return lines


def confused_pair_report(cm: pd.DataFrame) -> list[str]:
    """The most frequent confusion and its reverse direction, from a confusion matrix."""
    from .evaluation import most_confused

    pairs = most_confused(cm, top=1)
    if pairs.empty:
        return ["No confusions at all."]
    a, b, n = (int(v) for v in pairs.iloc[0][["actual", "predicted", "count"]])
    back = int(cm.loc[b, a])
    lines = [f"The most frequent confusion is {a} read as {b}: {n} of {int(cm.loc[a].sum()):,} {a}s "
             f"({100 * n / cm.loc[a].sum():.2f}%)."]
    if back == n:
        lines.append(f"The other way, {b} read as {a}, happens exactly as often ({back}): a symmetric confusion.")
    else:
        lines.append(f"The other way, {b} read as {a}, happens {back} times: confusions need not be symmetric "
                     f"(cell ({a}, {b}) and cell ({b}, {a}) of the matrix count different mistakes).")
    return lines


# ---------------------------------------------------------------- 08: feature maps
def background_values(model: nn.Module, background: float, layer: str = "conv1") -> pd.DataFrame:
    """What each map of a first convolution outputs on blank background, after its activation.

    On a uniform input of value ``background`` (MNIST's black, normalised: -mean/std), a
    kernel's output is ``bias + background * sum(weights)``; the activation that follows
    (read from ``model.feature_layers`` or the LeNet-5 default) maps it to the colour of the
    map's background. Returns columns ``map``, ``kernel sum``, ``bias``, ``pre-activation``,
    ``background value``.
    """
    conv = model.get_submodule(layer)
    layers = getattr(model, "feature_layers", {"conv1": "tanh1"})
    act = model.get_submodule(layers.get(layer, layer))
    with torch.no_grad():
        w_sum = conv.weight.detach().flatten(1).sum(1).cpu()
        bias = conv.bias.detach().cpu() if conv.bias is not None else torch.zeros_like(w_sum)
        pre = bias + background * w_sum
        value = act(pre.to(conv.weight.device)).cpu() if act is not conv else pre
    return pd.DataFrame({"map": range(len(w_sum)), "kernel sum": w_sum.numpy(), "bias": bias.numpy(),
                         "pre-activation": pre.numpy(), "background value": value.numpy()})


def feature_map_report(maps: dict, background: pd.DataFrame | None = None, saturated: float = 0.95) -> list[str]:
    """Sentences on :func:`lenet_helpers.feature_maps`' output: backgrounds and saturation.

    Args:
        maps: ``{"conv1": (6, 28, 28), ..., "fc": (10,)}`` for one image.
        background: :func:`background_values` for conv1, to explain the coloured backgrounds.
    """
    lines = []
    if background is not None:
        strong = background.loc[background["background value"].abs() > 0.3]
        desc = ", ".join(f"map {int(r['map'])} {r['background value']:+.2f}" for _, r in strong.iterrows())
        lines.append(
            f"Where there is no ink the input is MNIST's normalised black, and each conv1 map shows tanh(bias + "
            f"background x kernel sum) there, the same value everywhere: " +
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


@torch.no_grad()
def layer_codes(model: nn.Module, images: torch.Tensor, layer: str = "conv3", batch_size: int = 500) -> torch.Tensor:
    """The activations of ``layer`` (a key of ``model.feature_layers``) for many images, ``(N, features)``."""
    layers = getattr(model, "feature_layers", {"conv1": "tanh1", "conv2": "tanh2", "conv3": "tanh3", "fc1": "tanh4",
                                               "fc": "fc2"})
    module = model.get_submodule(layers[layer])
    out = []
    handle = module.register_forward_hook(lambda _m, _i, o: out.append(o.detach().flatten(1).cpu()))
    model.eval()
    device = next(model.parameters()).device
    try:
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].to(device))
    finally:
        handle.remove()
    return torch.cat(out)


def code_similarity(codes: torch.Tensor, labels) -> pd.DataFrame:
    """Mean cosine similarity between the codes of digits of class i and of class j (10x10).

    The diagonal averages over distinct pairs of the same class (a code's similarity to
    itself is left out).
    """
    labels = torch.as_tensor(labels).cpu()
    z = torch.nn.functional.normalize(codes.double(), dim=1)
    sim = np.zeros((10, 10))
    for i in range(10):
        zi = z[labels == i]
        for j in range(10):
            zj = z[labels == j]
            if len(zi) == 0 or len(zj) == 0:
                sim[i, j] = np.nan
                continue
            s = zi @ zj.T
            if i == j:
                n = len(zi)
                sim[i, j] = float((s.sum() - s.diagonal().sum()) / (n * (n - 1))) if n > 1 else np.nan
            else:
                sim[i, j] = float(s.mean())
    return pd.DataFrame(sim, index=pd.Index(range(10), name="digit"), columns=pd.Index(range(10), name="digit"))


def code_similarity_report(sim: pd.DataFrame, layer: str = "conv3") -> list[str]:
    """Sentences on :func:`code_similarity`: same digit vs different digits, the closest pair."""
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
            :func:`~lenet_helpers.images.load_image`'s preprocessing.
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
