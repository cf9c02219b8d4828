"""Side by side: two or three models trained in lockstep on the same data from the same seed.

A Comparison holds one Experiment per variant of a base Config (RNN vs LSTM vs GRU,
clipping on vs off, ...). The variants share the dataset object and the seed, so their
trainers draw the same batches in the same order and every difference in their curves
comes from the one setting that differs. `train` gives each model a share of a time
budget through the ordinary `Experiment.train` path and keeps their step counts
together, so the views can put every model on the same axes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from rnnviz.choices import cell_label
from rnnviz.config import Config, in_groups
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment, dataset_for
from rnnviz.serving.budget import over_budget

MAX_MODELS = 3
# Settings that define the data: every model in a comparison must see the same data.
DATA_SETTINGS = in_groups("data")
# Settings a comparison's models are built and trained with: when the sidebar's differ, it is out of date.
BUILT_FROM = in_groups("data", "model", "training")


def _cells(base: Config) -> list[tuple[str, dict]]:
    forget = {"forget_bias": base.forget_bias or 1.0}  # an LSTM compared with others starts its forget gate open
    return [(cell_label("rnn"), {"cell": "rnn", "nonlinearity": "tanh"}),
            (cell_label("lstm"), {"cell": "lstm", "nonlinearity": "tanh", **forget}),
            (cell_label("gru"), {"cell": "gru", "nonlinearity": "tanh"})]


def _clipping(base: Config) -> list[tuple[str, dict]]:
    theta = base.clip or 1.0
    return [("clipping off", {"clip": 0.0}), (f"clipping at θ = {theta:g}", {"clip": theta})]


def _nonlinearity(base: Config) -> list[tuple[str, dict]]:
    return [(cell_label("rnn", "tanh"), {"cell": "rnn", "nonlinearity": "tanh"}),
            (cell_label("rnn", "relu"), {"cell": "rnn", "nonlinearity": "relu"})]


def _optimizer(base: Config) -> list[tuple[str, dict]]:
    return [(f"SGD, lr {base.lr:g}", {"optimizer": "sgd"}), (f"Adam, lr {base.lr:g}", {"optimizer": "adam"})]


# What a teacher compares, each made from the settings in the sidebar (the base).
KINDS: dict[str, tuple[str, Callable[[Config], list[tuple[str, dict]]]]] = {
    "cells": ("RNN vs LSTM vs GRU", _cells),
    "clipping": ("clipping off vs on", _clipping),
    "nonlinearity": ("tanh vs relu", _nonlinearity),
    "optimizer": ("SGD vs Adam", _optimizer),
}


def variants(kind: str, base: Config) -> list[tuple[str, Config]]:
    """The (label, config) pairs a comparison of `kind` trains, each the base with one thing changed."""
    if kind not in KINDS:
        raise InputError(f"Unknown comparison {kind!r}: choose one of {', '.join(KINDS)}.")
    return [(label, base.replace(**changes)) for label, changes in KINDS[kind][1](base)]


@dataclass
class Entry:
    label: str
    experiment: Experiment


class Comparison:
    """Experiments that differ in one setting, built on one shared dataset and trained together."""

    def __init__(self, configs: list[tuple[str, Config]], kind: str | None = None, base: Config | None = None):
        if not 2 <= len(configs) <= MAX_MODELS:
            raise InputError(f"Side by side trains 2 to {MAX_MODELS} models; got {len(configs)}.")
        first = configs[0][1]
        for label, config in configs[1:]:
            differ = [name for name in DATA_SETTINGS if getattr(config, name) != getattr(first, name)]
            if differ:
                raise InputError(f"Side by side needs the same data and seed for every model; {label!r} changes "
                                 f"{', '.join(differ)}.")
        for label, config in configs:  # one step of each model, in turn: each must fit the server's budget
            refusal = over_budget(config)
            if refusal is not None:
                raise InputError(f"Side by side, {label}: {refusal}")
        labels = [label for label, _ in configs]
        if len(set(labels)) != len(labels):
            raise InputError("Each model side by side needs its own label.")
        self.kind, self.base = kind, base or first
        dataset = dataset_for(first)  # one dataset object: the same items, the same stream
        self.entries = [Entry(label, Experiment(config, dataset=dataset)) for label, config in configs]

    @classmethod
    def of_kind(cls, kind: str, base: Config) -> Comparison:
        return cls(variants(kind, base), kind=kind, base=base)

    @property
    def labels(self) -> list[str]:
        return [entry.label for entry in self.entries]

    @property
    def experiments(self) -> list[Experiment]:
        return [entry.experiment for entry in self.entries]

    @property
    def dataset(self):
        return self.entries[0].experiment.dataset

    @property
    def step(self) -> int:
        """The step every model still training has reached (they move together)."""
        going = [e.step for e in self.experiments if not e.trainer.diverged]
        return min(going) if going else max(e.step for e in self.experiments)

    @property
    def diverged(self) -> dict[str, str]:
        return {entry.label: entry.experiment.trainer.diverged for entry in self.entries
                if entry.experiment.trainer.diverged}

    def train(self, steps: int, max_seconds: float | None = None, train=None) -> int:
        """Bring every model to `step + steps`, each within its share of `max_seconds`; returns the new step.

        The models take turns; one that could not finish in its share catches up on the next call
        (the target is counted from the slowest), so their step counts stay together. A model that
        diverged stops; the others go on. `train(experiment, steps, max_seconds)` is the training call
        to use; by default `Experiment.train`. (The app trains them beside the page instead, a model's slice
        per training turn: rnnviz.serving.live_comparison.)
        """
        train = train or (lambda experiment, n, seconds: experiment.train(n, max_seconds=seconds))
        target = self.step + int(steps)
        going = [e for e in self.experiments if not e.trainer.diverged]
        share = None if max_seconds is None else max_seconds / max(len(going), 1)
        for experiment in going:
            if experiment.step < target:
                train(experiment, target - experiment.step, share)
        return self.step

    def steps_for(self, max_seconds: float) -> int:
        """How many steps each model can take together in about `max_seconds`, from their speed so far."""
        per_step = 0.0
        for experiment in self.experiments:
            trainer = experiment.trainer
            if trainer.diverged:
                continue
            per_step += trainer.seconds / trainer.step if trainer.step else 0.02
        return max(1, int(max_seconds / max(per_step, 1e-4)))

    def histories(self) -> pd.DataFrame:
        """Every model's history stacked, with a `model` column: one frame for shared axes."""
        frames = [entry.experiment.trainer.history.assign(model=entry.label) for entry in self.entries]
        return pd.concat(frames, ignore_index=True)

    def needs_rebuild(self, config: Config) -> bool:
        """Whether the sidebar's settings moved away from those this comparison was built from."""
        return any(getattr(config, name) != getattr(self.base, name) for name in BUILT_FROM)
