"""Training speed on a GPU: ``lh.train`` eager vs each full batch replayed as one CUDA graph.

All runs train LeNet-5 at the series' defaults (Adam 1e-3, batch 32, cosine decay; the
reference tutorial's recipe) on the same 55,000 training digits held on the device, validate
on the 5,000 validation digits every epoch and test once at the end:

  (a) ``lh.train(..., cuda_graph=False)``: every step launched kernel by kernel (eager);
  (b) ``lh.train(..., cuda_graph=True)``: each full batch of 32 replays one captured CUDA graph
      (:class:`lenet_helpers.training.step.TrainStep`), the default on CUDA;
  (c) the reference tutorial's pipeline on the same device: torchvision transforms applied to
      each PIL image in a DataLoader, ``loss.item()`` every step;
  (d) with ``--compile``: ``lh.train(torch.compile(model, mode="reduce-overhead"), cuda_graph=False)``,
      the alternative PyTorch offers (it compiles forward and backward with Triton and
      replays them as CUDA graphs; the optimizer step stays eager). Its first epoch holds the
      compilation; the line under the table says whether this machine has the C compiler Triton
      looks for ($CC, gcc or clang), which a student's laptop may not.

Prints seconds per epoch (training alone and with validation), images per second, the
projection to 15 epochs, the time of one validation pass, final validation and test accuracy,
the ratios, and whether 15 epochs of (b) fit in 10 s. Run (b) for all 15 epochs to measure
that figure rather than project it (the default).

    python benchmarks/gpu_speed.py                       # (b) 15 epochs, (a) and (c) 2 epochs each
    python benchmarks/gpu_speed.py --eager-epochs 15     # measure (a) over 15 epochs too
    python benchmarks/gpu_speed.py --compile             # add (d), torch.compile, 15 epochs
    python benchmarks/gpu_speed.py --device cpu --subset 640 --epochs 1   # try it without a GPU (no graph)

On a machine without CUDA (and without ``--device cpu``) it says so in one line and exits 0.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import run_baseline  # noqa: E402  (the reference tutorial's pipeline)

import lenet_helpers as lh  # noqa: E402
from lenet_helpers.settings import machine  # noqa: E402

EAGER, GRAPH, BASELINE = "(a) lh.train, eager", "(b) lh.train, CUDA graph", "(c) per-sample DataLoader"
COMPILED = "(d) lh.train, torch.compile"
FLOOR_SECONDS = 10.0  # the floor of 15 epochs with validation on an H100/H200-class GPU (issue 21)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_train(data, epochs: int, seed: int, device: torch.device, cuda_graph: bool,
              compile_mode: str | None = None) -> dict:
    """``lh.train`` at the defaults; returns per-epoch seconds, accuracies and whether the graph ran.

    ``compile_mode``: train ``torch.compile(model, mode=compile_mode)`` instead of the model itself.
    """
    lh.set_seed(seed)
    model = lh.LeNet5()
    if compile_mode is not None:
        model = torch.compile(model, mode=compile_mode)
    _sync(device)
    start = time.perf_counter()
    history = lh.train(model, data, epochs=epochs, seed=seed, device=device, cuda_graph=cuda_graph,
                       progress=False, verbose=False)
    _sync(device)
    wall = time.perf_counter() - start
    _, test_acc = lh.evaluate(model, data.test, device=device)
    return {"train_s": history["train_seconds"].tolist(), "total_s": history["seconds"].tolist(), "wall": wall,
            "valid_acc": float(history["valid_acc"].iloc[-1]), "test_acc": test_acc,
            "graph": bool(history.attrs["cuda_graph"]), "epochs": epochs}


def c_compiler() -> str | None:
    """The C compiler Triton would build with: ``$CC``, else ``gcc``, else ``clang`` on the PATH; None if none."""
    return os.environ.get("CC") or shutil.which("gcc") or shutil.which("clang")


def run_compiled(data, epochs: int, seed: int, device: torch.device) -> dict | None:
    """(d): ``run_train`` on ``torch.compile(mode="reduce-overhead")``; None (after one line) if it fails."""
    try:
        return run_train(data, epochs, seed, device, cuda_graph=False, compile_mode="reduce-overhead")
    except Exception as exc:  # a missing compiler or Triton, an unsupported GPU: say so, keep the other rows
        text = str(exc).strip()
        first = text.splitlines()[0][:160] if text else type(exc).__name__
        print(f"{COMPILED} failed ({type(exc).__name__}: {first}); its row is left out")
        return None


def time_validation(data, device: torch.device, repeats: int = 5) -> float:
    """Median seconds of one :func:`lh.evaluate` pass over the validation split (batches of 1,000)."""
    model = lh.LeNet5().to(device)
    lh.evaluate(model, data.valid, device=device)  # warm-up
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        lh.evaluate(model, data.valid, device=device)
        _sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15, help="epochs of (b), the CUDA graph run (default 15)")
    parser.add_argument("--eager-epochs", type=int, default=2, help="epochs of (a), the eager run (default 2)")
    parser.add_argument("--baseline-epochs", type=int, default=2,
                        help="epochs of (c), the per-sample DataLoader pipeline (default 2; 0 skips it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subset", type=int, default=None,
                        help="train and validate on the first SUBSET digits of each split only (quick runs)")
    parser.add_argument("--compile", action="store_true",
                        help="add (d): torch.compile(mode='reduce-overhead') instead of lh.train's CUDA graph, "
                             "for --epochs epochs (CUDA only)")
    parser.add_argument("--device", default="cuda",
                        help="cuda (default) or cpu, to try the script where there is no GPU: (b) is then skipped")
    args = parser.parse_args(argv)
    for name in ("epochs", "eager_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.baseline_epochs < 0:
        parser.error("--baseline-epochs must be 0 (skip) or more")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("No CUDA device on this machine: nothing to measure (run it where there is a GPU, or try "
              "--device cpu).")
        return 0

    print(f"Machine: {machine()}")
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}")
    start = time.perf_counter()
    data = lh.mnist_tensors(device=device, subset=args.subset)
    load_s = time.perf_counter() - start
    print(f"LeNet-5 at the defaults (Adam 1e-3, batch 32, cosine), seed {args.seed}: {len(data.train):,} training "
          f"digits on {device.type}, validation on {len(data.valid):,} every epoch, test on {len(data.test):,} "
          f"at the end; data prepared in {load_s:.1f} s (not counted below)\n")
    run_train(lh.mnist_tensors(device=device, subset=640), 1, args.seed, device, cuda_graph=False)  # warm-up

    runs = {EAGER: run_train(data, args.eager_epochs, args.seed, device, cuda_graph=False)}
    if device.type == "cuda":
        runs[GRAPH] = run_train(data, args.epochs, args.seed, device, cuda_graph=True)
    if args.compile and device.type == "cuda":
        compiled = run_compiled(data, args.epochs, args.seed, device)
        if compiled is not None:
            runs[COMPILED] = compiled
    if args.baseline_epochs:
        r = run_baseline(args.baseline_epochs, args.seed, device, args.subset)
        runs[BASELINE] = {**r, "epochs": args.baseline_epochs, "graph": False, "test_acc": None,
                                             "wall": sum(r["total_s"])}

    print(f"{'run':27s} {'epochs':>6s} {'s/epoch train':>13s} {'s/epoch +valid':>14s} {'images/s':>9s} "
          f"{'15 epochs (s)':>13s} {'valid %':>8s} {'test %':>7s}")
    per = {}
    for name, r in runs.items():
        # The first epoch of (b) holds the capture; the mean over all epochs keeps it in, as a user sees it.
        train_s, total_s = sum(r["train_s"]) / len(r["train_s"]), sum(r["total_s"]) / len(r["total_s"])
        per[name] = total_s
        fifteen = sum(r["total_s"]) if r["epochs"] == 15 else 15 * total_s
        test = f"{r['test_acc']:7.2f}" if r["test_acc"] is not None else f"{'-':>7s}"
        print(f"{name:27s} {r['epochs']:6d} {train_s:13.3f} {total_s:14.3f} {len(data.train) / train_s:9,.0f} "
              f"{fifteen:12.1f}{'' if r['epochs'] == 15 else '*'} {r['valid_acc']:8.2f} {test}")
    print("* projected from the measured epochs\n")
    print(f"one validation pass ({len(data.valid):,} digits, batches of 1,000): "
          f"{1000 * time_validation(data, device):.1f} ms")
    for line in verdict_lines(runs, per, full_data=args.subset is None):
        print(line)
    if args.compile:
        for line in compile_lines(runs, per, device, c_compiler()):
            print(line)
    return 0


def compile_lines(runs: dict, per: dict, device: torch.device, compiler: str | None) -> list[str]:
    """The lines on (d), torch.compile, against (b): speed, its first epoch (the compilation), accuracy,
    and the C compiler it found. ``compiler``: :func:`c_compiler`'s answer on this machine."""
    if device.type != "cuda":
        return ["(d) skipped: torch.compile(mode='reduce-overhead') replays CUDA graphs, so it is for a CUDA device"]
    found = (f"a C compiler is on this machine ({compiler})" if compiler else
             "no C compiler on this machine ($CC, gcc, clang)")
    d = runs.get(COMPILED)
    if d is None:
        return [f"(d) gave no figures (see the line above); {found}"]
    lines = []
    if GRAPH in per:
        lines.append(f"ratio (d)/(b) per epoch with validation: {per[COMPILED] / per[GRAPH]:.2f}x "
                     "(above 1: lh.train's own CUDA graph is faster)")
    rest = sorted(d["total_s"][1:])
    if rest:
        typical = rest[len(rest) // 2]  # the median of the epochs after the first
        lines.append(f"(d) first epoch {d['total_s'][0]:.1f} s against a median of {typical:.2f} s "
                     f"for the others: about {d['total_s'][0] - typical:.1f} s of compilation")
    lines.append(f"(d) test accuracy after {d['epochs']} epochs: {d['test_acc']:.2f}%; Triton (torch.compile's GPU "
                 f"backend) builds with a C compiler: {found}")
    return lines


def verdict_lines(runs: dict, per: dict, full_data: bool) -> list[str]:
    """The lines under the table: the ratios, the 10-second floor and the accuracy against the CPU's.

    ``runs``: ``{row name: result of run_train or run_baseline}``; ``per``: ``{row name: seconds per
    epoch with validation}``; ``full_data``: all of MNIST (no ``--subset``), so that the test accuracy
    compares with the shipped reference model's (15 epochs on the CPU).
    """
    graph, eager = runs.get(GRAPH), runs[EAGER]
    if graph is None:
        return ["(b) skipped: CUDA graphs need a CUDA device"]
    lines = []
    if not graph["graph"]:
        lines.append("(b) did not replay a graph (the capture failed: see the line above); its figures are eager")
    lines.append(f"ratio (a)/(b) per epoch with validation: {per[EAGER] / per[GRAPH]:.1f}x")
    if BASELINE in per:
        lines.append(f"ratio (c)/(b) per epoch with validation: {per[BASELINE] / per[GRAPH]:.1f}x")
    fifteen = sum(graph["total_s"]) * 15 / graph["epochs"]
    measured = "measured" if graph["epochs"] == 15 else "projected"
    verdict = "within" if fifteen <= FLOOR_SECONDS else "OVER"
    lines.append(f"15 epochs of (b) with validation: {fifteen:.1f} s ({measured}), {verdict} the {FLOOR_SECONDS:.0f} s floor")
    cpu = json.loads((Path(lh.__file__).parent / "reference" / "metadata.json").read_text())
    line = (f"test accuracy (b) after {graph['epochs']} epochs: {graph['test_acc']:.2f}%; the shipped reference model, "
            f"the same recipe on the {cpu['device'].upper()}: {cpu['test_acc']:.2f}%")
    if graph["epochs"] == cpu["epochs"] and full_data:
        gap = graph["test_acc"] - cpu["test_acc"]
        line += f" ({gap:+.2f} points, {'within' if abs(gap) <= 0.15 else 'OUTSIDE'} the 0.15-point tolerance)"
    lines.append(line)
    lines.append(f"(a) eager after {eager['epochs']} epoch(s): test {eager['test_acc']:.2f}%")
    return lines


if __name__ == "__main__":
    sys.exit(main())
