"""What a training worker publishes for the views: a `Published` is made after each slice and never changed, so a
view reads it without waiting for training.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rnnviz.views.strip import Strip


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
