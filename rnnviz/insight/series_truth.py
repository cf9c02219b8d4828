"""The true continuation of a series prefix (lesson L4), found in the data, and a compact before/after table.

A prefix typed from the sine wave (0, 0.16, 0.31, 0.45) is a stretch of the data rounded to two
decimals; the values that follow it there are what a perfect model would predict. Any series works
(an uploaded column too): the first stretch of the data that matches the prefix within its rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnnviz.nn.predict import predict

MATCH = 0.006  # a prefix typed to two decimals is within 0.005 of the data; a little slack
MAX_COLUMNS = 12  # values shown per row of the table: it stays one line high on a projector


def true_continuation(ds, prefix_values, n: int) -> list[float] | None:
    """The n values that follow the prefix in the data, or None when the prefix is not found there (or data ends)."""
    values = np.asarray(ds.values, dtype=float)
    prefix = np.asarray(prefix_values, dtype=float)
    k = len(prefix)
    if k == 0 or len(values) < k + n:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(values[:len(values) - n], k)
    tolerance = MATCH + 0.005 * (float(values.max()) - float(values.min()))
    hits = np.flatnonzero(np.abs(windows - prefix).max(axis=1) <= tolerance)
    if len(hits) == 0:
        return None
    start = int(hits[0]) + k
    return values[start:start + n].tolist()


def rmse(predicted, truth) -> float:
    return math.sqrt(float(np.mean((np.asarray(predicted, dtype=float) - np.asarray(truth, dtype=float)) ** 2)))


def before_after_table(rows: list[tuple[str, list[float]]], truth: list[float] | None) -> pd.DataFrame:
    """One line per model (before training, now, ...) and one for the truth: the first MAX_COLUMNS values,
    two decimals each, and the root-mean-square error against the truth over every predicted value."""
    width = min(MAX_COLUMNS, max(len(values) for _, values in rows))
    columns = ["", *[f"t+{k + 1}" for k in range(width)], "RMSE vs true"]
    table = []
    for label, values in ([("true", truth)] if truth is not None else []) + rows:
        cells = [f"{v:.2f}" for v in values[:width]] + [""] * (width - len(values[:width]))
        error = "" if truth is None or label == "true" else f"{rmse(values, truth[:len(values)]):.3f}"
        table.append([label, *cells, error])
    return pd.DataFrame(table, columns=columns)


def before_and_now(experiment, prediction) -> tuple[list[float] | None, list[tuple[str, list[float]]]]:
    """The truth after the prefix, and the model's continuation before training (step 0's snapshot) and now."""
    ds = experiment.dataset
    truth = true_continuation(ds, prediction.prefix, len(prediction.generated))
    first = min(experiment.trainer.snapshot_steps())
    earlier = predict(experiment.trainer.model_at(first), ds, list(prediction.prefix), n=len(prediction.generated),
                      temperature=0.0)
    label = "before training" if first == 0 else f"at step {first:,} (loaded)"
    return truth, [(label, earlier.generated), (f"now (step {experiment.step:,})", prediction.generated)]
