"""Accuracy against lag, and ‖∂L_T/∂h_t‖ against t, for each cell on a memory task.

`train_memory_task` trains one (cell, lag) from the task's preset and scores it;
`lag_sweep` does that for every cell and lag and returns a table to plot;
`gradient_profile` is the textbook vanishing-gradient picture: how strongly the
last step's loss reaches back to each earlier hidden state. A plain tanh RNN's
profile falls by orders of magnitude within a few dozen steps; an LSTM whose
forget gate is open keeps it nearly flat, which is why it can learn the task.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from .config import defaults_for
from .errors import InputError
from .experiment import Experiment
from .memory_tasks import MEMORY_TASKS, accuracy
from .trace import trace

CELLS = ("rnn", "lstm", "gru")
SCORE_BATCHES = 2
SCORE_BATCH_SIZE = 128
# The score that shows memory: for brackets the nearby closers are easy for any cell, so the
# outer bracket's closer, `lag` steps after it opened, is the one to plot against lag.
HEADLINE = {"recall": "accuracy", "brackets": "accuracy_last", "adding": "accuracy"}


def _check(task: str, cells) -> None:
    if task not in MEMORY_TASKS:
        raise InputError(f"Unknown memory task {task!r}: choose one of {', '.join(MEMORY_TASKS)}.")
    bad = [c for c in cells if c not in CELLS]
    if bad:
        raise InputError(f"Unknown cell {bad[0]!r}: choose from {', '.join(CELLS)}.")


def memory_experiment(task: str, cell: str, lag: int, seed: int = 0, **settings) -> Experiment:
    """The task's preset with this cell, lag and seed (and any other Config fields given)."""
    _check(task, [cell])
    config = defaults_for(task).replace(cell=cell, lag=int(lag), seed=int(seed), **settings)
    if cell != "rnn":
        config = config.replace(nonlinearity="tanh")
    return Experiment(config)


def score(experiment: Experiment, generator: torch.Generator | None = None) -> dict:
    """accuracy over every scored step, and over the last step alone (the longest memory)."""
    generator = generator or torch.Generator().manual_seed(12345)
    ds, model = experiment.dataset, experiment.model
    state = generator.get_state()
    every = accuracy(model, ds, SCORE_BATCHES, SCORE_BATCH_SIZE, generator)
    generator.set_state(state)  # the same items for both scores
    last = accuracy(model, ds, SCORE_BATCHES, SCORE_BATCH_SIZE, generator, last_step_only=True)
    return {"accuracy": every, "accuracy_last": last}


def gradient_profile(experiment: Experiment, batch_size: int = 32, layer: int = -1,
                     generator: torch.Generator | None = None) -> np.ndarray:
    """‖∂L_T/∂h_t‖ for t = 1..T (mean over a batch): the last step's loss reaching back in time."""
    generator = generator or torch.Generator().manual_seed(54321)
    inputs, targets = experiment.dataset.batch(batch_size, None, generator)
    return trace(experiment.model, inputs, targets).grad_norms_last[layer].numpy()


def train_memory_task(task: str, cell: str, lag: int, steps: int = 300, seed: int = 0, stop_at: float | None = None,
                      check_every: int = 50, max_seconds: float | None = None, **settings) -> dict:
    """Train one cell at one lag for up to `steps` steps (stopping early once `stop_at` accuracy is reached).

    Returns task, cell, lag, steps, seconds (training time), loss, accuracy, accuracy_last,
    headline (HEADLINE[task]'s value), steps_to_90 (the first check at which the headline
    score is ≥ 0.9, or None). `stop_at` also applies to the headline score.
    """
    experiment = memory_experiment(task, cell, lag, seed, **settings)
    started = time.perf_counter()
    reached = None
    result = score(experiment)
    while experiment.step < steps:
        left = None if max_seconds is None else max_seconds - (time.perf_counter() - started)
        if left is not None and left <= 0:
            break
        if not experiment.train(min(check_every, steps - experiment.step), max_seconds=left):
            break  # diverged
        result = score(experiment)
        if reached is None and result[HEADLINE[task]] >= 0.9:
            reached = experiment.step
        if stop_at is not None and result[HEADLINE[task]] >= stop_at:
            break
    history = experiment.trainer.history
    return {"task": task, "cell": cell, "lag": int(lag), "steps": experiment.step,
            "seconds": experiment.trainer.seconds, "loss": float(history.loss.iloc[-1]) if len(history) else np.nan,
            **result, "headline": result[HEADLINE[task]], "steps_to_90": reached}


def lag_sweep(task: str, lags, cells=CELLS, steps: int = 300, seed: int = 0, stop_at: float | None = 0.99,
              max_seconds: float | None = None, progress=None, **settings) -> pd.DataFrame:
    """train_memory_task for every cell and lag: one row each, ready for accuracy-against-lag.

    `max_seconds` bounds each run; `progress(row)` is called after each one (for a progress bar).
    """
    _check(task, cells)
    rows = []
    for cell in cells:
        for lag in lags:
            row = train_memory_task(task, cell, lag, steps=steps, seed=seed, stop_at=stop_at,
                                    max_seconds=max_seconds, **settings)
            rows.append(row)
            if progress is not None:
                progress(row)
    return pd.DataFrame(rows)


def gradient_profiles(task: str, lag: int, cells=CELLS, seed: int = 0, steps: int = 0, **settings) -> pd.DataFrame:
    """‖∂L_T/∂h_t‖ against t for each cell (after `steps` training steps; 0 = at initialisation).

    Columns: cell, t (1-based), grad_norm_last.
    """
    _check(task, cells)
    frames = []
    for cell in cells:
        experiment = memory_experiment(task, cell, lag, seed, **settings)
        if steps:
            experiment.train(steps)
        profile = gradient_profile(experiment)
        frames.append(pd.DataFrame({"cell": cell, "t": np.arange(1, len(profile) + 1), "grad_norm_last": profile}))
    return pd.concat(frames, ignore_index=True)
