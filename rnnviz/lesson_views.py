"""The data behind the lesson pages (worked maths, memory tasks, inside the model), with no Streamlit here.

Like `rnnviz.views`: pages read the session, call these, and hand the results to the chart modules,
so every number a lesson page shows can be checked in a unit test.
"""

from __future__ import annotations

import time
import weakref

import numpy as np
import pandas as pd

from rnnviz.datasets.memory_tasks import ADDING_TOLERANCE, MEMORY_TASKS
from rnnviz.errors import InputError
from rnnviz.insight import connectivity, spectral, units, worked
from rnnviz.insight.memory_sweep import HEADLINE, score
from rnnviz.views import labels_for

# -- worked maths --------------------------------------------------------------------------------------

# The values LESSONS L3 prints for its example. a_1 and h_1 follow from its equations; the rest do not
# (W_hy h_1 with its own h_1 is 0.62274399, not 0.62507946), so the page shows both and says so.
LESSON_PRINTED = {
    "h_1": [0.19737532, 0.46211716, 0.66403677], "y_1": [0.62507946],
    "h_2": [0.28267734, 0.57345841, 0.76354129], "y_2": [0.74487427],
    "h_3": [0.34242503, 0.66919951, 0.84956376], "y_3": [0.84642439],
}
AGREE = 1e-6


def _vector(values) -> str:
    values = list(np.atleast_1d(values))
    text = ", ".join(f"{v:.8f}" for v in values)
    return text if len(values) == 1 else f"({text})"


def printed_vs_computed(steps: list[worked.StepTerms]) -> pd.DataFrame:
    """Each h_t and y_t of the worked example: what LESSONS L3 prints, what its equations give, whether they agree."""
    rows = []
    for terms in steps:
        for name, computed in ((f"h_{terms.step}", terms.h), (f"y_{terms.step}", terms.y)):
            printed = LESSON_PRINTED[name]
            agree = np.allclose(printed, computed, atol=AGREE, rtol=0)
            rows.append({"value": name, "the tutorial prints": _vector(printed),
                         "its equations give": _vector(computed), "agree": "yes" if agree else "no"})
    return pd.DataFrame(rows)


def compact_latex(lines: list[str], limit: int = 220) -> list[str]:
    """Neighbouring short equations on one line (joined by a wide space), so a step fits on one screen.

    `limit` counts LaTeX source characters, a rough stand-in for width: a column of 8-digit numbers
    is about 60 of them.
    """
    joined: list[str] = []
    for line in lines:
        if joined and len(joined[-1]) + len(line) <= limit:
            joined[-1] += r"\qquad " + line
        else:
            joined.append(line)
    return joined


def prefix_steps(experiment) -> tuple:
    """The current prefix as model input [1, T(, 1)] and the label of each step."""
    ds = experiment.dataset
    inputs = connectivity.prefix_inputs(ds, experiment.config.prefix)
    items = inputs[0].tolist() if ds.is_tokens else ds.from_model(inputs[0, :, 0])
    return inputs, labels_for(ds, items)


def model_step(experiment, step: int, units: int = worked.DEFAULT_UNITS, layer: int = 0) -> worked.StepTerms:
    """step_terms of the learner's model at `step` (1-based) of the prefix, the `units` that moved most shown."""
    inputs, _ = prefix_steps(experiment)
    symbols = list(experiment.dataset.symbols) if experiment.dataset.is_tokens else None
    return worked.step_terms(experiment.model, inputs, step, layer=layer, symbols=symbols,
                             max_units=max(1, min(int(units), experiment.model.hidden_size)))


def model_chain(experiment, layer: int = 0) -> worked.Chain:
    """The BPTT chain of the learner's model along the prefix."""
    inputs, _ = prefix_steps(experiment)
    return worked.bptt_chain(experiment.model, inputs, layer=layer)


# -- memory tasks --------------------------------------------------------------------------------------

SWEEP_LAGS = {"recall": [10, 20, 40, 80], "brackets": [10, 20, 40, 80], "adding": [5, 10, 20, 40]}
LAG_CHOICES = [2, 5, 10, 20, 30, 40, 60, 80, 120, 160]
SWEEP_BUDGET = 60.0  # seconds for a whole sweep (it trains in slices beside the page: ui.sweep_job)


def chance_level(task: str, ds=None) -> float:
    """The headline score a model that learnt nothing about the past gets.

    recall: one letter of the alphabet at random; brackets: the outer closer is one of the types;
    adding: always answering 1.0 (the mean sum) is within ±0.1 of a sum of two U(0, 1) numbers with
    probability 1 − 0.9² = 0.19.
    """
    if task == "recall":
        return 1.0 / (ds.alphabet if ds is not None else 4)
    if task == "brackets":
        return 1.0 / (ds.types if ds is not None else 2)
    if task == "adding":
        return 1.0 - (1.0 - ADDING_TOLERANCE) ** 2
    raise InputError(f"Unknown memory task {task!r}: choose one of {', '.join(MEMORY_TASKS)}.")


def memory_score(experiment) -> dict | None:
    """The loaded memory task's accuracy (every answer, the last one, and the headline), or None."""
    task = experiment.config.dataset
    if task not in MEMORY_TASKS:
        return None
    result = score(experiment)
    return {**result, "headline": result[HEADLINE[task]], "chance": chance_level(task, experiment.dataset),
            "which": HEADLINE[task]}


# -- spectral radius over training ----------------------------------------------------------------------

_spectral_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def spectral_history(experiment) -> pd.DataFrame:
    """spectral.spectral_over_training, plus the model as it is now; measured once per snapshot.

    Eigenvalues of a 256-unit W_hh at thirty snapshots take a noticeable part of a second, and a
    snapshot's weights never change, so each snapshot is measured once.
    """
    trainer = experiment.trainer
    cache = _spectral_cache.setdefault(experiment, {})
    frames = []
    for step in trainer.snapshot_steps():
        if step not in cache:
            table = spectral.spectral_table(trainer.snapshots[step], cell=trainer.model.cell)
            table.insert(0, "step", step)
            cache[step] = table
        frames.append(cache[step])
    if experiment.step not in trainer.snapshots:
        now = spectral.spectral_table(experiment.model)
        now.insert(0, "step", experiment.step)
        frames.append(now)
    return pd.concat(frames, ignore_index=True)


# -- inside the model ----------------------------------------------------------------------------------

MATRIX_MAX_AGE = 5.0  # seconds a connectivity matrix may lag behind a model that keeps training
_matrix_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def connectivity_matrix(experiment, quantity: str = "probability", max_age: float = MATRIX_MAX_AGE,
                        clock=time.monotonic) -> tuple[np.ndarray, int]:
    """connectivity.connectivity_matrix of the prefix, and the training step it belongs to.

    It takes one backward pass per prefix step (half a second for an 81-step prefix), too much to
    redo every second while training: the last one is kept for `max_age` seconds, or until the prefix
    or the quantity changes. While training is paused it is always the current model's.
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


UNIT_STEPS = 3000  # inputs the unit explorer reads: enough for every symbol to show up, quick to replay


def unit_report(experiment, unit: int, layer: int = 0, state: str = "hidden", order: str = "high",
                top: int = 8) -> units.UnitReport:
    """The unit explorer over the training data, read as the model was trained (windows, or one carried stream)."""
    config = experiment.config
    return units.unit_report(experiment.model, experiment.dataset, unit, layer=layer, state=state, order=order,
                                top=top, max_steps=UNIT_STEPS, seq_len=None if config.carry_state else config.seq_len)
