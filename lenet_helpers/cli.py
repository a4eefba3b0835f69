"""Command line: ``python -m lenet_helpers {predict,train,evaluate,models,run,download,site,reference}``.

Examples::

    python -m lenet_helpers predict digits/seven.png photo.jpg
    python -m lenet_helpers train --epochs 15
    python -m lenet_helpers models         # the registered networks
    python -m lenet_helpers train --model small_cnn --optimizer sgd --lr 0.05 --checkpoint artifacts/models/small_cnn.pt
    python -m lenet_helpers evaluate
    python -m lenet_helpers run            # execute notebooks 01-09, print the summary
    python -m lenet_helpers site           # the executed notebooks as a static web site
    python -m lenet_helpers reference      # retrain the shipped reference model (make reference)
"""
from __future__ import annotations

import argparse
import sys

from .evaluation import format_confidence
from .settings import checkpoint_path


def _error(where, message) -> None:
    print(f"{where}: error: {message}", file=sys.stderr)


def _load_model(args):
    """The model of ``--checkpoint``, else yours or the reference one (a line on stderr says which).

    Returns None after printing a one-line error.
    """
    from .checkpoint import load_checkpoint
    from .trained import _stderr, load_trained_model

    try:
        if args.checkpoint:
            return load_checkpoint(args.checkpoint)[0]
        return load_trained_model(device="cpu", echo=_stderr)[0]
    except (FileNotFoundError, RuntimeError) as exc:  # CheckpointError is a RuntimeError
        _error(args.checkpoint or checkpoint_path(), exc)
        return None


def cmd_predict(args) -> int:
    from .images import predict_image

    model = _load_model(args)
    if model is None:
        return 1
    status = 0
    for image in args.images:
        try:
            digit, probabilities = predict_image(model, image)
        except (OSError, ValueError) as exc:  # FileNotFoundError, ImageError
            _error(image, exc)
            status = 1
            continue
        print(f"{image}: {digit} ({format_confidence(probabilities[digit])})", flush=True)
    return status


def cmd_train(args) -> int:
    from .pipeline import train_and_save

    train_and_save(model=args.model, epochs=args.epochs, seed=args.seed, augment=args.augment, subset=args.subset,
                   checkpoint=args.checkpoint, history_csv=args.history, lr=args.lr, batch_size=args.batch_size,
                   optimizer=args.optimizer, weight_decay=args.weight_decay, lr_schedule=args.lr_schedule,
                   momentum=args.momentum)
    return 0


def cmd_models(args) -> int:
    from .models import models_table

    table = models_table()
    table["parameters"] = table["parameters"].map("{:,}".format)
    table["multiply-adds"] = table["multiply-adds"].map("{:,}".format)
    print(table[["name", "parameters", "multiply-adds", "input", "preprocessing", "source"]].to_string(index=False))
    return 0


def cmd_evaluate(args) -> int:
    from .data import mnist_tensors
    from .training import evaluate

    model = _load_model(args)
    if model is None:
        return 1
    test = mnist_tensors(device="cpu", preprocessing=model.preprocessing).test
    _, acc = evaluate(model, test)
    print(f"accuracy: {acc:.2f}%")
    return 0


def cmd_run(args) -> int:
    from .notebooks import NotebookError, notebook_paths, run_notebooks, summary

    paths = notebook_paths()
    if args.only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in args.only)]
    try:
        results = run_notebooks(paths)
    except NotebookError as exc:
        _error("run", exc)
        return 1
    print(summary(results))
    return 0


def cmd_download(args) -> int:
    from .data import mnist_datasets, raw_dir

    train, test = mnist_datasets()
    print(f"MNIST ready in {raw_dir()}: {len(train):,} training and {len(test):,} test digits")
    return 0


def cmd_site(args) -> int:
    from .site import SiteError, build_site

    try:
        report = build_site(args.notebooks, args.out, execute_solutions=args.run_solutions)
    except SiteError as exc:
        _error("site", exc)
        return 1
    print(report)
    return 0


def cmd_reference(args) -> int:
    from .trained import build_reference

    build_reference()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lenet_helpers", description="LeNet-5 on MNIST: the series' commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    ckpt_help = f"checkpoint file (default {checkpoint_path()})"
    use_help = (f"checkpoint file (default {checkpoint_path()} if it exists, else the reference model "
                f"shipped with lenet_helpers)")

    p = sub.add_parser("predict", help="read handwritten digits in image files (PNG, JPEG, ...)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--checkpoint", default=None, help=use_help)
    p.set_defaults(func=cmd_predict)

    from .models import available_models
    from .training import BATCH_SIZE, EPOCHS, LEARNING_RATE, OPTIMIZERS

    p = sub.add_parser("train", help="train a network (LeNet-5 by default, as notebook 04 does); save checkpoint and history")
    p.add_argument("--model", default="lenet5", choices=available_models(), metavar="NAME",
                   help=f"architecture (default lenet5): {', '.join(available_models())}")
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--lr", type=float, default=LEARNING_RATE, help=f"learning rate (default {LEARNING_RATE})")
    p.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"images per batch (default {BATCH_SIZE})")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="adam (default) or sgd")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9; 0 for plain SGD)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (default 0)")
    p.add_argument("--lr-schedule", choices=("cosine", "constant"), default="cosine",
                   help="cosine decay to 0 (default) or constant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--augment", action="store_true", help="small random affine distortions of training digits")
    p.add_argument("--subset", type=int, default=None, help="use only the first N digits of each split")
    p.add_argument("--checkpoint", default=None, help=ckpt_help)
    p.add_argument("--history", default=None, help="history CSV (default artifacts/training_history.csv)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("models", help="list the registered networks: parameters, multiply-adds, input, source")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("evaluate", help="accuracy of a checkpoint (any registered network) on the 10,000 MNIST test digits")
    p.add_argument("--checkpoint", default=None, help=use_help)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("run", help="execute the notebooks in order into artifacts/notebooks, then print a summary")
    p.add_argument("--only", nargs="*", help="only notebooks whose names start with these (e.g. 01 04)")
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
    p.set_defaults(func=cmd_reference)
    return parser


def main(argv=None) -> int:
    from .data import MNISTCorruptError, MNISTNotFoundError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (MNISTNotFoundError, MNISTCorruptError, ValueError) as exc:
        _error(args.command, exc)
        return 1
    except KeyboardInterrupt:
        _error(args.command, "interrupted")
        return 130
