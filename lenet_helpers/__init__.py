"""lenet_helpers: the code the LeNet-5 on MNIST notebooks share.

Use it as ``import lenet_helpers as lh``. Modules by concern: :mod:`~lenet_helpers.settings`
(paths, device, seeds), :mod:`~lenet_helpers.io` (atomic writes), :mod:`~lenet_helpers.preprocessing`,
:mod:`~lenet_helpers.data`, :mod:`~lenet_helpers.models` (the registry of networks),
:mod:`~lenet_helpers.training`, :mod:`~lenet_helpers.checkpoint`,
:mod:`~lenet_helpers.evaluation`, :mod:`~lenet_helpers.features`,
:mod:`~lenet_helpers.plotting`, :mod:`~lenet_helpers.images`, :mod:`~lenet_helpers.pipeline`,
:mod:`~lenet_helpers.notebooks`, :mod:`~lenet_helpers.cli`,
:mod:`~lenet_helpers.sketchpad` (draw a digit, watch it read); notebooks 12-13's
:mod:`~lenet_helpers.attribution` (occlusion, saliency), :mod:`~lenet_helpers.neighbours`
(fc1 features, nearest neighbours, 2-D maps), :mod:`~lenet_helpers.robustness` (the invariance
lab), :mod:`~lenet_helpers.strokes` (stroke width), :mod:`~lenet_helpers.plotting_explain`;
:mod:`~lenet_helpers.trained` (your model or the shipped reference one), :mod:`~lenet_helpers.site` (the static web site);
:mod:`~lenet_helpers.saving` (saving a run without losing a good model) and
:mod:`~lenet_helpers.photos` (synthetic photos of digits: shadows, pencil, specks, frames).
"""
from .attribution import occlusion, saliency
from .comparison import (architecture_report, benchmark_report, benchmark_results, benchmark_summary,
                         double_softmax_floor, error_overlap, results_table, wrong_by_all, wrong_indices)
from .checkpoint import CheckpointError, load_checkpoint, load_history, save_checkpoint, save_history
from .data import (MNISTCorruptError, MNISTNotFoundError, MNISTTensors, TensorBatches, check_raw_files, mnist_datasets,
                   mnist_loaders, mnist_splits, mnist_tensors, random_shift)
from .evaluation import (classification_report, confusion_matrix, format_confidence, learning_curve_report,
                         most_confused, per_class_accuracy, predict)
from .features import conv1_kernels, feature_maps, feature_shapes
from .images import DigitReading, ImageError, draw_digit, load_image, predict_image, preprocess_steps, read_digit
from .io import atomic_write
from .models import (MLP, DropoutCNN, LeNet5, LeNet5_1998, LeNet5Modern, LeNetGAP, MediumCNN, MNISTNet, SmallCNN,
                     available_models, build_model, count_parameters, layer_table, model_class, model_source,
                     model_summary, models_table, multiply_adds, nearest_class_mean, register_model)
from .pipeline import TrainingInterrupted, load_or_train, train_and_save, train_or_load
from .photos import photo_set, synthetic_photo
from .preprocessing import (MNIST_MEAN, MNIST_STD, PREPROCESSINGS, denormalize, input_transform, lenet_transform,
                            prepare_images)
from .neighbours import embedding_2d, extract_features, nearest_neighbours, neighbour_agreement
from .saving import SaveError, check_destination, save_training_run
from .plotting import (plot_class_counts, plot_confusion_matrix, plot_error_overlap, plot_feature_maps,
                       plot_histories, plot_kernels, plot_learning_curves, plot_per_class_errors, plot_predictions,
                       plot_vector, save_figure, show_digit_pixels, show_images)
from . import readings  # the sentences after figures, computed from the run (notebooks 03-09)
from .robustness import accuracy_under, invariance_curves, mnist_test_digits, stroke_width
from .sketchpad import (EXAMPLE_STROKES, NoInk, Reading, Sketchpad, plot_reading, predict_strokes, rasterize_strokes,
                        reading_panel)
from .settings import (artifacts_dir, checkpoint_path, data_dir, display_path, figures_dir, history_path, machine,
                       models_dir, pick_device, set_seed, version_stamp, versions)
from .training import epoch_line, evaluate, setup_training, train, train_epoch
# The model notebooks 05 onwards use (yours, else the shipped reference model); site.py is not imported here.
from .trained import load_trained_model, reference_checkpoint, reference_metadata

__version__ = "0.1.0"

__all__ = [
    # issue 14 (robust): errors, reading photos, saving safely
    "check_destination",
    "DigitReading",
    "photo_set",
    "read_digit",
    "save_training_run",
    "SaveError",
    "synthetic_photo",
    "TrainingInterrupted",
    # sketchpad (issue 11)
    "EXAMPLE_STROKES",
    "NoInk",
    "plot_reading",
    "predict_strokes",
    "rasterize_strokes",
    "Reading",
    "reading_panel",
    "Sketchpad",
    # the rest
    "accuracy_under",
    "architecture_report",
    "benchmark_report",
    "benchmark_results",
    "benchmark_summary",
    "artifacts_dir",
    "atomic_write",
    "available_models",
    "build_model",
    "check_raw_files",
    "checkpoint_path",
    "CheckpointError",
    "classification_report",
    "confusion_matrix",
    "conv1_kernels",
    "count_parameters",
    "data_dir",
    "denormalize",
    "display_path",
    "double_softmax_floor",
    "draw_digit",
    "embedding_2d",
    "DropoutCNN",
    "epoch_line",
    "error_overlap",
    "evaluate",
    "extract_features",
    "feature_maps",
    "feature_shapes",
    "figures_dir",
    "format_confidence",
    "history_path",
    "invariance_curves",
    "ImageError",
    "input_transform",
    "layer_table",
    "learning_curve_report",
    "LeNet5",
    "LeNet5_1998",
    "LeNet5Modern",
    "lenet_transform",
    "LeNetGAP",
    "load_checkpoint",
    "load_history",
    "load_image",
    "load_or_train",
    "load_trained_model",
    "machine",
    "MediumCNN",
    "MLP",
    "mnist_datasets",
    "mnist_loaders",
    "MNIST_MEAN",
    "mnist_splits",
    "MNIST_STD",
    "mnist_tensors",
    "MNISTCorruptError",
    "MNISTNet",
    "MNISTNotFoundError",
    "MNISTTensors",
    "mnist_test_digits",
    "model_class",
    "model_source",
    "model_summary",
    "models_dir",
    "models_table",
    "most_confused",
    "nearest_neighbours",
    "neighbour_agreement",
    "occlusion",
    "multiply_adds",
    "nearest_class_mean",
    "per_class_accuracy",
    "pick_device",
    "plot_class_counts",
    "plot_confusion_matrix",
    "plot_error_overlap",
    "plot_feature_maps",
    "plot_kernels",
    "plot_histories",
    "plot_learning_curves",
    "plot_per_class_errors",
    "plot_predictions",
    "plot_vector",
    "predict",
    "predict_image",
    "prepare_images",
    "preprocess_steps",
    "PREPROCESSINGS",
    "random_shift",
    "readings",
    "saliency",
    "register_model",
    "results_table",
    "reference_checkpoint",
    "reference_metadata",
    "save_checkpoint",
    "save_figure",
    "save_history",
    "set_seed",
    "setup_training",
    "show_digit_pixels",
    "show_images",
    "stroke_width",
    "SmallCNN",
    "TensorBatches",
    "train",
    "train_and_save",
    "train_epoch",
    "train_or_load",
    "version_stamp",
    "versions",
    "wrong_by_all",
    "wrong_indices",
]
