"""lenet_helpers: the code the LeNet-5 on MNIST notebooks share.

Use it as ``import lenet_helpers as lh``. One namespace rule: ``lh.NAME`` computes,
``lh.plot_*`` draws a figure (``lh.save_figure`` saves it), ``lh.readings.NAME`` says the
sentences after a figure. The code lives in sub-packages, one concept each:

* :mod:`~lenet_helpers.data`: MNIST, the 28x28 -> model input preprocessing, distortions;
* :mod:`~lenet_helpers.models`: the networks' contract and registry, summaries, forward hooks;
* :mod:`~lenet_helpers.training`: ``TrainConfig``, the training loop, checkpoints, whole runs
  (one place saves a run), the reference model shipped with the package;
* :mod:`~lenet_helpers.analysis`: evaluation, layer statistics, attribution, neighbours,
  comparison of networks, robustness (numbers and tables);
* :mod:`~lenet_helpers.readings`: every computed sentence;
* :mod:`~lenet_helpers.digits`: your own digits (page reading, ``DigitReading``), digits made
  with code, stroke width, the sketchpad widget;
* :mod:`~lenet_helpers.plots`: every figure;
* :mod:`~lenet_helpers.tools`: running the notebooks, the static web site;
* top level: :mod:`~lenet_helpers.settings` (paths, device, seeds), :mod:`~lenet_helpers.files`
  (atomic writes), :mod:`~lenet_helpers.cli` (``python -m lenet_helpers``).

Scripts and tests import what is not listed in ``__all__`` from its module, e.g.
``from lenet_helpers.digits.synthetic import photo_set``.
"""

import os as _os
import sys as _sys

if getattr(_sys, "orig_argv", [])[1:3] == ["-m", "lenet_helpers"]:
    # `python -m lenet_helpers ...`: Ctrl-C while torch and the other libraries load (several seconds, before
    # the command's own handling begins) ends in one line, not a traceback; cli.main puts Python's handler back.
    import signal as _signal

    def _interrupted_while_starting(signum, frame):
        _sys.stderr.write("lenet_helpers: interrupted (Ctrl-C) while starting: nothing was run, nothing changed\n")
        _sys.stderr.flush()
        _os._exit(130)

    _signal.signal(_signal.SIGINT, _interrupted_while_starting)


class MissingDependency(ModuleNotFoundError):
    """A library ``lenet_helpers`` needs is not installed; in a notebook the message is one line."""

    def _render_traceback_(self):  # IPython (a notebook) shows these lines instead of a traceback
        return [f"MissingDependency: {self}"]


try:
    from lenet_helpers import readings
    from lenet_helpers.analysis.activations import (
        background_values,
        code_similarity,
        layer_variances,
        preactivation_variances,
    )
    from lenet_helpers.analysis.attribution import occlusion, saliency
    from lenet_helpers.analysis.comparison import (
        benchmark_results,
        benchmark_summary,
        double_softmax_floor,
        error_overlap,
        results_table,
        wrong_by_all,
        wrong_indices,
    )
    from lenet_helpers.analysis.evaluation import (
        classification_report,
        confusion_matrix,
        correct_partners,
        mistakes_table,
        mixed_sample,
        most_confused,
        per_class_accuracy,
        predict,
    )
    from lenet_helpers.analysis.neighbours import embedding_2d, nearest_neighbours, neighbour_agreement, timed_embedding
    from lenet_helpers.analysis.robustness import (
        accuracy_under,
        breaking_point,
        drawn_readings,
        invariance_curves,
        mnist_test_digits,
    )
    from lenet_helpers.data.distortions import TRANSFORMS, thicker, thinner
    from lenet_helpers.data.mnist import (
        MNISTTensors,
        TensorBatches,
        ink_at_border,
        mnist_datasets,
        mnist_loaders,
        mnist_tensors,
    )
    from lenet_helpers.data.preprocessing import MNIST_MEAN, MNIST_STD, denormalize, lenet_transform
    from lenet_helpers.digits.page import (
        DigitReading,
        ImageError,
        NoInk,
        load_image,
        predict_image,
        preprocess_steps,
        read_digit,
    )
    from lenet_helpers.digits.sketchpad import Sketchpad, predict_strokes
    from lenet_helpers.digits.strokes import MNIST_STROKE_WIDTH, MNIST_WIDTH_RANGE, box_stroke_width, stroke_width
    from lenet_helpers.digits.synthetic import EXAMPLE_STROKES, crop_to_ink, draw_digit, drawn_digit_set, page_on_desk
    from lenet_helpers.models import (
        LeNet5,
        MNISTNet,
        available_models,
        build_model,
        count_parameters,
        layer_arithmetic,
        layer_table,
        model_class,
        model_source,
        model_summary,
        models_table,
        multiply_adds,
        nearest_class_mean,
        register_model,
    )
    from lenet_helpers.models.hooks import conv1_kernels, extract_features, feature_maps
    from lenet_helpers.plots.digits import (
        ink_box,
        plot_confused_pair,
        plot_digit_pixels,
        plot_images,
        plot_predictions,
        plot_reading,
        plot_reading_maps,
        plot_steps,
    )
    from lenet_helpers.plots.explain import (
        plot_attributions,
        plot_embedding,
        plot_error_explorer,
        plot_invariance_curves,
        plot_transform_examples,
    )
    from lenet_helpers.plots.figures import save_figure
    from lenet_helpers.plots.network import plot_feature_maps, plot_kernels, plot_vector
    from lenet_helpers.plots.results import (
        plot_class_counts,
        plot_confusion_matrix,
        plot_error_overlap,
        plot_histories,
        plot_learning_curves,
        plot_per_class_errors,
    )
    from lenet_helpers.settings import (
        artifacts_dir,
        checkpoint_path,
        data_dir,
        figures_dir,
        history_path,
        models_dir,
        pick_device,
        set_seed,
        version_stamp,
    )
    from lenet_helpers.training.checkpoint import CheckpointError, load_checkpoint, load_history
    from lenet_helpers.training.config import TrainConfig
    from lenet_helpers.training.loop import evaluate, setup_training, train, train_epoch
    from lenet_helpers.training.reference import load_trained_model
    from lenet_helpers.training.runs import (
        SaveError,
        TrainingInterrupted,
        save_training_run,
        train_and_save,
        train_or_load,
    )
    from lenet_helpers.training.step import TrainStep, train_step
except ModuleNotFoundError as exc:  # torch, matplotlib, ... missing: one line that says what to do
    raise MissingDependency(f"lenet_helpers needs the library {exc.name!r}, which is not installed: run "
                            f"`pip install -e .` in the repository folder (README, \"Getting started\"), "
                            f"then restart the kernel", name=exc.name) from None

__version__ = "0.1.0"

__all__ = [
    # settings: paths, device, seeds
    "artifacts_dir", "checkpoint_path", "data_dir", "figures_dir", "history_path", "models_dir",
    "pick_device", "set_seed", "version_stamp",
    # data: MNIST, preprocessing, distortions
    "mnist_datasets", "mnist_loaders", "mnist_tensors", "MNISTTensors", "TensorBatches", "ink_at_border",
    "MNIST_MEAN", "MNIST_STD", "lenet_transform", "denormalize",
    "TRANSFORMS", "thicker", "thinner",
    # models: the registry, summaries, what each layer sees
    "MNISTNet", "LeNet5", "build_model", "available_models", "register_model", "model_class", "model_source",
    "model_summary", "layer_arithmetic", "layer_table", "models_table", "count_parameters", "multiply_adds", "nearest_class_mean",
    "feature_maps", "extract_features", "conv1_kernels",
    # training: the recipe, the loop, saving and loading a run, the model the notebooks use
    "TrainConfig", "train", "train_epoch", "train_step", "TrainStep", "evaluate", "setup_training",
    "train_and_save", "train_or_load", "save_training_run", "load_checkpoint", "load_history", "load_trained_model",
    "SaveError", "CheckpointError", "TrainingInterrupted",
    # analysis: numbers and tables about a trained network
    "predict", "confusion_matrix", "per_class_accuracy", "most_confused", "classification_report",
    "mistakes_table", "mixed_sample", "correct_partners",
    "layer_variances", "preactivation_variances", "background_values", "code_similarity",
    "occlusion", "saliency",
    "nearest_neighbours", "neighbour_agreement", "embedding_2d", "timed_embedding",
    "results_table", "error_overlap", "wrong_by_all", "wrong_indices", "double_softmax_floor",
    "benchmark_results", "benchmark_summary",
    "mnist_test_digits", "accuracy_under", "invariance_curves", "breaking_point", "drawn_readings",
    # digits: your own digits, digits made with code, the sketchpad
    "load_image", "preprocess_steps", "read_digit", "predict_image", "DigitReading", "ImageError", "ink_box",
    "stroke_width", "box_stroke_width", "MNIST_STROKE_WIDTH", "MNIST_WIDTH_RANGE",
    "draw_digit", "drawn_digit_set", "crop_to_ink", "page_on_desk", "EXAMPLE_STROKES", "predict_strokes", "NoInk", "Sketchpad",
    # plots: every figure
    "save_figure",
    "plot_digit_pixels", "plot_images", "plot_predictions", "plot_confused_pair", "plot_steps", "plot_reading",
    "plot_reading_maps",
    "plot_class_counts", "plot_learning_curves", "plot_histories", "plot_confusion_matrix", "plot_per_class_errors",
    "plot_error_overlap",
    "plot_feature_maps", "plot_vector", "plot_kernels",
    "plot_attributions", "plot_error_explorer", "plot_embedding", "plot_transform_examples", "plot_invariance_curves",
    # readings: every computed sentence (lh.readings.NAME)
    "readings",
]
