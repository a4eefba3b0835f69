"""Fuzzing: random bytes and random small images thrown at ``load_image`` and ``load_checkpoint``.

Every input must end in a result or the package's own error (``ImageError``,
``CheckpointError``; ``FileNotFoundError`` for a missing file), never another exception and
never a hang (each call gets a 10 s alarm). A seeded generator, so a failure reproduces:
the message names the case. The counts of outcomes are printed (``pytest -s``).
"""
import collections
import io
import signal
import time
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

import lenet_helpers as lh
from lenet_helpers.training.checkpoint import save_checkpoint

MAGIC = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBP",
         b"PK\x03\x04", b"\x80\x02", b""]
FORMATS = ["PNG", "JPEG", "BMP", "TIFF", "GIF", "WEBP"]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def attempt(call, allowed, outcomes, case):
    """Run ``call()`` with a 10 s alarm; count its outcome; fail on anything but ``allowed`` errors."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)
    try:
        result = call()
        outcomes["result"] += 1
        return result
    except allowed as exc:
        outcomes[type(exc).__name__] += 1
    except Hang:
        pytest.fail(f"{case}: no answer within 10 s")
    except Exception as exc:  # noqa: BLE001 - this is what the test looks for
        pytest.fail(f"{case}: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def encoded_digit(rng, fmt):
    img = lh.draw_digit(int(rng.integers(10)), size=int(rng.integers(16, 64)), thickness=int(rng.integers(2, 6)),
                        seed=int(rng.integers(1000)))
    if rng.random() < 0.5:
        img = img.convert(str(rng.choice(["L", "RGBA", "P", "1", "I", "F", "LA"])))
    buf = io.BytesIO()
    try:
        img.save(buf, format=fmt)
    except (OSError, ValueError, KeyError):  # a mode this format cannot store
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format=fmt)
    return buf.getvalue()


def mutate(rng, data: bytes) -> bytes:
    data = bytearray(data)
    choice = rng.integers(3)
    if choice == 0 and len(data) > 1:  # truncate
        return bytes(data[: int(rng.integers(0, len(data)))])
    for _ in range(int(rng.integers(1, 20))):  # flip bytes
        if data:
            data[int(rng.integers(len(data)))] = int(rng.integers(256))
    if choice == 2:  # insert junk
        at = int(rng.integers(len(data) + 1))
        data[at:at] = rng.bytes(int(rng.integers(1, 64)))
    return bytes(data)


def random_array(rng):
    shape = tuple(int(v) for v in rng.integers(1, 48, int(rng.integers(1, 4))))
    if len(shape) == 3 and rng.random() < 0.5:
        shape = shape[:2] + (int(rng.choice([1, 3, 4])),)
    dtype = rng.choice(["uint8", "uint16", "int32", "int64", "float32", "float64", "bool"])
    kind = rng.integers(4)
    if kind == 0:
        arr = np.full(shape, rng.integers(0, 256))
    elif kind == 1:
        arr = rng.random(shape) * float(rng.choice([1, 255, 65535, 1e9, -1e3]))
    elif kind == 2:
        arr = (rng.random(shape) < 0.1) * 255
    else:
        arr = rng.normal(0, 1, shape) * float(rng.choice([1, 100, 1e6]))
        if rng.random() < 0.2:
            arr.flat[int(rng.integers(arr.size))] = rng.choice([np.nan, np.inf, -np.inf])
    with np.errstate(invalid="ignore", over="ignore"):
        return arr.astype(dtype) if dtype != "bool" else arr > 0


def test_fuzz_load_image(tmp_path, capsys):
    rng = np.random.default_rng(2024)
    outcomes = collections.Counter()
    allowed = (lh.ImageError, FileNotFoundError)
    n = 0
    start = time.perf_counter()
    for i in range(420):  # random bytes, half of them behind an image format's magic number
        data = (MAGIC[int(rng.integers(len(MAGIC)))] if i % 2 else b"") + rng.bytes(int(rng.integers(0, 3000)))
        path = tmp_path / f"bytes_{i}.{rng.choice(['png', 'jpg', 'gif', 'bmp', 'tif', 'webp', 'pt'])}"
        path.write_bytes(data)
        result = attempt(lambda: lh.load_image(path), allowed, outcomes, f"random bytes #{i}")
        assert result is None or (result.shape == (1, 32, 32) and torch.isfinite(result).all())
        n += 1
    for i in range(300):  # real images of every format, damaged
        data = mutate(rng, encoded_digit(rng, FORMATS[i % len(FORMATS)]))
        path = tmp_path / f"damaged_{i}.img"
        path.write_bytes(data)
        result = attempt(lambda: lh.load_image(path), allowed, outcomes, f"damaged {FORMATS[i % len(FORMATS)]} #{i}")
        assert result is None or (result.shape == (1, 32, 32) and torch.isfinite(result).all())
        n += 1
    for i in range(400):  # random small arrays, tensors and PIL images of every mode
        arr = random_array(rng)
        source = arr
        if i % 4 == 1:
            source = torch.from_numpy(np.ascontiguousarray(arr))
        elif i % 4 == 2 and arr.ndim == 2 and arr.dtype in (np.uint8, np.int32, np.float32, np.bool_):
            source = Image.fromarray(arr)
        result = attempt(lambda: lh.load_image(source), allowed, outcomes,
                         f"array #{i} {arr.dtype} {arr.shape} as {type(source).__name__}")
        assert result is None or (result.shape == (1, 32, 32) and torch.isfinite(result).all())
        n += 1
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nload_image fuzz: {n} inputs in {seconds:.1f} s: {dict(outcomes)}")
    assert n >= 1000 and outcomes["result"] > 50 and outcomes["ImageError"] > 100


def small_checkpoint(tmp_path):
    lh.set_seed(0)
    return save_checkpoint(tmp_path / "good.pt", lh.LeNet5()).read_bytes()


def crafted_payload(rng, good_state):
    """A torch.save'd object that is almost a checkpoint: wrong types, shapes, values or keys."""
    from lenet_helpers.training import checkpoint as ck

    state = dict(good_state)
    meta = {"architecture": "LeNet5"}
    choice = int(rng.integers(9))
    if choice == 0:
        meta = list(meta.items())  # metadata as a list
    elif choice == 1:
        state = list(state.values())  # state dict as a list
    elif choice == 2:
        key = list(state)[int(rng.integers(len(state)))]
        state[key] = torch.full_like(state[key], float(rng.choice([np.nan, np.inf, -np.inf])))
    elif choice == 3:
        key = list(state)[int(rng.integers(len(state)))]
        state[key] = torch.zeros(int(rng.integers(1, 5)))
    elif choice == 4:
        state.pop(list(state)[int(rng.integers(len(state)))])
    elif choice == 5:
        state[list(state)[0]] = "not a tensor"
    elif choice == 6:
        meta = None
    elif choice == 7:
        meta["architecture"] = str(rng.choice(["LeNet5x", "", "mlp"]))
    else:
        state = {k: v.to(torch.float64) for k, v in state.items()}
    payload = {"format": ck.CHECKPOINT_FORMAT, "state_dict": state, "metadata": meta}
    if rng.random() < 0.2:
        payload = [payload] if rng.random() < 0.5 else payload["state_dict"]
    buf = io.BytesIO()
    torch.save(payload, buf)
    return buf.getvalue()


def test_fuzz_load_checkpoint(tmp_path, capsys):
    rng = np.random.default_rng(2025)
    outcomes = collections.Counter()
    allowed = (lh.CheckpointError, FileNotFoundError)
    good = small_checkpoint(tmp_path)
    good_state = torch.load(tmp_path / "good.pt", weights_only=True)["state_dict"]
    path = tmp_path / "fuzz.pt"
    n = 0
    start = time.perf_counter()

    def check(case):
        nonlocal n
        result = attempt(lambda: lh.load_checkpoint(path), allowed, outcomes, case)
        if result is not None:
            model, meta = result
            assert all(np.isfinite(p.numpy()).all() for p in model.state_dict().values()), case
        n += 1

    for i in range(400):
        path.write_bytes((MAGIC[int(rng.integers(len(MAGIC)))] if i % 2 else b"") + rng.bytes(int(rng.integers(0, 4000))))
        check(f"random bytes #{i}")
    for i in range(400):
        path.write_bytes(mutate(rng, good))
        check(f"damaged checkpoint #{i}")
    for i in range(150):
        path.write_bytes(crafted_payload(rng, good_state))
        check(f"crafted payload #{i}")
    for i in range(50):  # a zip archive like torch's, with random members
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            members = rng.choice(["data.pkl", "byteorder", "version", "data/0"], int(rng.integers(1, 5)), replace=False)
            for member in members:
                z.writestr(f"archive/{member}", rng.bytes(int(rng.integers(0, 200))))
        path.write_bytes(buf.getvalue())
        check(f"random zip #{i}")
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nload_checkpoint fuzz: {n} inputs in {seconds:.1f} s: {dict(outcomes)}")
    assert n >= 1000 and outcomes["result"] > 0 and outcomes["CheckpointError"] > 500
