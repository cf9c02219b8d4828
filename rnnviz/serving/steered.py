"""What both background trainers (rnnviz.serving.live for a session's model, live_comparison for Side by side's)
share: Train and Pause as flags, a place in the line for a training turn, and views made within their share of
the worker's time. No Streamlit here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

VIEW_SHARE = 0.08  # the views (continuation, strip, milestones) may take this share of the worker's time


class Steered:
    """The base of both workers (live.LiveTraining, live_comparison.LiveComparison): Train and Pause as flags
    under one condition, a thread that trains while they say so, a place in line, and the views' timing.

    A worker says what it publishes (`_publish`, `refresh`) and what its views are (`_views`); the rest is here."""

    def __init__(self, turns, owner: Hashable):
        self.turns = turns  # rnnviz.serving.turns.TrainingTurns: the line for a turn at training
        self.owner = owner  # who asks for a turn (one place in line per worker)
        self._flags = threading.Condition()  # guards the flags below; notified when they change
        self._wanted = False  # the learner pressed Train
        self._stopped = False  # let go: never trains again
        self._thread: threading.Thread | None = None  # the training thread while there is one
        self._publishing = threading.Lock()  # the worker and a page's callback may publish at once
        self._version = 0  # of what was last published
        self._views_at = 0.0  # when the views were last made
        self._view_cost = 0.0  # and how long that took

    def _publish(self, state: str, views: bool) -> None:
        """Publish what the page draws now, as `state` ("training", "waiting", "paused", "diverged"), with the
        views made afresh if `views`."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Publish afresh now, views included."""
        raise NotImplementedError

    def _views(self) -> dict:
        """The views, made now (under the models' locks)."""
        raise NotImplementedError

    def pause(self, wait: bool = True) -> None:
        """Stop training after the slice under way (within live.SLICE_SECONDS), and (with `wait`) wait for it, so
        the step count holds still and the place in line is given up when this returns; the views then follow
        the model it stopped at (made while training, they may be a few steps older)."""
        with self._flags:
            self._wanted = False
            self._forget_goal()
            self._flags.notify_all()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5.0)
        self._leave_line()
        self._publish("paused", views=False)  # the status first: "Paused" shows at once
        if wait and (thread is None or not thread.is_alive()):
            self.refresh()

    def _forget_goal(self) -> None:
        """What else a pause cancels (called under the flags' lock)."""

    def _leave_line(self) -> None:
        """Give up a waiting place in line (a turn in use ends with its slice)."""
        if self.turns.place(self.owner) > 0:
            self.turns.release(self.owner)

    def _views_due(self, every: float) -> bool:
        """Whether to make the views again: at most every `every` seconds, and within VIEW_SHARE of the time."""
        return time.monotonic() - self._views_at >= max(every, self._view_cost / VIEW_SHARE)

    def _timed_views(self) -> dict:
        """The views, made now, with what they cost (for `_views_due`)."""
        started = time.monotonic()
        views = self._views()
        self._views_at = time.monotonic()
        self._view_cost = self._views_at - started
        return views

    def _settled(self, state: str) -> str:
        """`state`, or "paused" for a slice that ended after a pause."""
        return "paused" if state in ("training", "waiting") and not self._wanted else state
