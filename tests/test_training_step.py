"""The training step that a GPU replays as a CUDA graph (issue 21).

On the CPU: the step function is the textbook loop, weight for weight, step after step, also with
the learning rate as a tensor (as the graph needs it). On CUDA: a run replayed as a graph gives
the weights an eager run gives; without CUDA that test is skipped with its reason.
"""
import math

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import lenet_helpers as lh
from lenet_helpers.data.mnist import MNISTTensors, TensorBatches
from lenet_helpers.training.loop import cosine_schedule
from lenet_helpers.training.step import WARMUP_STEPS, TrainStep, keep_learning_rates_in_place

CUDA = torch.cuda.is_available()


def _batches(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(n, 1, 32, 32, generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    return TensorDataset(images, labels)


def _twin_models():
    lh.set_seed(0)
    a = lh.LeNet5()
    b = lh.LeNet5()
    b.load_state_dict(a.state_dict())
    return a, b


def test_train_step_is_the_textbook_loop_step_for_step_on_the_cpu():
    """Same weights after every one of 16 steps (7 batches of 32 and a partial one of 8, twice)
    as pytorch/examples' loop, with the cosine schedule; the graph's tensor learning rate too."""
    data = _batches(232)
    total = 2 * len(TensorBatches(data, 32))
    for tensor_lr in (False, True):
        reference, model = _twin_models()
        opt_ref = torch.optim.Adam(reference.parameters(), lr=1e-3, fused=True)
        lr = torch.tensor(1e-3) if tensor_lr else 1e-3
        opt = torch.optim.Adam(model.parameters(), lr=lr, fused=True)
        sched_ref, sched = cosine_schedule(opt_ref, total), cosine_schedule(opt, total)
        loss_fn = nn.CrossEntropyLoss()
        step = TrainStep(model, opt, loss_fn, "cpu")
        steps = 0
        for _ in range(2):
            step.reset()
            ref_sum, ref_correct, ref_seen = 0.0, 0, 0
            for images, labels in TensorBatches(data, 32):
                logits = reference(images)  # the textbook loop, written out
                loss = loss_fn(logits, labels)
                opt_ref.zero_grad()
                loss.backward()
                opt_ref.step()
                sched_ref.step()
                ref_sum += loss.item() * len(labels)
                ref_correct += int((logits.argmax(1) == labels).sum())
                ref_seen += len(labels)

                step_loss = step(images, labels)
                sched.step()
                steps += 1
                assert step_loss.item() == pytest.approx(loss.item(), rel=0 if not tensor_lr else 1e-5)
                for (name, p_ref), p in zip(reference.named_parameters(), model.parameters()):
                    # A float lr: bit for bit. A tensor lr is float32 (1e-3 is not exact in float32):
                    # the weights then agree to float32 rounding (about 1e-7 per step).
                    tol = dict(rtol=1e-5, atol=1e-6) if tensor_lr else dict(rtol=0, atol=0)
                    torch.testing.assert_close(p, p_ref, **tol,
                                               msg=f"{name} differs after step {steps} (tensor lr: {tensor_lr})")
            loss_sum, correct, seen = step.totals()
            assert (correct, seen) == (ref_correct, ref_seen)
            assert math.isclose(loss_sum, ref_sum, rel_tol=1e-5)
        assert float(opt.param_groups[0]["lr"]) == pytest.approx(opt_ref.param_groups[0]["lr"], abs=1e-12)
    assert steps == total


def test_a_learning_rate_assigned_as_a_float_goes_back_into_the_captured_tensor():
    """A graph reads the rate from one tensor: an assignment that replaces it must not be lost."""
    model = lh.LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(1e-3), fused=True)
    captured = [opt.param_groups[0]["lr"]]
    opt.param_groups[0]["lr"] = 2.5e-4  # what a student (or an old-style scheduler) writes
    keep_learning_rates_in_place(opt, captured)
    assert opt.param_groups[0]["lr"] is captured[0]
    assert captured[0].item() == pytest.approx(2.5e-4)
    opt.param_groups[0]["lr"] = torch.tensor(1e-4)  # a new tensor: same
    keep_learning_rates_in_place(opt, captured)
    assert opt.param_groups[0]["lr"] is captured[0] and captured[0].item() == pytest.approx(1e-4)
    sched = cosine_schedule(opt, 10)  # PyTorch's scheduler writes in place: nothing to put back
    opt.step()  # (no gradients: changes nothing; the scheduler expects a step before its own)
    sched.step()
    assert opt.param_groups[0]["lr"] is captured[0]


def test_cuda_graph_is_refused_off_cuda_in_one_line():
    model = lh.LeNet5()
    with pytest.raises(ValueError, match="capturable=True is for Adam on CUDA"):
        lh.train(model, (_batches(64), _batches(32)), epochs=1, device="cpu", cuda_graph=True, progress=False)
    opt = torch.optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="needs a CUDA device"):
        TrainStep(model, opt, nn.CrossEntropyLoss(), "cpu", cuda_graph=True)


def test_train_on_the_cpu_runs_eagerly_and_says_so():
    history = lh.train(lh.LeNet5(), (_batches(64), _batches(32)), epochs=1, device="cpu", progress=False,
                       verbose=False)
    assert history.attrs["cuda_graph"] is False
    assert isinstance(history["lr"].iloc[0], float)


@pytest.mark.skipif(not CUDA, reason="no CUDA device here: the CUDA graph path runs only on a GPU "
                                     "(python benchmarks/gpu_speed.py measures it there)")
@pytest.mark.parametrize("augment", [False, True])
def test_cuda_graph_run_gives_the_eager_run_s_weights(augment, monkeypatch):
    """Two epochs on 2,000 real-size digits (62 full batches and a partial one each): graph vs eager.

    cuDNN is made deterministic so that two runs of the same kernels give the same sums: what is
    compared is the graph against eager, not cuDNN's choice of algorithm from run to run."""
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    g = torch.Generator().manual_seed(1)
    images = torch.randn(2000, 1, 32, 32, generator=g).cuda()
    labels = (images[:, 0, 16, :10].argmax(1)).cuda()  # learnable labels
    data = MNISTTensors(TensorDataset(images, labels), TensorDataset(images[:500], labels[:500]),
                        TensorDataset(images[:500], labels[:500]))
    runs = {}
    for graph in (False, True):
        lh.set_seed(0)
        model = lh.LeNet5()
        history = lh.train(model, data, epochs=2, device="cuda", cuda_graph=graph, augment=augment,
                           progress=False, verbose=False)
        runs[graph] = (model, history)
    (eager, h_eager), (graphed, h_graph) = runs[False], runs[True]
    assert h_graph.attrs["cuda_graph"] is True and h_eager.attrs["cuda_graph"] is False
    for (name, a), b in zip(eager.named_parameters(), graphed.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=f"{name} differs between graph and eager")
    assert list(h_graph.columns) == list(h_eager.columns)
    assert (h_graph["valid_acc"] - h_eager["valid_acc"]).abs().max() <= 0.2
    assert h_graph["lr"].iloc[-1] == pytest.approx(h_eager["lr"].iloc[-1], abs=1e-9)


@pytest.mark.skipif(not CUDA, reason="no CUDA device here: the CUDA graph path runs only on a GPU")
def test_cuda_graph_replays_after_warmup_and_falls_back_when_capture_fails(capsys):
    model = lh.LeNet5().cuda()
    opt = lh.setup_training(model, "cuda", capturable=True)
    step = TrainStep(model, opt, nn.CrossEntropyLoss(), "cuda", cuda_graph=True)
    images, labels = torch.randn(32, 1, 32, 32, device="cuda"), torch.randint(0, 10, (32,), device="cuda")
    for _ in range(WARMUP_STEPS + 3):
        step(images, labels)
    step(images[:8], labels[:8])  # a partial batch runs eagerly
    step(images, labels)
    assert step.replays == 4 and step.totals()[2] == 32 * (WARMUP_STEPS + 4) + 8

    class ReadsBack(lh.LeNet5):
        def forward(self, x):
            if x.abs().max().item() > 1e9:  # reads a value back to the host: not capturable
                x = x * 0
            return super().forward(x)

    model = ReadsBack().cuda()
    opt = lh.setup_training(model, "cuda", capturable=True)
    step = TrainStep(model, opt, nn.CrossEntropyLoss(), "cuda", cuda_graph=True)
    for _ in range(WARMUP_STEPS + 2):
        loss = step(images, labels)
    assert step.graph_failed and step.replays == 0 and torch.isfinite(loss)
    assert "CUDA graph capture failed" in capsys.readouterr().out
