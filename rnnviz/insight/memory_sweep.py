"""Accuracy against lag, and ‖∂L_T/∂h_t‖ against t, for each cell on a memory task.

`train_memory_task` trains one (cell, lag) from the task's preset and scores it;
`lag_sweep` does that for every cell and lag and returns a table to plot (`LagSweep` the same, a slice at
a time, for the app);
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

from rnnviz.config import defaults_for
from rnnviz.datasets.memory_tasks import MEMORY_TASKS, accuracy
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.nn.trace import trace

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


class MemoryRun:
    """One cell at one lag, trained from the task's preset a slice at a time and scored every `check_every` steps.

    It stops at `steps`, once the headline score reaches `stop_at`, when training diverges, or when it has
    trained for `max_seconds` in all (`finished`); `row` is its result at any moment.
    """

    def __init__(self, task: str, cell: str, lag: int, steps: int = 300, seed: int = 0, stop_at: float | None = None,
                 check_every: int = 50, max_seconds: float | None = None, **settings):
        self.task, self.steps, self.stop_at, self.check_every = task, int(steps), stop_at, check_every
        self.max_seconds = max_seconds
        self.experiment = memory_experiment(task, cell, lag, seed, **settings)
        self.worked = 0.0  # seconds spent training and scoring, whoever waited between slices
        self.reached = None
        self.result = None
        self.finished = False

    def advance(self, max_seconds: float | None = None) -> bool:
        """Train and score for about `max_seconds` (at most one step and one score over); True once finished."""
        started = time.perf_counter()
        if self.result is None:
            self.result = score(self.experiment)
        experiment = self.experiment
        while not self.finished:
            spent = time.perf_counter() - started
            left = [limit - used for limit, used in ((max_seconds, spent), (self.max_seconds, self.worked + spent))
                    if limit is not None]
            if experiment.step >= self.steps or (left and min(left) <= 0):
                self.finished = experiment.step >= self.steps or bool(
                    self.max_seconds is not None and self.worked + spent >= self.max_seconds)
                break
            to_check = self.check_every - experiment.step % self.check_every
            rows = experiment.train(min(to_check, self.steps - experiment.step),
                                    max_seconds=min(left) if left else None)
            if not rows:
                self.finished = True  # diverged
                break
            if experiment.step % self.check_every == 0 or experiment.step >= self.steps:
                self._check()
        self.worked += time.perf_counter() - started
        return self.finished

    def _check(self) -> None:
        self.result = score(self.experiment)
        headline = self.result[HEADLINE[self.task]]
        if self.reached is None and headline >= 0.9:
            self.reached = self.experiment.step
        if self.stop_at is not None and headline >= self.stop_at:
            self.finished = True

    def row(self) -> dict:
        experiment, result = self.experiment, self.result or score(self.experiment)
        history = experiment.trainer.history
        return {"task": self.task, "cell": experiment.config.cell, "lag": int(experiment.config.lag),
                "steps": experiment.step, "seconds": experiment.trainer.seconds,
                "loss": float(history.loss.iloc[-1]) if len(history) else np.nan,
                **result, "headline": result[HEADLINE[self.task]], "steps_to_90": self.reached}


def train_memory_task(task: str, cell: str, lag: int, steps: int = 300, seed: int = 0, stop_at: float | None = None,
                      check_every: int = 50, max_seconds: float | None = None, **settings) -> dict:
    """Train one cell at one lag for up to `steps` steps (stopping early once `stop_at` accuracy is reached).

    Returns task, cell, lag, steps, seconds (training time), loss, accuracy, accuracy_last,
    headline (HEADLINE[task]'s value), steps_to_90 (the first check at which the headline
    score is ≥ 0.9, or None). `stop_at` also applies to the headline score.
    """
    run = MemoryRun(task, cell, lag, steps, seed, stop_at, check_every, max_seconds, **settings)
    run.advance()
    return run.row()


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


class LagSweep:
    """Accuracy against lag for every cell, trained a slice at a time under one budget of working seconds.

    The app calls `advance` once per timed run, each time under a training turn, so a sweep never holds a
    turn longer than a slice, and pausing or leaving it mid-way loses only the run in progress. Each run
    gets an equal share of the budget still left when it starts; time spent waiting for a turn does not count.
    """

    def __init__(self, task: str, lags, cells=CELLS, steps: int = 300, budget: float = 60.0, seed: int = 0,
                 stop_at: float | None = 0.99, **settings):
        _check(task, cells)
        lags = sorted({int(lag) for lag in lags})
        if not lags:
            raise InputError("Choose at least one lag.")
        self.task, self.steps, self.budget, self.seed, self.stop_at = task, int(steps), float(budget), seed, stop_at
        self.settings = settings
        self.runs = [(cell, lag) for cell in cells for lag in lags]
        self.rows: list[dict] = []
        self.worked = 0.0
        self.current: MemoryRun | None = None

    @property
    def finished(self) -> bool:
        return len(self.rows) == len(self.runs)

    def advance(self, max_seconds: float) -> dict | None:
        """Work on the sweep for about `max_seconds`; the row of a run that finished in it, if one did."""
        if self.finished:
            return None
        if self.current is None:
            cell, lag = self.runs[len(self.rows)]
            share = max(self.budget - self.worked, 0.0) / (len(self.runs) - len(self.rows))
            self.current = MemoryRun(self.task, cell, lag, steps=self.steps, seed=self.seed, stop_at=self.stop_at,
                                     max_seconds=share, **self.settings)
        run = self.current
        before = run.worked
        done = run.advance(max_seconds)
        self.worked += run.worked - before
        if not done:
            return None
        self.current = None
        self.rows.append(run.row())
        return self.rows[-1]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


class GradientProfiles:
    """‖∂L_T/∂h_t‖ against t for each cell (after `steps` training steps; 0 = at initialisation), a slice at a time.

    Training three cells at a long lag takes about a minute on a small server, so the app calls `advance` once
    per timed run under a training turn (as for `LagSweep`), and a learner who moves the lag loses only this job.
    """

    def __init__(self, task: str, lag: int, cells=CELLS, seed: int = 0, steps: int = 0, **settings):
        _check(task, cells)
        self.task, self.lag, self.cells, self.seed, self.steps = task, int(lag), tuple(cells), seed, int(steps)
        self.settings = settings
        self.frames: list[pd.DataFrame] = []  # one per cell traced
        self.current: Experiment | None = None  # the cell training now

    @property
    def finished(self) -> bool:
        return len(self.frames) == len(self.cells)

    def advance(self, max_seconds: float | None = None) -> pd.DataFrame | None:
        """Train the cell in progress for about `max_seconds`, tracing each cell once it has its steps (at most
        one step and one trace over); the profile of a cell traced in it, if one was."""
        started, traced = time.perf_counter(), None
        while not self.finished:
            left = None if max_seconds is None else max_seconds - (time.perf_counter() - started)
            if left is not None and left <= 0:
                break
            if self.current is None:
                self.current = memory_experiment(self.task, self.cells[len(self.frames)], self.lag, self.seed,
                                                 **self.settings)
            experiment = self.current
            if experiment.step < self.steps and experiment.train(self.steps - experiment.step, max_seconds=left):
                continue  # trained some; a diverged model is traced as it stands
            profile = gradient_profile(experiment)
            traced = pd.DataFrame({"cell": experiment.config.cell, "t": np.arange(1, len(profile) + 1),
                                   "grad_norm_last": profile})
            self.frames.append(traced)
            self.current = None
        return traced

    def table(self) -> pd.DataFrame:
        """Columns: cell, t (1-based), grad_norm_last; the cells traced so far."""
        if not self.frames:
            return pd.DataFrame(columns=["cell", "t", "grad_norm_last"])
        return pd.concat(self.frames, ignore_index=True)


def gradient_profiles(task: str, lag: int, cells=CELLS, seed: int = 0, steps: int = 0, **settings) -> pd.DataFrame:
    """‖∂L_T/∂h_t‖ against t for each cell (after `steps` training steps; 0 = at initialisation), in one go.

    Columns: cell, t (1-based), grad_norm_last.
    """
    job = GradientProfiles(task, lag, cells, seed, steps, **settings)
    job.advance()
    return job.table()
