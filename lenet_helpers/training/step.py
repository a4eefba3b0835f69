"""One training step, written so that a GPU can replay it as one CUDA graph.

LeNet-5's training step at batch 32 is about thirty tiny kernels (forward, loss, backward, Adam).
On a GPU the launches, not the arithmetic, are the cost: an eager step takes about 1.7 ms on an
H200, the same step captured once as a CUDA graph and replayed takes about 0.3 ms (measured for
the issue that asked for this; ``benchmarks/gpu_speed.py`` measures it again). A CUDA graph records
the kernels of one step with their memory addresses and replays them with one launch, so
everything a step changes must live in tensors that stay in place: the batch is copied into
fixed input buffers, the learning rate is a tensor on the device (the cosine schedule writes
into it), Adam keeps its step counts on the device (``capturable=True``), and the running loss
and accuracy add up in device tensors read once per epoch.

:func:`train_step` is the step itself, the same code eager (CPU, MPS, the last partial batch)
and captured (full batches on CUDA). :class:`TrainStep` runs it batch after batch and decides
which; :func:`~lenet_helpers.train` uses it. PyTorch's guide to whole-network capture is the
recipe followed here ("CUDA Graphs", torch.cuda documentation: warm up on a side stream, then
capture with the gradients set to None).
"""
from __future__ import annotations

import torch
from torch import nn

#: Eager steps before the capture (on a side stream, as PyTorch's guide asks): they are real
#: training steps on real batches, so the recipe does not change.
WARMUP_STEPS = 3


def train_step(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, optimizer: torch.optim.Optimizer,
               loss_fn: nn.Module, loss_sum: torch.Tensor, correct: torch.Tensor,
               set_to_none: bool = True) -> torch.Tensor:
    """One optimizer step on one batch, with no wait for the device: forward, loss, backward, step.

    The textbook loop's steps (pytorch/examples ``mnist/main.py``; the reference tutorial), with
    the gradients cleared after the forward pass rather than before it (the same result: they are
    cleared before ``backward`` either way): ``logits = model(images)``, ``loss = loss_fn(logits,
    labels)``, ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. Nothing here reads a value back to the host (no
    ``.item()``, no ``if`` on a tensor), which is what lets CUDA capture it as a graph.

    Args:
        images: ``(B, *model.input_shape)`` on the model's device; labels: ``(B,)`` class indices.
        loss_sum: a 0-dim float tensor on the device; the batch's summed loss (mean loss x B) is
            added to it in place.
        correct: a 0-dim integer tensor on the device; the batch's number of right answers (largest
            logit = label) is added to it in place.
        set_to_none: ``optimizer.zero_grad(set_to_none=...)``.

    Returns:
        The batch's mean loss, a 0-dim tensor on the device (detached).
    """
    logits = model(images)
    loss = loss_fn(logits, labels)
    optimizer.zero_grad(set_to_none=set_to_none)
    loss.backward()
    optimizer.step()
    loss = loss.detach()
    loss_sum.add_(loss * labels.shape[0])
    correct.add_((logits.detach().argmax(1) == labels).sum())
    return loss


def keep_learning_rates_in_place(optimizer: torch.optim.Optimizer, tensors: list[torch.Tensor]) -> None:
    """Put each param group's learning rate back into the tensor a CUDA graph was captured with.

    A captured graph reads the learning rate from one tensor, at one address. A scheduler from
    PyTorch 2.6 on writes into that tensor (``fill_``), but code that *assigns* a new value
    (``optimizer.param_groups[0]["lr"] = 1e-4``, as one would with a float learning rate, or a
    scheduler written that way) replaces the tensor, and every later replay would silently keep
    the old rate. This copies such a value into the captured tensor and puts the tensor back.

    Args:
        optimizer: the optimizer the graph steps.
        tensors: the learning-rate tensors of its param groups when the graph was captured, one per group.
    """
    for group, lr in zip(optimizer.param_groups, tensors):
        if group["lr"] is not lr:
            lr.fill_(group["lr"])  # a float, or a 0-dim tensor
            group["lr"] = lr


class TrainStep:
    """:func:`train_step` batch after batch, replayed as one CUDA graph on full batches when asked.

    With ``cuda_graph=True`` (CUDA only) the first :data:`WARMUP_STEPS` full batches run eagerly
    on a side stream, the next one is captured, and every later batch of the same size is copied
    into the graph's input buffers and replayed: one launch per step. A batch of another size
    (the last, partial batch of an epoch) runs eagerly. The optimizer must keep its state on the
    device and its learning rate as a device tensor (:func:`~lenet_helpers.training.loop.setup_training`
    with ``capturable=True``); a scheduler that writes into that tensor (``LambdaLR`` does, with
    ``fill_``) then changes the learning rate of every replay. If the capture fails (a network whose
    forward reads a value back to the host, for instance), the step says so in one line and stays
    eager: same results, eager speed.

    The running loss and accuracy of the epoch add up on the device: :meth:`reset` at the start of
    an epoch, :meth:`totals` at its end (one wait for the device).

    Args:
        model, optimizer, loss_fn: what :func:`train_step` takes.
        device: where the model lives.
        cuda_graph: capture full batches as a CUDA graph.

    Raises:
        ValueError: ``cuda_graph=True`` on a device that is not CUDA, or with an optimizer whose
            param groups are not ``capturable``.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module, device,
                 cuda_graph: bool = False):
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.device = torch.device(device)
        if cuda_graph and self.device.type != "cuda":
            raise ValueError(f"cuda_graph=True needs a CUDA device; this step runs on {self.device.type}: "
                             "leave cuda_graph=None to use a graph only where there is one")
        if cuda_graph and not all(group.get("capturable", False) for group in optimizer.param_groups):
            raise ValueError("cuda_graph=True needs an optimizer made with capturable=True and a tensor learning "
                             "rate: lh.setup_training(model, 'cuda', capturable=True)")
        self.cuda_graph = cuda_graph
        self.loss_sum = torch.zeros((), device=self.device)
        self.correct = torch.zeros((), dtype=torch.long, device=self.device)
        self.seen = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.graph_batch = 0        # the batch size the graph was captured for
        self.graph_failed = False
        self.warmup_left = WARMUP_STEPS
        self.replays = 0            # steps run as a graph replay (for tests and benchmarks)
        self._static_images = self._static_labels = self._static_loss = None
        self._graph_lrs: list[torch.Tensor] = []

    def reset(self) -> None:
        """Zero the running loss and accuracy (in place: the graph keeps adding into the same tensors)."""
        self.loss_sum.zero_()
        self.correct.zero_()
        self.seen = 0

    def totals(self) -> tuple[float, int, int]:
        """``(summed loss, right answers, images seen)`` since :meth:`reset`; waits for the device once."""
        return self.loss_sum.item(), int(self.correct.item()), self.seen

    def __call__(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """One step on ``images (B, ...)``, ``labels (B,)`` (on the device); returns the batch's mean loss (0-dim)."""
        self.seen += labels.shape[0]
        if not self.cuda_graph or self.graph_failed:
            return self._eager(images, labels)
        if self.graph is None:
            if self.warmup_left > 0:
                self.warmup_left -= 1
                side = torch.cuda.Stream(self.device)
                side.wait_stream(torch.cuda.current_stream(self.device))
                with torch.cuda.stream(side):
                    loss = self._eager(images, labels)
                torch.cuda.current_stream(self.device).wait_stream(side)
                return loss
            self._capture(images, labels)
            if self.graph is None:  # the capture failed: this batch's step has not run yet
                return self._eager(images, labels)
        if labels.shape[0] != self.graph_batch:
            # After the capture the gradients stay in the graph's buffers: zero them in place.
            return self._eager(images, labels, set_to_none=False)
        keep_learning_rates_in_place(self.optimizer, self._graph_lrs)
        self._static_images.copy_(images)
        self._static_labels.copy_(labels)
        self.graph.replay()
        self.replays += 1
        return self._static_loss

    def _eager(self, images, labels, set_to_none: bool = True) -> torch.Tensor:
        return train_step(self.model, images, labels, self.optimizer, self.loss_fn, self.loss_sum, self.correct,
                          set_to_none=set_to_none)

    def _capture(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        """Record :func:`train_step` on fixed buffers shaped like this batch (records, does not run it)."""
        self._static_images = images.detach().clone()
        self._static_labels = labels.detach().clone()
        graph = torch.cuda.CUDAGraph()
        self.optimizer.zero_grad(set_to_none=True)  # backward then allocates the gradients in the graph's pool
        try:
            with torch.cuda.device(self.device), torch.cuda.graph(graph):
                self._static_loss = train_step(self.model, self._static_images, self._static_labels, self.optimizer,
                                               self.loss_fn, self.loss_sum, self.correct, set_to_none=True)
        except RuntimeError as exc:
            self.graph_failed = True
            self._static_images = self._static_labels = self._static_loss = None
            self.optimizer.zero_grad(set_to_none=True)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"CUDA graph capture failed ({first[:120]}); training goes on eagerly, same results, slower.",
                  flush=True)
            return
        self.graph, self.graph_batch = graph, labels.shape[0]
        self._graph_lrs = [group["lr"] for group in self.optimizer.param_groups]
