"""Training and evaluation: small ``train_epoch`` / ``evaluate`` functions and ``train`` composing them.

The shape of pytorch/examples ``mnist/main.py`` (``train`` and ``test``), with the history
returned as a pandas DataFrame (rasbt's ``log_dict`` habit) and the log line of the reference tutorial.
"""
from __future__ import annotations

import math
import os
import time
from typing import Iterable

import pandas as pd
import torch
from torch import nn
from torch.utils.data import TensorDataset
from tqdm.auto import tqdm

from lenet_helpers.data.distortions import random_affine
from lenet_helpers.data.mnist import MNISTTensors, TensorBatches, mnist_tensors
from lenet_helpers.settings import pick_device
from lenet_helpers.training.checkpoint import HISTORY_COLUMNS
from lenet_helpers.training.config import LEARNING_RATE, TrainConfig
from lenet_helpers.training.step import TrainStep

#: The cross-entropy of a uniform guess over the 10 digits, ln 10 (in nats): where an untrained
#: network starts. A run that ends at more than twice this did not fit the digits.
GUESS_LOSS = math.log(10)


class NonFiniteLoss(FloatingPointError):
    """The training loss became NaN or infinite: the weights diverged (a learning rate too high)."""

    def __init__(self, loss: float, batch: int):
        super().__init__(f"the loss became {loss} at batch {batch}")
        self.loss, self.batch = loss, batch


def _model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def train_epoch(model: nn.Module, batches: Iterable, optimizer: torch.optim.Optimizer, loss_fn=None,
                device=None, scheduler=None, augment=None, progress=None, step: TrainStep | None = None
                ) -> tuple[float, float]:
    """One pass over ``batches`` in training mode; returns ``(mean loss, accuracy in %)``.

    Loss and accuracy are running figures over the epoch's batches, as the weights change
    (the reference tutorial reports the same for its training loss). They accumulate on the device and
    are read once at the end, so the loop never waits for the GPU to log. Each batch is one
    :func:`~lenet_helpers.training.step.train_step` (forward, loss, backward, optimizer step).

    Args:
        batches: iterable of ``(images (B, *model.input_shape), labels (B,))``: a :class:`TensorBatches`
            or a ``DataLoader``.
        loss_fn: default ``nn.CrossEntropyLoss()`` on the logits.
        device: default the model's device; batches are moved there.
        scheduler: a learning-rate scheduler stepped after every batch, or None.
        augment: a function applied to each image batch (e.g. :func:`~lenet_helpers.data.distortions.random_affine`).
        progress: a tqdm bar advanced by one per batch, or None.
        step: the :class:`~lenet_helpers.training.step.TrainStep` to run each batch with (:func:`train`
            passes one that replays a CUDA graph on a GPU and keeps it from epoch to epoch); default an
            eager one made from ``model``, ``optimizer`` and ``loss_fn``.

    Raises:
        NonFiniteLoss: the loss became NaN or infinite (on the CPU at that batch, elsewhere at the
            epoch's end): the weights diverged; :func:`train` stops and restores the last good epoch.
        ValueError: no batches.
    """
    model.train()
    device = torch.device(device) if device is not None else _model_device(model)
    step = step or TrainStep(model, optimizer, loss_fn or nn.CrossEntropyLoss(), device)
    step.reset()
    batch = 0
    # On the CPU a finite-loss check per batch costs nothing; on a GPU it would wait for the device
    # every batch, so there the epoch's mean loss is checked once at the end.
    check_every_batch = device.type == "cpu"
    for images, labels in batches:
        images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        if augment is not None:
            images = augment(images)
        loss = step(images, labels)
        if scheduler is not None:
            scheduler.step()
        batch += 1
        if check_every_batch and not torch.isfinite(loss):
            raise NonFiniteLoss(float(loss), batch)
        if progress is not None:
            progress.update(1)
    loss_sum, correct, seen = step.totals()  # one wait for the device per epoch
    if seen == 0:
        raise ValueError("train_epoch got no batches: the training set is empty")
    mean_loss = loss_sum / seen
    if not math.isfinite(mean_loss):
        raise NonFiniteLoss(mean_loss, batch)
    return mean_loss, 100.0 * correct / seen


@torch.no_grad()
def evaluate(model: nn.Module, data, device=None, batch_size: int = 1000, loss_fn=None) -> tuple[float, float]:
    """Mean loss and accuracy (%) of ``model`` on ``data``, in eval mode, without gradients.

    Args:
        data: a ``TensorDataset`` of ``(images (N, *model.input_shape), labels (N,))`` (cut into
            batches of ``batch_size``) or any iterable of such batches (a ``DataLoader``).
        device: default the model's device.

    Returns:
        ``(loss, accuracy)``: mean cross-entropy per image, and % of images whose largest
        logit is the label (e.g. ``(0.031, 99.05)``).

    Raises:
        ValueError: ``data`` holds no images.
    """
    model.eval()
    device = torch.device(device) if device is not None else _model_device(model)
    loss_fn = loss_fn or nn.CrossEntropyLoss(reduction="sum")
    batches = TensorBatches(data, batch_size) if isinstance(data, TensorDataset) else data
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), dtype=torch.long, device=device)
    seen = 0
    for images, labels in batches:
        images, labels = images.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        logits = model(images)
        batch_loss = loss_fn(logits, labels)
        if getattr(loss_fn, "reduction", "sum") == "mean":
            batch_loss = batch_loss * len(labels)
        loss_sum += batch_loss
        correct += (logits.argmax(1) == labels).sum()
        seen += len(labels)
    if seen == 0:
        raise ValueError("evaluate got an empty dataset")
    return loss_sum.item() / seen, 100.0 * correct.item() / seen


def epoch_line(epoch: int, train_loss: float, valid_loss: float, train_acc: float, valid_acc: float,
               clock: str | None = None) -> str:
    """The per-epoch log line: the reference tutorial's figures, two spaces apart::

        06:20:18  Epoch: 0  Train loss: 0.2290  Valid loss: 0.1020  Train acc: 96.84%  Valid acc: 96.81%

    Same fields and order as the tutorial's log (clock, epoch, train and valid loss, train
    and valid accuracy in %), 96-97 characters: one line in a JupyterLab output at 1,280 px even
    with the file browser open (the tutorial's tab-separated line spans 133 columns and wraps).
    """
    clock = clock or time.strftime("%H:%M:%S")

    def loss(value: float) -> str:  # a blown-up loss as 2.455e+21, not 22 digits
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3e}"

    return (f"{clock}  Epoch: {epoch}  Train loss: {loss(train_loss)}  Valid loss: {loss(valid_loss)}  "
            f"Train acc: {train_acc:.2f}%  Valid acc: {valid_acc:.2f}%")


def cosine_schedule(optimizer, total_steps: int):
    """Learning rate multiplied by a half cosine from 1 to 0 over ``total_steps`` batches.

    Cosine annealing without restarts (Loshchilov & Hutter 2017, SGDR).
    """
    def factor(step: int) -> float:
        return 0.5 * (1 + math.cos(math.pi * min(1.0, step / max(1, total_steps))))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def setup_training(model: nn.Module, device, lr: float = LEARNING_RATE, weight_decay: float = 0.0,
                   optimizer: str = "adam", momentum: float = 0.9, capturable: bool = False) -> torch.optim.Optimizer:
    """Move ``model`` to ``device`` for training and return its optimizer, as :func:`train` does.

    ``optimizer="adam"`` (the reference tutorial's) or ``"sgd"`` (with ``momentum``; one
    reference project trains with plain SGD and L2: ``momentum=0``); ``weight_decay`` is the
    L2 penalty of either.

    On the CPU the weights are put in channels-last memory layout, where oneDNN's
    convolutions run faster (about 1.4x for this model's training step on 2 cores, measured
    against the default layout; ``benchmarks/step_time.py`` times the step as set up here);
    :func:`train` puts them back in the usual layout when it ends. On the CPU and CUDA the
    optimizer is Adam's ``fused`` version: one kernel updates all ten parameter tensors.

    ``capturable=True`` (CUDA and Adam only) makes the optimizer safe to capture in a CUDA graph
    (:class:`~lenet_helpers.training.step.TrainStep`): its step counts live on the device and its
    learning rate is a 0-dim device tensor, which a scheduler changes in place.

    Raises:
        ValueError: an unknown optimizer, or a learning rate, weight decay or momentum out of its
            range (checked by :class:`~lenet_helpers.TrainConfig`, the one place the ranges live);
            ``capturable=True`` with SGD or on a device that is not CUDA.
    """
    TrainConfig(lr=lr, weight_decay=weight_decay, optimizer=optimizer, momentum=momentum)
    device = torch.device(device)
    if capturable and (device.type != "cuda" or optimizer != "adam"):
        raise ValueError(f"capturable=True is for Adam on CUDA (a CUDA graph); this is {optimizer} on {device.type}")
    model.to(device)
    if device.type == "cpu":
        model.to(memory_format=torch.channels_last)
    fused = device.type in ("cpu", "cuda")
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    if capturable:
        return torch.optim.Adam(model.parameters(), lr=torch.tensor(float(lr), device=device),
                                weight_decay=weight_decay, fused=True, capturable=True)
    return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, fused=fused)


def train(model: nn.Module, data: MNISTTensors | tuple | None = None, config: TrainConfig | None = None, *,
          device=None, progress: bool = True, verbose: bool = True, cuda_graph: bool | None = None,
          **settings) -> pd.DataFrame:
    """Train ``model`` on MNIST with Adam (or SGD) and cross-entropy; print the log; return the history.

    Each epoch: one pass over the training split in shuffled batches (:func:`train_epoch`),
    then :func:`evaluate` on the validation split, then one log line in the reference tutorial's format
    (:func:`epoch_line`). A tqdm bar shows the batches. Ctrl-C (or the notebook's stop
    button) ends training and returns the epochs completed so far, with the model put back
    to its weights at the end of the last completed epoch (so model and history agree); the
    history is then marked ``history.attrs["interrupted"] = True``, and
    :func:`~lenet_helpers.save_training_run` refuses to save it over a good
    checkpoint unless asked (``partial=True``). A loss that becomes NaN or infinite (a
    learning rate too high) stops training the same way, with one line saying so and what to
    try, and marks ``history.attrs["diverged"]`` with the epoch it happened in. A run whose last
    training loss stays finite but above twice :data:`GUESS_LOSS` (the logits blown up by a far
    too high learning rate, e.g. ``lr=1e6``: a loss of millions) ends with one line saying so.

    Args:
        model: a registered network (:func:`~lenet_helpers.build_model`); moved to ``device``
            and trained in place.
        data: :class:`~lenet_helpers.MNISTTensors` or a ``(train, valid)`` pair of
            ``TensorDataset`` s; ``None`` loads MNIST with :func:`~lenet_helpers.mnist_tensors`
            in the preprocessing the model declares (``model.preprocessing``).
        config: the recipe (:class:`~lenet_helpers.TrainConfig`: epochs, batch size, learning
            rate and schedule, optimizer, momentum, weight decay, label smoothing, augmentation,
            seed, subset); default ``TrainConfig()``, the reference tutorial's recipe with cosine decay.
            ``seed`` seeds the shuffling and augmentation (call :func:`~lenet_helpers.set_seed` before building
            the model to fix its initial weights too); ``subset`` applies when ``data`` is None.
        **settings: changes to ``config`` by name, e.g. ``train(model, data, epochs=2)``.
        device: default :func:`~lenet_helpers.settings.pick_device`.
        subset: train on the first ``subset`` digits of each split only (quick runs).
        progress: show a tqdm bar (also off when the environment sets ``TQDM_DISABLE=1``,
            as :func:`lenet_helpers.tools.notebooks.run_notebook` does for executed copies).
        cuda_graph: run each full batch as one replayed CUDA graph
            (:class:`~lenet_helpers.training.step.TrainStep`): the same steps in the same order, about
            6x faster per step on an H200 (0.27 ms against
            1.67 ms eager, measured before this was built). ``None`` (the default) uses it on CUDA with Adam and not
            elsewhere; ``False`` trains eagerly (``benchmarks/gpu_speed.py`` compares the two).

    Returns:
        A DataFrame with one row per epoch: ``epoch`` (1-based), ``train_loss``,
        ``valid_loss`` (mean cross-entropy), ``train_acc``, ``valid_acc`` (%), ``seconds``
        (wall time of the epoch with evaluation), ``train_seconds`` (the training pass alone)
        and ``lr`` (at the epoch's end). ``history.attrs``: ``interrupted`` (bool),
        ``diverged`` (the epoch whose loss became NaN or infinite, else None), ``epochs_planned``,
        ``config`` (the :class:`~lenet_helpers.TrainConfig`) and ``cuda_graph`` (whether full
        batches ran as a replayed CUDA graph).

    Raises:
        ValueError: a setting out of range (see :class:`~lenet_helpers.TrainConfig`), or data
            whose images do not have the model's input shape; ``cuda_graph=True`` off CUDA or with SGD.
        TypeError: a keyword that is not a setting.
    """
    config = (config or TrainConfig()).replace(**settings)
    epochs, batch_size, seed = config.epochs, config.batch_size, config.seed
    device = torch.device(device) if device is not None else pick_device(verbose)
    if data is None:
        data = mnist_tensors(device=device, subset=config.subset, preprocessing=getattr(model, "preprocessing", "resize32"))
    train_set, valid_set = data[0], data[1]
    expected = tuple(getattr(model, "input_shape", train_set.tensors[0].shape[1:]))
    if tuple(train_set.tensors[0].shape[1:]) != expected:
        raise ValueError(f"the data's images are {tuple(train_set.tensors[0].shape[1:])} but {type(model).__name__} "
                         f"takes {expected}: load them with lh.mnist_tensors(preprocessing={model.preprocessing!r})")
    if cuda_graph is None:
        cuda_graph = device.type == "cuda" and config.optimizer == "adam"
    optimizer = setup_training(model, device, lr=config.lr, weight_decay=config.weight_decay,
                               optimizer=config.optimizer, momentum=config.momentum, capturable=cuda_graph)
    generator = torch.Generator().manual_seed(seed)
    batches = TensorBatches(train_set, batch_size, shuffle=True, generator=generator)
    scheduler = cosine_schedule(optimizer, epochs * len(batches)) if config.lr_schedule == "cosine" else None
    # On CUDA the augmentation draws on the GPU (a CPU draw would wait for the device every batch).
    aug_generator = torch.Generator(device).manual_seed(seed) if device.type == "cuda" else generator
    aug = (lambda x: random_affine(x, aug_generator)) if config.augment else None
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    step = TrainStep(model, optimizer, loss_fn, device, cuda_graph=cuda_graph)

    rows = []
    progress = progress and os.environ.get("TQDM_DISABLE", "").lower() not in ("1", "true")
    bar = tqdm(total=epochs * len(batches), desc="training", unit="batch", disable=not progress,
               leave=False, mininterval=0.5)
    # The weights at the end of the last completed epoch (at first: the initial ones), so that an
    # interrupted run returns a model that matches its history, never one from mid-epoch.
    completed = _copy_state(model)
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = train_epoch(model, batches, optimizer, loss_fn, device=device,
                                                scheduler=scheduler, augment=aug, progress=bar, step=step)
            train_seconds = time.perf_counter() - start  # train_epoch's .item() waited for the device
            valid_loss, valid_acc = evaluate(model, valid_set, device=device)
            if not math.isfinite(valid_loss):
                raise NonFiniteLoss(valid_loss, len(batches))
            seconds = time.perf_counter() - start
            completed = _copy_state(model)
            rows.append(dict(epoch=epoch, train_loss=train_loss, valid_loss=valid_loss, train_acc=train_acc,
                             valid_acc=valid_acc, seconds=seconds, train_seconds=train_seconds,
                             lr=float(optimizer.param_groups[0]["lr"])))
            if verbose:
                line = epoch_line(epoch, train_loss, valid_loss, train_acc, valid_acc)
                if progress:
                    bar.clear()  # keep the log line clear of the bar in a terminal
                print(line, flush=True)
    except NonFiniteLoss as exc:
        interrupted, diverged = False, epoch
        model.load_state_dict(completed)
        bar.clear()
        print(f"Training stopped in epoch {epoch}: the loss became {exc.loss} (the weights diverged); returning the "
              f"{len(rows)} completed epoch(s), the model back to its weights at the end of epoch {len(rows)}"
              f"{' (its initial weights)' if not rows else ''}. Try a lower learning rate (this run: {config.lr:g}; "
              f"the default: {TrainConfig.lr:g}).", flush=True)
    except KeyboardInterrupt:
        interrupted, diverged = True, None
        model.load_state_dict(completed)
        bar.clear()
        print(f"Training interrupted: returning the {len(rows)} completed epoch(s); the model is back to its "
              f"weights at the end of epoch {len(rows)}" + (" (its initial weights)." if not rows else "."), flush=True)
    else:
        interrupted, diverged = False, None
        if rows and rows[-1]["train_loss"] > 2 * GUESS_LOSS:
            print(f"Note: the training loss ended at {rows[-1]['train_loss']:.4g}, more than twice what guessing "
                  f"scores (ln 10 = {GUESS_LOSS:.2f}): the weights did not settle, which usually means the learning "
                  f"rate is far too high (this run: {config.lr:g}; the default: {TrainConfig.lr:g}).", flush=True)
    finally:
        bar.close()
        model.to(memory_format=torch.contiguous_format)
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS + ["train_seconds", "lr"])
    history.attrs["interrupted"] = interrupted
    history.attrs["diverged"] = diverged  # the epoch whose loss became NaN or infinite, or None
    history.attrs["epochs_planned"] = epochs
    history.attrs["config"] = config
    history.attrs["cuda_graph"] = step.replays > 0  # whether full batches ran as a replayed CUDA graph
    return history


def _copy_state(model: nn.Module) -> dict:
    """A detached copy of the model's state dict (on its device): cheap for LeNet-5's 61,706 weights."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}
