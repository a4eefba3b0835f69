"""Comparing trained networks: one results table, which test digits each gets wrong, the double
softmax's loss floor, and the architecture benchmark's per-run results (shipped or your own).

Used by notebook 10 and ``benchmarks/architectures.py``; the sentences about them are
:func:`lenet_helpers.readings.architecture_report` and :func:`lenet_helpers.readings.benchmark_report`.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lenet_helpers.analysis.evaluation import predict
from lenet_helpers.models import count_parameters, multiply_adds
from lenet_helpers.settings import REFERENCE_DIR, artifacts_dir


def results_table(results: dict) -> pd.DataFrame:
    """One row per trained network, for the comparison of notebook 10.

    Args:
        results: ``{label: dict(model=..., history=DataFrame, test_acc=%, wrong=indices)}``;
            ``history`` as returned by :func:`lenet_helpers.train` (its ``train_seconds``
            column gives the speed); an optional ``trained`` (bool, as
            :func:`~lenet_helpers.train_or_load` returns it) says whether the network was trained
            in this run or loaded from an earlier one.

    Returns:
        A DataFrame indexed by label with columns ``parameters``, ``multiply-adds`` (per image),
        ``input``, ``s/epoch`` (median wall time of a training pass, seconds), ``timed in``
        ("this run" or "an earlier run", only when the results say ``trained``: a loaded
        checkpoint keeps the times of the run that made it, on whatever else that machine was
        doing), ``valid acc %`` (last epoch), ``test acc %``, ``test errors`` and ``reported``
        (the figure the network's source reports, as the model class declares it).
    """

    rows = {}
    for label, r in results.items():
        model, history = r["model"], r["history"]
        c, h, w = model.input_shape
        rows[label] = {
            "parameters": count_parameters(model), "multiply-adds": multiply_adds(model), "input": f"{c}x{h}x{w}",
            "s/epoch": float(history["train_seconds"].median()),
            **({"timed in": "this run" if r["trained"] else "an earlier run"} if "trained" in r else {}),
            "valid acc %": float(history["valid_acc"].iloc[-1]),
            "test acc %": float(r["test_acc"]), "test errors": len(r["wrong"]),
            "reported": getattr(model, "reported", "") or "-"}
    return pd.DataFrame.from_dict(rows, orient="index")


def error_overlap(wrong: dict[str, np.ndarray]) -> pd.DataFrame:
    """How many test mistakes two networks share: cell (a, b) counts digits both a and b get wrong.

    The diagonal is each network's own number of mistakes.

    Args:
        wrong: ``{label: indices of the misclassified test digits}`` (any integer array-likes).

    Returns:
        A square DataFrame of counts, labels in the given order.
    """
    labels = list(wrong)
    sets = {k: set(np.asarray(v).tolist()) for k, v in wrong.items()}
    return pd.DataFrame([[len(sets[a] & sets[b]) for b in labels] for a in labels], index=labels, columns=labels)


def wrong_by_all(wrong: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the test digits that every network in ``wrong`` misclassifies, sorted.

    ``wrong``: network name -> ``(k,)`` indices it misclassifies (:func:`wrong_indices`); returns
    ``(m,)`` int indices, empty when ``wrong`` is.
    """
    sets = [set(np.asarray(v).tolist()) for v in wrong.values()]
    return np.array(sorted(set.intersection(*sets)) if sets else [], dtype=int)


def double_softmax_floor(num_classes: int = 10) -> float:
    """The lowest cross-entropy a network can reach when its outputs are already probabilities.

    ``nn.CrossEntropyLoss`` applies log-softmax to what it is given. If ``forward`` already ended
    in a softmax, the inputs lie in [0, 1]; the best case is 1 for the right class and 0 for the
    others, whose softmax gives the right class e / (e + 9). The loss cannot go below
    -log(e / (e + num_classes - 1)): 1.4612 nats for 10 classes (against 0 for logits).
    """
    return -math.log(math.e / (math.e + num_classes - 1))


@torch.no_grad()
def wrong_indices(model, data, device=None) -> np.ndarray:
    """Indices (into ``data``) of the digits ``model`` misclassifies, ``(k,)`` int, ascending.

    ``data``: a ``TensorDataset`` of ``(images (N, *model.input_shape), labels (N,))``.
    """

    predicted, _ = predict(model, data, device=device)
    labels = data.tensors[1].cpu()
    return torch.nonzero(predicted != labels).flatten().numpy()


#: The 15-epoch results of ``benchmarks/architectures.py`` shipped with the package, so that notebook 10
#: can quote them in a fresh clone: every network of the registry plus ``dropout_cnn+softmax``, seeds
#: 0, 1 and 2, measured on the development machine (2-core AMD EPYC CPU, no GPU, one torch thread).
SHIPPED_BENCHMARK = REFERENCE_DIR / "architectures.csv"


_BENCHMARK_COLUMNS = ["network", "seed", "parameters", "multiply-adds", "valid_acc", "test_acc", "s/epoch"]


def benchmark_results(path=None) -> tuple[pd.DataFrame, str]:
    """Per-run results of ``benchmarks/architectures.py``: one row per network and seed.

    Reads ``path`` when given; otherwise this machine's
    ``artifacts/benchmarks/architectures/results.csv`` when it exists (you ran the benchmark),
    else :data:`SHIPPED_BENCHMARK`, the development machine's run shipped with the package.

    Returns:
        ``(runs, source)``: ``runs`` has the columns network, seed, parameters, multiply-adds
        (per image), valid_acc and test_acc (%, after the last epoch), s/epoch (median seconds per
        training epoch); ``source`` is a sentence saying where the figures come from.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file lacks some of those columns (one line naming them).
    """

    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no benchmark results at {path}: run `python benchmarks/architectures.py` first")
        source = str(path)
    else:
        local = artifacts_dir() / "benchmarks" / "architectures" / "results.csv"
        path = local if local.is_file() else SHIPPED_BENCHMARK
        source = ("this machine's run of benchmarks/architectures.py" if path == local else
                  "the development machine's run of benchmarks/architectures.py, shipped with the package")
    runs = pd.read_csv(path)
    missing = [c for c in _BENCHMARK_COLUMNS if c not in runs.columns]
    if missing:
        raise ValueError(f"{path} is not a benchmarks/architectures.py result file: it lacks the columns {missing}")
    return runs, source


def benchmark_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per network (index, in the order of ``runs``) from :func:`benchmark_results`' runs.

    Columns: parameters, multiply-adds, seeds (count), valid mean / valid min / valid max (%, the
    figures to compare and choose by), test mean / test min / test max (%, the final score),
    s/epoch (median over seeds of each run's median seconds per epoch).
    """
    return runs.groupby("network", sort=False).agg(
        **{"parameters": ("parameters", "first"), "multiply-adds": ("multiply-adds", "first"),
           "seeds": ("seed", "count"), "valid mean": ("valid_acc", "mean"), "valid min": ("valid_acc", "min"),
           "valid max": ("valid_acc", "max"), "test mean": ("test_acc", "mean"), "test min": ("test_acc", "min"),
           "test max": ("test_acc", "max"), "s/epoch": ("s/epoch", "median")})
