"""What a training worker publishes for the views, and the lock that makes one thread at a time the model's owner.

A `Published` is made after each slice and never changed, so a view reads it without waiting for training.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field

from rnnviz.errors import InputError
from rnnviz.views.continuation import live_prediction
from rnnviz.views.strip import Strip, strip_of

_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def model_lock(experiment) -> threading.RLock:
    """The lock to hold while training, tracing or changing `experiment`'s model: one owner at a time.

    The worker holds it for one slice; a page that traces the live model (or a script run that Streamlit
    started while the last one still finishes) takes it too, so no two threads touch the weights at once.
    """
    with _locks_guard:
        return _locks.setdefault(experiment, threading.RLock())


@dataclass(frozen=True)
class Published:
    """What the views draw, as the worker last saw it. Never changed after it is made."""

    version: int
    state: str  # "paused", "training", "waiting" (for a turn) or "diverged"
    step: int
    rows: tuple = ()  # the history rows so far (dicts: step, loss, grad_norm, ...)
    latest_gradients: dict | None = None
    gradient_log: tuple = ()
    prefix: str = ""
    prediction: object = None  # rnnviz.nn.predict.Prediction of the prefix, or None with `refusal`
    views_step: int = 0  # the training step the prediction, strip and milestones were made at
    refusal: str | None = None  # why the prefix cannot be continued
    strip: Strip | None = None  # the recurrence on the prefix, for the live unrolled strip
    milestones: tuple = ()  # (step, continuation) at each weight snapshot
    steps_per_second: float | None = None  # over wall-clock time, waits and drawing included
    place: int = -1  # place in the line for a turn (0: training now)
    turns_active: int = 0
    turns_max: int = 1
    diverged: str | None = None
    warning: str | None = None  # the gradient norm is growing fast (Trainer.warning)
    clip: float | None = None
    published_at: float = field(default_factory=time.monotonic)

    @property
    def loss(self) -> float | None:
        return self.rows[-1]["loss"] if self.rows else None


def views_of(experiment) -> dict:
    """The continuation of the prefix, the strip and the milestones, computed under the model's lock."""
    prefix = experiment.config.prefix
    with model_lock(experiment):
        at_step = experiment.step
        try:
            prediction = live_prediction(experiment)
            milestones = tuple(experiment.milestones())
        except InputError as error:
            return {"prefix": prefix, "prediction": None, "refusal": str(error), "strip": None,
                    "milestones": (), "views_step": at_step}
        strip = strip_of(experiment, prediction)
    return {"prefix": prefix, "prediction": prediction, "refusal": None, "strip": strip,
            "milestones": milestones, "views_step": at_step}
