"""The connectivity matrix on the Inside the model page: every prefix step's dependence on the inputs
before it, kept a few seconds while the model trains."""

from __future__ import annotations

import time
import weakref

import numpy as np

from rnnviz.insight import connectivity

MATRIX_MAX_AGE = 5.0  # seconds a connectivity matrix may lag behind a model that keeps training
_matrix_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def connectivity_matrix(experiment, quantity: str = "probability", max_age: float = MATRIX_MAX_AGE,
                        clock=time.monotonic) -> tuple[np.ndarray, int]:
    """connectivity.connectivity_matrix of the prefix, and the training step it belongs to.

    It takes one backward pass per prefix step, too much to redo every second while training: the
    last one is kept for `max_age` seconds, or until the prefix or the quantity changes. While
    training is paused it is always the current model's.
    """
    key = (experiment.config.prefix, quantity)
    kept = _matrix_cache.get(experiment)
    now = clock()
    if kept is not None and kept["key"] == key and (kept["step"] == experiment.step or now - kept["at"] < max_age):
        return kept["matrix"], kept["step"]
    matrix = connectivity.connectivity_matrix(experiment.model, experiment.dataset, experiment.config.prefix,
                                              quantity=quantity)
    _matrix_cache[experiment] = {"key": key, "step": experiment.step, "at": now, "matrix": matrix}
    return matrix, experiment.step
