"""Describing a network: parameter and multiply-add counts, the torchsummary table, a layer table."""
from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import textwrap

import pandas as pd
import torch
from torch import nn

from lenet_helpers.models.base import available_models, build_model, model_class
from lenet_helpers.models.lenet import SparseConv2d


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (61,706 for ``lenet5``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _input_size(model: nn.Module, input_size):
    return tuple(input_size or getattr(model, "input_shape", (1, 32, 32)))


def model_summary(model: nn.Module, input_size=None) -> str:
    """The torchsummary table of ``model`` as a string (print it to show it).

    ``input_size`` defaults to the model's declared ``input_shape``. torchsummary 1.5.1 fails
    when a GPU is present but the model is elsewhere, and on MPS (sksq96/pytorch-summary#181,
    #208): the table is computed on a CPU copy of the model, so it works on every machine and
    leaves ``model`` where it is.
    """

    from torchsummary import summary  # imported here: ``import lenet_helpers`` then needs only torch & co

    cpu_copy = copy.deepcopy(model).to("cpu")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        summary(cpu_copy, _input_size(model, input_size), device="cpu")
    return buffer.getvalue()


@torch.no_grad()
def layer_table(model: nn.Module, input_size=None):
    """Each layer's output shape and parameter count for one input, as a pandas DataFrame.

    Columns: ``layer`` (attribute name, e.g. ``conv1``), ``type``, ``output shape`` (without the
    batch dimension), ``parameters``. Computed with forward hooks on a CPU copy, so it always
    agrees with the model's code (and with torchsummary's rows). ``input_size`` defaults to the
    model's ``input_shape``.
    """

    return pd.DataFrame([{key: row[key] for key in ("layer", "type", "output shape", "parameters")}
                         for row in _layer_rows(model, input_size)])


def _layer_rows(model: nn.Module, input_size=None) -> list[dict]:
    """One dict per child module, in the order the forward pass calls them: ``layer``, ``type``,
    ``output shape``, ``parameters``, and the ``module`` and its ``input shape`` (batch dimension
    left out), from forward hooks on a CPU copy run on one zero input."""
    cpu_copy = copy.deepcopy(model).to("cpu").eval()
    rows, handles = [], []
    for name, module in cpu_copy.named_children():
        handles.append(module.register_forward_hook(
            lambda m, inputs, out, name=name: rows.append({
                "layer": name, "type": type(m).__name__, "output shape": tuple(out.shape[1:]),
                "parameters": sum(p.numel() for p in m.parameters()), "module": m,
                "input shape": tuple(inputs[0].shape[1:])})))
    try:
        with torch.no_grad():
            cpu_copy(torch.zeros(1, *_input_size(model, input_size)))
    finally:
        for h in handles:
            h.remove()
    return rows


def _why(module: nn.Module, shape_in: tuple, shape_out: tuple, parameters: int) -> str:
    """One layer's arithmetic in words: how its output size and its parameter count come about."""
    if isinstance(module, nn.Conv2d):
        k = module.kernel_size[0]
        c_in, w_in, c_out, w_out = shape_in[0], shape_in[-1], shape_out[0], shape_out[-1]
        pad = module.padding[0] if isinstance(module.padding, tuple) else 0
        size = f"{w_in} + 2×{pad} - {k} + 1 = {w_out}" if pad else f"{w_in} - {k} + 1 = {w_out}"
        count = f"({c_in}×{k}×{k} + 1) × {c_out} = {parameters:,}" if not isinstance(module, SparseConv2d) else \
            f"{parameters:,} (sparse: each map sees only some inputs)"
        return f"{c_out} kernels {k}x{k} on {c_in} channel{'s' * (c_in > 1)}: {size}; {count} parameters"
    if isinstance(module, nn.Linear):
        return (f"{module.in_features} -> {module.out_features} units: ({module.in_features} + 1) × "
                f"{module.out_features} = {parameters:,} parameters")
    if isinstance(module, (nn.AvgPool2d, nn.MaxPool2d)):
        kind = "average" if isinstance(module, nn.AvgPool2d) else "maximum"
        k, stride = module.kernel_size, module.stride
        k, stride = (k if isinstance(k, int) else k[0]), (stride if isinstance(stride, int) else stride[0])
        return (f"{k}x{k} {kind}, stride {stride}: {shape_in[-1]} / {stride} = {shape_out[-1]}"
                + (f"; {parameters:,} parameters" if parameters else ""))
    if isinstance(module, nn.Tanh):
        return "squashes each value into (-1, 1); no parameters"
    if isinstance(module, nn.ReLU):
        return "max(0, x) on each value; no parameters"
    if isinstance(module, nn.Flatten):
        return f"{' x '.join(map(str, shape_in))} values in a row; no parameters"
    return f"{parameters:,} parameters" if parameters else "no parameters"


def layer_arithmetic(model: nn.Module, input_size=None) -> pd.DataFrame:
    """:func:`layer_table` with a ``why`` column: each layer's output size and parameter count worked out.

    A K x K convolution with stride 1 and no padding turns W x W into (W - K + 1) x (W - K + 1)
    and has (in_channels x K x K + 1) x out_channels parameters; a 2x2 pooling with stride 2
    halves each side; a linear layer has (in + 1) x out parameters. The numbers in ``why`` are
    read from the modules and from one input run through the model (forward hooks), so they
    agree with the code. Columns: ``layer``, ``type``, ``output shape``, ``parameters``, ``why``.
    """
    return pd.DataFrame([{"layer": r["layer"], "type": r["type"], "output shape": r["output shape"],
                          "parameters": r["parameters"],
                          "why": _why(r["module"], r["input shape"], r["output shape"], r["parameters"])}
                         for r in _layer_rows(model, input_size)])


@torch.no_grad()
def multiply_adds(model: nn.Module, input_size=None) -> int:
    """Multiply-accumulate operations of one forward pass on one image (convolutions and linear layers).

    Counted with forward hooks: a convolution costs, per output element, one multiply-add per
    weight of its kernel plus one for the bias; a linear layer in x out + out; a sparsely
    connected convolution counts only its connected weights. Pooling and activations are not
    counted. This is torchinfo's ``total_mult_adds`` convention (a test checks it) and LeCun
    et al.'s count of "connections" (1998, section II.B: C1 122,304, C3 151,600).
    For ``lenet5``: 423,038.
    """

    cpu_copy = copy.deepcopy(model).to("cpu").eval()
    total, handles = [0], []

    def conv_hook(m, _i, out):  # weight[0]: in_channels/groups x kh x kw weights per output element
        total[0] += out[0].numel() * (m.weight[0].numel() + (m.bias is not None))

    def sparse_hook(m, _i, out):  # connected weights per output position, plus one bias per output element
        total[0] += out[0, 0].numel() * len(m.index) + out[0].numel()

    def linear_hook(m, _i, out):
        total[0] += m.out_features * (m.in_features + (m.bias is not None))

    for module in cpu_copy.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, SparseConv2d):
            handles.append(module.register_forward_hook(sparse_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    try:
        cpu_copy(torch.zeros(1, *_input_size(model, input_size)))
    finally:
        for h in handles:
            h.remove()
    return total[0]


def models_table():
    """Every registered architecture: name, parameters, multiply-adds, input, preprocessing, source.

    Returns:
        A pandas DataFrame with one row per name of :func:`available_models`.
    """


    rows = []
    for name in available_models():
        model = build_model(name)
        c, h, w = model.input_shape
        rows.append({"name": name, "parameters": count_parameters(model), "multiply-adds": multiply_adds(model),
                     "input": f"{c}x{h}x{w}", "preprocessing": model.preprocessing, "source": model.source})
    return pd.DataFrame(rows)


def model_source(name: str, docstring: bool = False) -> str:
    """The Python source of the registered architecture ``name``, as notebooks show it.

    With ``docstring=False`` the class docstring is left out, so the layers and ``forward``
    fit on one screen. Raises ``ValueError`` for an unknown name.
    """
    source = textwrap.dedent(inspect.getsource(model_class(name)))
    return source if docstring else without_docstring(source)


def without_docstring(source: str) -> str:
    """``source`` (one class or function definition) with its own docstring, and the blank line after it, left out."""
    node = ast.parse(source).body[0]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str):
        lines = source.splitlines()
        del lines[first.lineno - 1:first.end_lineno]
        if first.lineno - 1 < len(lines) and not lines[first.lineno - 1].strip():
            del lines[first.lineno - 1]  # the blank line after the docstring
        source = "\n".join(lines) + "\n"
    return source
