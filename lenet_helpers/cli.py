"""Command line: ``python -m lenet_helpers {predict,train,evaluate,models,run,download,site,reference}``.

Examples::

    python -m lenet_helpers predict digits/seven.png photo.jpg
    python -m lenet_helpers train --epochs 15
    python -m lenet_helpers models         # the registered networks
    python -m lenet_helpers train --model small_cnn --optimizer sgd --lr 0.05 --checkpoint artifacts/models/small_cnn.pt
    python -m lenet_helpers evaluate
    python -m lenet_helpers run            # execute notebooks 01-13, print the summary
    python -m lenet_helpers site           # the executed notebooks as a static web site
    python -m lenet_helpers reference      # retrain the shipped reference model (make reference)
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from lenet_helpers.data.mnist import MNISTCorruptError, MNISTNotFoundError, mnist_datasets, mnist_tensors, raw_dir
from lenet_helpers.digits.page import read_digit
from lenet_helpers.models import available_models, models_table
from lenet_helpers.readings.text import format_confidence
from lenet_helpers.settings import artifacts_dir, checkpoint_path, display_path, history_path
from lenet_helpers.tools.notebooks import NotebookError, notebook_paths, run_notebooks, summary
from lenet_helpers.tools.website import SiteError, build_site
from lenet_helpers.training.checkpoint import load_checkpoint, model_figures
from lenet_helpers.training.config import LR_SCHEDULES, OPTIMIZERS, SettingError, TrainConfig
from lenet_helpers.training.loop import evaluate
from lenet_helpers.training.reference import build_reference, load_trained_model
from lenet_helpers.training.runs import SaveError, TrainingInterrupted, train_and_save

#: Exit codes, as the README's "When things go wrong" lists them.
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _error(where, message) -> None:
    print(f"{where}: error: {message}", file=sys.stderr, flush=True)


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (``--subset -5`` is refused, not read as "all but 5")."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_int(text: str) -> int:
    """argparse type: a seed torch and NumPy accept, 0 to 2**32 - 1 (``--seed -1`` is refused before any work)."""
    value = _whole_number(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be 0 to {2**32 - 1:,}, got {value}")
    return value


def _load_model(args):
    """The model of ``--checkpoint``, else yours or the reference one (a line on stderr says which).

    Returns None after printing a one-line error.
    """

    try:
        if args.checkpoint:
            model, meta = load_checkpoint(args.checkpoint)
            trained = ", trained with augmentation" if meta.get("augment") else ""
            _stderr(f"Using {args.checkpoint} ({getattr(model, 'name', type(model).__name__)}{trained}, "
                    f"{model_figures(meta)})")
            return model
        return load_trained_model(device="cpu", echo=_stderr)[0]
    except (FileNotFoundError, RuntimeError) as exc:  # CheckpointError is a RuntimeError
        _error(args.checkpoint or checkpoint_path(), exc)
        return None


def cmd_predict(args) -> int:

    model = _load_model(args)
    if model is None:
        return 1
    status = 0
    for image in args.images:
        try:
            reading = read_digit(model, image)
        except (OSError, ValueError) as exc:  # FileNotFoundError, ImageError
            _error(image, exc)
            status = 1
            continue
        line = f"{image}: {reading.digit} ({format_confidence(reading.probability)})"
        if reading.uncertain:
            line += f", uncertain: {'; '.join(reading.warnings)}"
        elif reading.notes:
            line += f" ({'; '.join(reading.notes)})"
        print(line, flush=True)
    return status


def cmd_train(args) -> int:


    try:
        try:
            if args.momentum is not None and args.optimizer != "sgd":
                print(f"note: --momentum is SGD's; {args.optimizer} does not use it (--optimizer sgd to use it)")
            momentum = TrainConfig.momentum if args.momentum is None else args.momentum
            config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                 lr_schedule=args.lr_schedule, optimizer=args.optimizer, momentum=momentum,
                                 weight_decay=args.weight_decay, label_smoothing=args.label_smoothing,
                                 augment=args.augment, seed=args.seed, subset=args.subset)
        except SettingError as exc:  # before any work: bad arguments
            _error("train", f"--{exc.name.replace('_', '-')}: {exc}; nothing was run")
            return EXIT_USAGE
        train_and_save(args.model, config, checkpoint=args.checkpoint, history_csv=args.history,
                       save_partial=args.save_partial)
    except SaveError as exc:
        _error("train", exc)
        return EXIT_ERROR
    except TrainingInterrupted as exc:
        _error("train", f"interrupted (Ctrl-C): {exc}")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _error("train", "interrupted (Ctrl-C) before training began: nothing saved, the old files are unchanged")
        return EXIT_INTERRUPTED
    return EXIT_OK


def cmd_models(args) -> int:

    table = models_table()
    table["parameters"] = table["parameters"].map("{:,}".format)
    table["multiply-adds"] = table["multiply-adds"].map("{:,}".format)
    print(table[["name", "parameters", "multiply-adds", "input", "preprocessing", "source"]].to_string(index=False))
    return 0


def cmd_evaluate(args) -> int:

    model = _load_model(args)
    if model is None:
        return 1
    test = mnist_tensors(device="cpu", preprocessing=model.preprocessing).test
    _, acc = evaluate(model, test)
    print(f"test accuracy: {acc:.2f}% (all {len(test):,} MNIST test digits)")
    return 0


def cmd_run(args) -> int:

    paths = notebook_paths()
    if args.only is not None:
        known = ", ".join(p.name[:2] for p in paths)
        if not args.only:
            _error("run", f"--only needs notebook numbers, e.g. --only 01 04 (known: {known})")
            return EXIT_USAGE
        only = [o.zfill(2) for o in args.only]  # 4 is 04, and 1 is 01 (not 10-13, whose names start with 1)
        unknown = [o for o, n in zip(args.only, only) if not any(p.name.startswith(n) for p in paths)]
        if unknown:
            _error("run", f"no notebook numbered {', '.join(unknown)}: use the numbers {known}")
            return EXIT_USAGE
        paths = [p for p in paths if any(p.name.startswith(n) for n in only)]
    started = time.time()
    try:
        results = run_notebooks(paths)
    except NotebookError as exc:
        _error("run", exc)
        return 1
    except KeyboardInterrupt:
        _error("run", f"interrupted (Ctrl-C): the notebooks that finished are in {display_path(artifacts_dir() / 'notebooks')}; "
                      f"the one that was running keeps its last finished copy, if it had one")
        return EXIT_INTERRUPTED
    print(summary(results, started))
    return 0


def cmd_download(args) -> int:

    train, test = mnist_datasets()
    print(f"MNIST ready in {raw_dir()}: {len(train):,} training and {len(test):,} test digits")
    return 0


def cmd_site(args) -> int:

    try:
        report = build_site(args.notebooks, args.out, execute_solutions=args.run_solutions)
    except SiteError as exc:
        _error("site", exc)
        return 1
    print(report)
    return 0


def cmd_reference(args) -> int:

    build_reference(name="lenet5_augment" if args.augment else "lenet5")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with its errors in one line, as every other error of the package (no usage block)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lenet_helpers", description="LeNet-5 on MNIST: the series' commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    ckpt_help = (f"checkpoint file (default {display_path(checkpoint_path())} for lenet5, "
                 f"{display_path(checkpoint_path().parent)}/NAME.pt for another --model)")
    use_help = (f"checkpoint file (default {display_path(checkpoint_path())} if it exists, else the reference model "
                f"shipped with lenet_helpers)")

    p = sub.add_parser("predict", help="read handwritten digits in image files (PNG, JPEG, ...)")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, one digit each (PNG, JPEG, TIFF, ...)")
    p.add_argument("--checkpoint", default=None, help=use_help)
    p.set_defaults(func=cmd_predict)


    p = sub.add_parser("train", help="train a network (LeNet-5 by default, as notebook 04 does); save checkpoint and history")
    p.add_argument("--model", default="lenet5", choices=available_models(), metavar="NAME",
                   help=f"architecture (default lenet5): {', '.join(available_models())}")
    d = TrainConfig()  # the defaults of the recipe, shown in --help
    p.add_argument("--epochs", type=positive_int, default=d.epochs, help=f"passes over the training digits (default {d.epochs})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    p.add_argument("--batch-size", type=positive_int, default=d.batch_size, help=f"images per batch (default {d.batch_size})")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer, help=f"adam or sgd (default {d.optimizer})")
    p.add_argument("--momentum", type=float, default=None,
                   help=f"SGD momentum (default {d.momentum}; 0 for plain SGD)")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay, help=f"L2 penalty (default {d.weight_decay:g})")
    p.add_argument("--label-smoothing", type=float, default=d.label_smoothing,
                   help=f"label smoothing of the cross-entropy (default {d.label_smoothing:g})")
    p.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=d.lr_schedule,
                   help=f"cosine decay to 0 or constant (default {d.lr_schedule})")
    p.add_argument("--seed", type=seed_int, default=d.seed,
                   help=f"random seed of the initial weights, batch order and augmentation (default {d.seed})")
    p.add_argument("--augment", action="store_true", help="small random affine distortions of training digits")
    p.add_argument("--subset", type=positive_int, default=None, help="use only the first N digits of each split")
    p.add_argument("--checkpoint", default=None, help=ckpt_help)
    p.add_argument("--history", default=None,
                   help=f"history CSV (default {display_path(history_path())} beside the default checkpoint, "
                        f"else NAME_history.csv beside a checkpoint NAME.pt)")
    p.add_argument("--save-partial", action="store_true",
                   help="on Ctrl-C, save the completed epochs (default: keep the old checkpoint untouched)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("models", help="list the registered networks: parameters, multiply-adds, input, source")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("evaluate", help="accuracy of a checkpoint (any registered network) on the 10,000 MNIST test digits")
    p.add_argument("--checkpoint", default=None, help=use_help)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("run", help="execute the notebooks in order into artifacts/notebooks, then print a summary")
    p.add_argument("--only", nargs="*", help="only these notebooks, by number (e.g. 01 4 12)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("download", help="download MNIST into data/ (or $LENET_DATA_DIR)")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("site", help="build the static web site of the executed notebooks (artifacts/site)")
    p.add_argument("--notebooks", default=None, help="executed notebooks (default artifacts/notebooks)")
    p.add_argument("--out", default=None, help="output folder (default artifacts/site)")
    p.add_argument("--run-solutions", action="store_true",
                   help="first execute the exercise solutions that have no up-to-date executed copy")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("reference", help="retrain the reference model shipped in lenet_helpers/reference (CPU)")
    p.add_argument("--augment", action="store_true",
                   help="the augmented reference model of notebook 13 (lenet5_augment.pt) instead of lenet5_mnist.pt")
    p.set_defaults(func=cmd_reference)
    return parser


def main(argv=None) -> int:
    """Run one command; returns the exit code (0 done, 1 an error explained in one line on stderr,
    2 bad arguments, 130 interrupted with Ctrl-C, 141 the output's reader went away, as in ``| head``).

    Every error the package expects ends as one line ``what: error: what to do``; an unexpected
    one too, with ``LENET_DEBUG=1`` to see the traceback.
    """

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C is KeyboardInterrupt again (see __init__)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (MNISTNotFoundError, MNISTCorruptError, ValueError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            return _broken_pipe()
        _error(args.command, exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error(args.command, "interrupted (Ctrl-C)")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still one line, the traceback on request
        if os.environ.get("LENET_DEBUG"):
            raise
        _error(args.command, f"unexpected {type(exc).__name__}: {exc} (set LENET_DEBUG=1 to see where)")
        return EXIT_ERROR


def _broken_pipe() -> int:
    """The reader of stdout went away (``predict *.png | head -1``): stop quietly.

    Python's own advice (docs, "Note on SIGPIPE"): point stdout at devnull so the flush at
    exit does not raise again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE