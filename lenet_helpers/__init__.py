"""lenet_helpers: the code the LeNet-5 on MNIST notebooks share.

Use it as ``import lenet_helpers as lh``. Modules by concern: :mod:`~lenet_helpers.settings`
(paths, device, seeds), :mod:`~lenet_helpers.data`, :mod:`~lenet_helpers.model`,
:mod:`~lenet_helpers.training`, :mod:`~lenet_helpers.checkpoint`,
:mod:`~lenet_helpers.evaluation`, :mod:`~lenet_helpers.features`,
:mod:`~lenet_helpers.plotting`, :mod:`~lenet_helpers.images`, :mod:`~lenet_helpers.pipeline`,
:mod:`~lenet_helpers.notebooks`, :mod:`~lenet_helpers.cli`.
"""
from .checkpoint import (CheckpointError, atomic_write, load_checkpoint, load_history, save_checkpoint,
                         save_history)
from .data import (MNIST_MEAN, MNIST_STD, MNISTCorruptError, MNISTNotFoundError, MNISTTensors, TensorBatches,
                   check_raw_files, denormalize, lenet_transform, mnist_datasets, mnist_loaders, mnist_splits,
                   mnist_tensors, random_shift)
from .evaluation import (classification_report, confusion_matrix, format_confidence, learning_curve_report,
                         most_confused, per_class_accuracy, predict)
from .features import FEATURE_SHAPES, conv1_kernels, feature_maps
from .images import ImageError, draw_digit, load_image, predict_image, preprocess_steps
from .model import LeNet5, count_parameters, layer_table, model_summary
from .pipeline import load_or_train, train_and_save
from .plotting import (plot_class_counts, plot_confusion_matrix, plot_feature_maps, plot_kernels,
                       plot_learning_curves, plot_per_class_errors, plot_predictions, plot_vector, save_figure,
                       show_digit_pixels, show_images)
from . import readings  # the sentences after figures, computed from the run (notebooks 03-09)
from .settings import (artifacts_dir, checkpoint_path, data_dir, figures_dir, history_path, machine,
                       pick_device, set_seed, version_stamp, versions)
from .training import epoch_line, evaluate, setup_training, train, train_epoch

__version__ = "0.1.0"

__all__ = [
    "artifacts_dir",
    "atomic_write",
    "check_raw_files",
    "checkpoint_path",
    "CheckpointError",
    "classification_report",
    "confusion_matrix",
    "conv1_kernels",
    "count_parameters",
    "data_dir",
    "denormalize",
    "draw_digit",
    "epoch_line",
    "evaluate",
    "feature_maps",
    "FEATURE_SHAPES",
    "figures_dir",
    "format_confidence",
    "history_path",
    "ImageError",
    "layer_table",
    "learning_curve_report",
    "LeNet5",
    "lenet_transform",
    "load_checkpoint",
    "load_history",
    "load_image",
    "load_or_train",
    "machine",
    "mnist_datasets",
    "mnist_loaders",
    "MNIST_MEAN",
    "mnist_splits",
    "MNIST_STD",
    "mnist_tensors",
    "MNISTCorruptError",
    "MNISTNotFoundError",
    "MNISTTensors",
    "model_summary",
    "most_confused",
    "per_class_accuracy",
    "pick_device",
    "plot_class_counts",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_kernels",
    "plot_learning_curves",
    "plot_per_class_errors",
    "plot_predictions",
    "plot_vector",
    "predict",
    "predict_image",
    "preprocess_steps",
    "random_shift",
    "readings",
    "save_checkpoint",
    "save_figure",
    "save_history",
    "set_seed",
    "setup_training",
    "show_digit_pixels",
    "show_images",
    "TensorBatches",
    "train",
    "train_and_save",
    "train_epoch",
    "version_stamp",
    "versions",
]
