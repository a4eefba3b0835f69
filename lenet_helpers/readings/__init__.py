"""Readings: the few sentences after a figure, computed from the numbers the figure shows.

Each function takes what a notebook has just computed (a history, predictions, a confusion
matrix, feature maps, curves) and returns a list of sentences (or a small table) with the
numbers filled in, so that a rerun with other settings (another seed, fewer epochs, another
network) changes the text with the figure. Notebooks call them as ``lh.readings.NAME`` and
print them with ``lh.readings.show``. A new reading goes in the module of its topic:

* :mod:`.text`: printing (``show``, ``say``, ``text_table``) and how numbers are written (``format_confidence``, ...);
* :mod:`.network`: the network itself (normalisation 02, variances 03, feature maps 08, 09);
* :mod:`.results`: a trained network's results (curves 05, mistakes 06, confusions 07, architectures 10);
* :mod:`.mistakes`: a verdict for each misread digit, the occlusion lines (12);
* :mod:`.robustness`: the invariance lab (13);
* :mod:`.source`: long source code behind a collapsed view (``show_source``, 10).
"""
from lenet_helpers.readings.mistakes import (
    FAR_PERCENTILE,
    MISTAKE_RULES,
    MistakeReading,
    mistake_reading,
    mistake_readings,
    occlusion_report,
    rule_report,
)
from lenet_helpers.readings.network import (
    code_similarity_report,
    feature_map_report,
    kernel_background_report,
    naive_input_report,
    normalisation_report,
    variance_report,
)
from lenet_helpers.readings.results import (
    architecture_report,
    benchmark_report,
    confused_pair_report,
    format_mistakes,
    learning_curve_report,
    mistakes_report,
    per_class_noise_report,
)
from lenet_helpers.readings.robustness import break_summary, curves_report, curves_table
from lenet_helpers.readings.source import SourceView, show_source
from lenet_helpers.readings.text import (
    WIDTH,
    Folded,
    fold,
    format_confidence,
    format_level,
    printed_difference,
    probability_text,
    TextTable,
    say,
    show,
    text_table,
)

__all__ = [
    # printing and numbers in words
    "show", "say", "fold", "Folded", "text_table", "TextTable", "WIDTH", "format_confidence", "format_level", "probability_text",
    "printed_difference",
    # the network itself (02, 03, 08, 09)
    "normalisation_report", "variance_report", "feature_map_report", "kernel_background_report", "code_similarity_report", "naive_input_report",
    # results (05, 06, 07, 10)
    "learning_curve_report", "format_mistakes", "mistakes_report", "per_class_noise_report", "confused_pair_report",
    "architecture_report", "benchmark_report",
    # misread digits (12)
    "MISTAKE_RULES", "FAR_PERCENTILE", "MistakeReading", "mistake_reading", "mistake_readings", "rule_report",
    "occlusion_report",
    # robustness (13)
    "break_summary", "curves_report", "curves_table",
    # long code, collapsed (10)
    "show_source", "SourceView",
]
