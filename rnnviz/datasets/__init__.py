"""The data a learner can train on, each small enough to learn in seconds.

Token datasets (counting, sentences, shakespeare, text) yield integer ids and
are learned with cross-entropy; series datasets (sine, an uploaded column)
yield floats and are learned with mean squared error. Every dataset answers
the same questions: what symbols or values it has, how to turn a prefix the
learner typed into model input, how to print a continuation, and how to draw
a batch (random windows, or the next stretch of each lane when the hidden
state is carried from batch to batch).
"""

from __future__ import annotations

import inspect

from rnnviz.datasets.base import Dataset
from rnnviz.datasets.climbs import make_climbs
from rnnviz.datasets.memory_tasks import MEMORY_TASKS
from rnnviz.datasets.series import MAX_SERIES_VALUES, SeriesDataset, make_series, make_sine
from rnnviz.datasets.tokens import (
    MAX_SYMBOLS,
    MAX_TEXT_CHARS,
    SENTENCES,
    SHAKESPEARE,
    CountingDataset,
    TokenDataset,
    check_text,
    make_counting,
    make_sentences,
    make_shakespeare,
    make_text,
)
from rnnviz.errors import InputError, shown

__all__ = [
    "Dataset", "TokenDataset", "CountingDataset", "SeriesDataset", "DATASETS", "MAX_SERIES_VALUES", "MAX_SYMBOLS",
    "MAX_TEXT_CHARS", "SENTENCES", "SHAKESPEARE", "check_text", "dataset_names", "load_dataset", "make_counting",
    "make_sentences", "make_series", "make_shakespeare", "make_sine", "make_text",
]

DATASETS = {
    "counting": make_counting,
    "sentences": make_sentences,
    "shakespeare": make_shakespeare,
    "sine": make_sine,
    "text": make_text,
    "csv": make_series,
    **MEMORY_TASKS,  # recall, brackets, adding: an answer that lies `lag` steps back
    "climbs": make_climbs,  # lesson L1's many-to-one classifier
}


def dataset_names() -> list[str]:
    return list(DATASETS)


def load_dataset(name: str, seed: int = 0, **options) -> Dataset:
    """Build a dataset by name; `text` takes text=..., series ones may take values=..."""
    if not isinstance(name, str) or name not in DATASETS:
        raise InputError(f"Unknown dataset {shown(name)}: choose one of {', '.join(DATASETS)}.")
    takes = [option for option in inspect.signature(DATASETS[name]).parameters if option != "seed"]
    unknown = sorted(str(option) for option in options if option not in takes)
    if unknown:
        raise InputError(f"The {name} data has no option {', '.join(unknown)}; it takes "
                         f"{', '.join(takes) or 'only a seed'}.")
    if name == "text":
        if "text" not in options:
            raise InputError("The text dataset needs text: paste or upload some.")
        return make_text(options["text"], seed=seed)
    if name == "csv" and "values" not in options:
        raise InputError("The csv dataset needs numbers: upload a CSV file and pick a column.")
    return DATASETS[name](seed=seed, **options)
