"""The Memory page: how well the model answers a memory task, against chance, and the lags a sweep tries."""

from __future__ import annotations

from rnnviz.datasets.memory_tasks import ADDING_TOLERANCE, MEMORY_TASKS
from rnnviz.errors import InputError
from rnnviz.insight.memory_sweep import HEADLINE, score

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
