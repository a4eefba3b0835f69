"""Statistics of a network's activations on real digits: variances layer by layer (notebook 03),
a blank background's values (notebook 08), the similarity of conv3's codes between classes (notebook 08).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

#: Modules whose output is a pre-activation (a weighted sum, before the non-linearity).
WEIGHTED = (nn.Conv2d, nn.Linear)

#: Squashing activations, whose outputs are bounded (|x| <= 1 for tanh): only there does
#: "saturated" (|x| > 0.95, where the slope is nearly 0) mean something.
SQUASHING = (nn.Tanh, nn.Hardtanh, nn.Sigmoid, nn.Softsign)


def _squashing(module: nn.Module) -> bool:
    return isinstance(module, SQUASHING) or "tanh" in type(module).__name__.lower()


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
        one unit for Conv2d/Linear, else missing: ``pd.NA``), ``variance``, ``mean``, ``saturated %`` (share of
        values with |x| > 0.95; only on the rows of a squashing activation such as tanh, NaN
        elsewhere: a convolution's or a pooling's output is not bounded, so "saturated" has no meaning).
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
    n, total, sq = x.numel(), float(x.double().sum()), float((x.double() ** 2).sum())
    try:
        for start in range(0, len(images), batch_size):
            model(images[start:start + batch_size].to(device))
    finally:
        for h in handles:
            h.remove()
    rows = [{"layer": "input", "type": "", "fan_in": None, "count": n, "sum": total, "sq": sq, "sat": float("nan")}]
    for name in order:
        module, count, s, q, k = stats[name]
        fan_in = module.weight[0].numel() if isinstance(module, WEIGHTED) else None
        rows.append({"layer": name, "type": type(module).__name__, "fan_in": fan_in, "count": count, "sum": s,
                     "sq": q, "sat": k if _squashing(module) else float("nan")})
    df = pd.DataFrame(rows)
    mean = df["sum"] / df["count"]
    df["variance"] = df["sq"] / df["count"] - mean ** 2
    df["mean"] = mean
    df["saturated %"] = 100.0 * df["sat"] / df["count"]
    df["fan_in"] = df["fan_in"].astype("Int64")  # an integer column with gaps (shown blank, not as 0)
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


def code_similarity(codes: torch.Tensor, labels) -> pd.DataFrame:
    """Mean cosine similarity between the codes of digits of class i and of class j (10x10).

    The diagonal averages over distinct pairs of the same class (a code's similarity to
    itself is left out).

    Args:
        codes: ``(N, D)`` one vector per digit (e.g. conv3's 120 values); labels: ``(N,)`` digits 0-9.

    Returns:
        A 10x10 DataFrame (rows and columns: digits 0-9), cosine similarities in [-1, 1].
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
