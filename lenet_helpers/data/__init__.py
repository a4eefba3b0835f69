"""MNIST and what is done to its digits before a network sees them.

:mod:`.mnist` (the dataset, its splits and in-memory tensors), :mod:`.preprocessing` (28x28 ->
model input: resize32, pad32, raw28; MNIST's mean and std), :mod:`.distortions` (shifts,
rotations, strokes, noise: the invariance lab's transformations and training augmentation).
"""
