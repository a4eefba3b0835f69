"""The training recipe as one value: :class:`TrainConfig`.

``lh.train``, a whole run (``lh.train_and_save``, ``lh.train_or_load``), the CLI's ``train``
defaults and the settings stored in every checkpoint all come from this one dataclass, so
comparing two runs is comparing two configs (:meth:`TrainConfig.changes`).

The defaults are the reference tutorial's recipe (Adam, learning rate 1e-3, batch 32, 15
epochs, cross-entropy), plus the cosine decay and LeCun initialisation chosen on the
validation split (README, "How the defaults were chosen").
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

#: Defaults of the reference tutorial: Adam, learning rate 1e-3, batch 32, 15 epochs, cross-entropy.
EPOCHS, BATCH_SIZE, LEARNING_RATE = 15, 32, 1e-3
OPTIMIZERS = ("adam", "sgd")
LR_SCHEDULES = ("cosine", "constant")


class SettingError(ValueError):
    """A training setting out of its range; ``name`` is the setting (``"lr"``, ``"momentum"``, ...)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def _number(name: str, value, low: float, high: float, low_open: bool, high_open: bool, example: str) -> None:
    """Refuse a setting that is not a finite number in its range (one line: the range, an example)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    inside = math.isfinite(x) and (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not inside:
        span = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}" if math.isfinite(high) \
            else f"{'above' if low_open else 'of at least'} {low:g}"
        raise SettingError(name, f"{name} must be a finite number {'in ' if math.isfinite(high) else ''}{span} "
                                 f"(e.g. {example}), got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """How a network is trained: every setting of a run except the network and the device.

    Attributes:
        epochs: passes over the training split (the reference tutorial: 15).
        batch_size: images per optimizer step (the reference tutorial: 32).
        lr: learning rate (Adam's default 1e-3, the reference tutorial's).
        lr_schedule: ``"cosine"`` (half-cosine decay to 0 over all batches; Loshchilov & Hutter
            2017) or ``"constant"`` (the reference tutorial's).
        optimizer: ``"adam"`` (the reference tutorial's) or ``"sgd"``.
        momentum: SGD's momentum (0 for plain SGD; Adam ignores it).
        weight_decay: the optimizer's L2 penalty (0 in the reference tutorial).
        label_smoothing: of ``nn.CrossEntropyLoss`` (0 in the reference tutorial).
        augment: random shifts, rotations and scaling of every training batch
            (:func:`~lenet_helpers.data.distortions.random_affine`).
        seed: seeds the shuffling and augmentation (and, in a whole run, the initial weights).
        subset: train, validate and test on the first ``subset`` digits of each split (quick
            runs); ``None`` for all of MNIST.

    Raises:
        SettingError: (a ValueError, on creation) a setting out of range, NaN or infinite, or an
            unknown schedule or optimizer: one line naming it and what it may be.
    """

    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    lr: float = LEARNING_RATE
    lr_schedule: str = "cosine"
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    augment: bool = False
    seed: int = 0
    subset: int | None = None

    def __post_init__(self):
        if not isinstance(self.epochs, int) or self.epochs < 1:
            raise SettingError("epochs", f"epochs must be a whole number of at least 1, got {self.epochs!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise SettingError("batch_size", f"batch_size must be a whole number of at least 1, got {self.batch_size!r}")
        if self.subset is not None and (not isinstance(self.subset, int) or self.subset < 1):
            raise SettingError("subset", f"subset must be None (all digits) or a whole number of at least 1, got {self.subset!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise SettingError("lr_schedule", f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.optimizer not in OPTIMIZERS:
            raise SettingError("optimizer", f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        _number("lr", self.lr, 0, math.inf, True, True, "1e-3, the reference tutorial's")
        _number("momentum", self.momentum, 0, 1, False, True, "0.9, or 0 for plain SGD")
        _number("weight_decay", self.weight_decay, 0, math.inf, False, True, "0 or 1e-4")
        _number("label_smoothing", self.label_smoothing, 0, 1, False, True, "0 or 0.1")

    @classmethod
    def fields(cls) -> list[str]:
        """The names of the settings, in order."""
        return [f.name for f in dataclasses.fields(cls)]

    def replace(self, **changes: Any) -> "TrainConfig":
        """A copy with some settings changed, e.g. ``config.replace(epochs=2)``.

        Raises:
            TypeError: a name that is not a setting (the message lists them).
        """
        unknown = sorted(set(changes) - set(self.fields()))
        if unknown:
            raise TypeError(f"unknown training setting(s) {', '.join(unknown)}; the settings are "
                            f"{', '.join(self.fields())}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (numbers, strings, None): what a checkpoint stores."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, settings: dict[str, Any]) -> "TrainConfig":
        """The config a checkpoint's stored settings describe; settings it lacks take the defaults
        (checkpoints written before a setting existed were trained with its default)."""
        return cls(**{k: v for k, v in settings.items() if k in cls.fields()})

    def describe(self) -> str:
        """The recipe in a few words, for the line a run starts with: "adam lr 0.001, batch 32, cosine
        schedule, seed 0" (SGD's momentum, weight decay, label smoothing and augmentation when used)."""
        parts = [f"{self.optimizer} lr {self.lr:g}"]
        if self.optimizer == "sgd":
            parts[0] += f" momentum {self.momentum:g}"
        parts += [f"batch {self.batch_size}", f"{self.lr_schedule} schedule"]
        if self.weight_decay:
            parts.append(f"weight decay {self.weight_decay:g}")
        if self.label_smoothing:
            parts.append(f"label smoothing {self.label_smoothing:g}")
        if self.augment:
            parts.append("augmented")
        return ", ".join(parts + [f"seed {self.seed}"])

    def changes(self, other: "TrainConfig") -> dict[str, tuple[Any, Any]]:
        """The settings that differ: ``{name: (self's value, other's value)}``; empty when the recipes are the same."""
        mine, theirs = self.as_dict(), other.as_dict()
        return {k: (mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]}
