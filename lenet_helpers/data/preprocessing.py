"""How a 28x28 MNIST digit becomes a network's input: the three preprocessings of the series.

Every registered model declares one of them (its ``preprocessing`` attribute), and everything
that feeds a model (the training tensors, :func:`lenet_helpers.load_image`, the sketchpad)
reads it from the model:

* ``"resize32"``: bilinear resize 28x28 -> 32x32, as the reference tutorial does;
* ``"pad32"``: 2 zero (background) pixels on each side, 28x28 -> 32x32, as LeCun et al. (1998,
  section III.A) placed the 20x20 digits "in a 32x32 field" so that stroke ends lie inside the
  receptive fields of the top feature detectors;
* ``"raw28"``: the 28x28 digit as stored.

All three scale pixels to [0, 1] and normalise with MNIST's mean and standard deviation.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

#: Side of the square LeNet-5 input, in pixels (LeCun et al. 1998, section II.B).
INPUT_SIZE = 32


#: Mean and standard deviation of MNIST training pixels scaled to [0, 1]
#: (the figures of pytorch/examples ``mnist/main.py``). After normalising, MNIST's black
#: background (pixel 0) is -0.4242 and full white ink (pixel 1) +2.8215.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


#: The preprocessings a model can declare, with the input shape each gives (channels, height, width).
PREPROCESSINGS = {"resize32": (1, 32, 32), "pad32": (1, 32, 32), "raw28": (1, 28, 28)}


def check_preprocessing(preprocessing: str) -> str:
    """Return ``preprocessing`` if it is one of :data:`PREPROCESSINGS`.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    if preprocessing not in PREPROCESSINGS:
        raise ValueError(f"unknown preprocessing {preprocessing!r}: use one of {sorted(PREPROCESSINGS)}")
    return preprocessing


def input_transform(preprocessing: str = "resize32", normalize: bool = True) -> transforms.Compose:
    """The per-image transform of one preprocessing: PIL 28x28 -> float32 tensor ``(1, H, W)``.

    ``"resize32"`` is the reference tutorial's ``Resize((32, 32))`` (bilinear, antialiased, on the
    PIL image); ``"pad32"`` is ``Pad(2)`` with 0 (LeCun et al. 1998); ``"raw28"`` leaves the size.
    Then ``ToTensor`` maps 0-255 to [0, 1] and ``Normalize(0.1307, 0.3081)`` centres the pixels,
    which trains faster with tanh units (LeCun et al. 1998, appendix A: inputs of mean near 0
    and variance near 1). ``normalize=False`` keeps [0, 1].

    Raises:
        ValueError: an unknown preprocessing.
    """
    check_preprocessing(preprocessing)
    steps = {"resize32": [transforms.Resize((INPUT_SIZE, INPUT_SIZE))], "pad32": [transforms.Pad(2, fill=0)],
             "raw28": []}[preprocessing]
    steps = steps + [transforms.ToTensor()]
    if normalize:
        steps.append(transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)))
    return transforms.Compose(steps)


def lenet_transform(normalize: bool = True) -> transforms.Compose:
    """The reference tutorial's preprocessing: resize 28x28 -> 32x32, to a tensor, then normalise.

    Same as ``input_transform("resize32", normalize)``. Input: a PIL image 28x28.
    Output: a float32 tensor ``(1, 32, 32)``.
    """
    return input_transform("resize32", normalize)


def denormalize(images: torch.Tensor) -> torch.Tensor:
    """Undo the normalisation: back to pixel values in [0, 1] (any shape)."""
    return images * MNIST_STD + MNIST_MEAN


def resize_all(images: torch.Tensor) -> torch.Tensor:
    """Apply the exact PIL resize of ``"resize32"`` to uint8 digits ``(N, 28, 28)`` -> ``(N, 32, 32)`` uint8."""

    resize = input_transform("resize32").transforms[0]
    out = np.empty((len(images), INPUT_SIZE, INPUT_SIZE), dtype=np.uint8)
    for i, img in enumerate(images.numpy()):
        out[i] = np.asarray(resize(Image.fromarray(img, mode="L")))
    return torch.from_numpy(out)


def normalize_pixels(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 images ``(N, H, W)`` (0-255) -> normalised float32 ``(N, 1, H, W)``, as ``ToTensor`` + ``Normalize`` do."""
    return pixels.unsqueeze(1).float().div_(255).sub_(MNIST_MEAN).div_(MNIST_STD)


def prepare_images(raw: torch.Tensor, preprocessing: str = "resize32") -> torch.Tensor:
    """A batch of uint8 digits ``(N, 28, 28)`` as a model's normalised input ``(N, 1, H, W)`` float32.

    Gives exactly the pixels of :func:`input_transform` image by image (a test checks it), for
    the whole batch at once.

    Raises:
        ValueError: an unknown preprocessing, or ``raw`` not ``(N, 28, 28)``.
    """
    check_preprocessing(preprocessing)
    if raw.dim() != 3 or tuple(raw.shape[1:]) != (28, 28):
        raise ValueError(f"prepare_images takes uint8 digits of shape (N, 28, 28), got {tuple(raw.shape)}")
    if preprocessing == "resize32":
        pixels = resize_all(raw)
    elif preprocessing == "pad32":
        pixels = F.pad(raw, (2, 2, 2, 2))
    else:
        pixels = raw
    return normalize_pixels(pixels)


def check_digits(digits) -> torch.Tensor:
    """``digits`` if it is a tensor of 28x28 digits ``(N, 28, 28)``; else a ValueError in one line
    that says how to get one (one digit ``(28, 28)``: ``digit.unsqueeze(0)``; model inputs
    ``(N, 1, 28, 28)``: ``images.squeeze(1)``)."""
    shape = tuple(getattr(digits, "shape", ()))
    if isinstance(digits, torch.Tensor) and len(shape) == 3 and shape[1:] == (28, 28):
        return digits
    hint = {2: "; for one digit use digit.unsqueeze(0)", 4: "; for (N, 1, 28, 28) images use images.squeeze(1)"}
    raise ValueError(f"expected a tensor of 28x28 digits, shape (N, 28, 28), values 0-1; got "
                     f"{type(digits).__name__} of shape {shape}{hint.get(len(shape), '')}")


def to_model_input(digits: torch.Tensor, preprocessing: str = "resize32") -> torch.Tensor:
    """28x28 digits in [0, 1] -> normalised model inputs ``(N, 1, H, W)``.

    ``"resize32"``: bilinear 28->32 (the reference tutorial's ``Resize((32, 32))``; for
    upscaling, torch's bilinear and PIL's agree within a few grey levels, checked by a test);
    ``"pad32"``: two black pixels on each side (LeCun et al. 1998); ``"raw28"``: unchanged.
    Then ``(x - 0.1307) / 0.3081`` as :func:`~lenet_helpers.lenet_transform`.

    Raises:
        ValueError: unknown preprocessing, or ``digits`` not ``(N, 28, 28)`` (:func:`check_digits`).
    """
    check_preprocessing(preprocessing)
    x = check_digits(digits).float().unsqueeze(1)
    if preprocessing == "resize32":
        x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False, antialias=True)
    elif preprocessing == "pad32":
        x = F.pad(x, (2, 2, 2, 2))
    return (x - MNIST_MEAN) / MNIST_STD
