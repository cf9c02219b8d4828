"""A cap on the memory all sessions' models keep together: a full server refuses new models, never old ones.

The per-step budget (rnnviz.serving.budget) bounds one session; thirty sessions each at that budget could still
need more memory than a small server has. A host sets RNNVIZ_MODEL_MEMORY (megabytes; unset: no cap) and
`check_room` refuses a model that would take the models in memory over it, with a message saying the server is
full. Sessions already open carry on, and a session may always swap its model for one no bigger.

What a model keeps is its budget estimate (weights, gradients, Adam's moments, the weight snapshots it will
take), so a freshly built model counts for what it will hold once trained.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rnnviz.errors import InputError
from rnnviz.serving.budget import estimate
from rnnviz.serving.hosting import held_experiments, was_let_go

MEMORY_SETTING = "RNNVIZ_MODEL_MEMORY"


def memory_cap() -> float | None:
    """RNNVIZ_MODEL_MEMORY in megabytes, or None where it is unset or not a positive number (no cap)."""
    try:
        cap = float(os.environ.get(MEMORY_SETTING, ""))
    except ValueError:
        return None
    return cap if cap > 0 else None


def kept_megabytes(experiment) -> float:
    """What `experiment` keeps between steps once trained, by the budget's estimate."""
    return estimate(experiment.config).kept_megabytes


def in_use(leaving: Iterable = (), alive: Iterable | None = None) -> float:
    """Megabytes the models in memory keep (let-go models hold nothing), but for those in `leaving`."""
    leaving = {id(experiment) for experiment in leaving if experiment is not None}
    return sum(kept_megabytes(experiment) for experiment in (held_experiments() if alive is None else list(alive))
               if id(experiment) not in leaving and not was_let_go(experiment))


def check_room(new: list, replacing: Iterable = (), cap: float | None = None, alive: Iterable | None = None) -> None:
    """Refuse (InputError) the models `new` where, beside every other model in memory but those they replace,
    they would go over the server's cap."""
    cap = memory_cap() if cap is None else cap
    if cap is None:
        return
    wanted = sum(kept_megabytes(experiment) for experiment in new)
    if wanted <= sum(kept_megabytes(old) for old in replacing if old is not None):
        return  # swapping for no bigger: always allowed
    used = in_use([*new, *replacing], alive)
    if used + wanted > cap:
        raise InputError(
            f"The server is full: its models keep about {used:,.0f} MB of the {cap:,.0f} MB it allows them "
            f"({MEMORY_SETTING}), and this would need {wanted:,.0f} MB more. Sessions already open carry on: try "
            "again when some close, or choose a smaller model (hidden size, layers, embedding size).")
