"""Measuring a trained network: computed numbers and tables, no sentences and no figures.

:mod:`.evaluation` (predictions, confusion matrix, mistakes), :mod:`.activations` (layer
statistics), :mod:`.attribution` (occlusion, saliency), :mod:`.neighbours` (nearest training
digits, 2-D maps), :mod:`.comparison` (several networks side by side), :mod:`.robustness`
(accuracy under distortions).
"""
