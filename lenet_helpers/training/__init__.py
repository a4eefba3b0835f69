"""Training a network and keeping what it learned.

:mod:`.config` (``TrainConfig``: the recipe), :mod:`.step` (``train_step``: one optimizer
step, replayed as a CUDA graph on a GPU), :mod:`.loop` (``train_epoch``, ``evaluate``, ``train``), :mod:`.checkpoint` (the checkpoint file format), :mod:`.runs` (a whole run: check
where it will write, train, test once, save checkpoint + history as one unit),
:mod:`.reference` (the model the notebooks use: yours, else the shipped reference model).
"""
