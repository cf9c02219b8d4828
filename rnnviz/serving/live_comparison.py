"""Side-by-side training beside the page: one background worker per Comparison, and what it publishes.

Like rnnviz.serving.live for the learner's own model, but for the two or three models of a comparison
(rnnviz.compare): one worker thread trains them in turn, a slice of one model per training turn, always the
model furthest behind, so their step counts stay together and a comparison never holds more than one turn,
nor one for longer than a slice and a step. After each slice it publishes a `ComparisonPublished`, which is
all the page draws: drawing never waits for training. The worker pauses by itself when its page stops looking
(the learner left the page or closed the tab) or when `keep_going` says so. No Streamlit here.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from rnnviz.errors import InputError
from rnnviz.experiment import model_lock
from rnnviz.nn.train import HISTORY_COLUMNS
from rnnviz.serving.hosting import was_let_go
from rnnviz.serving.live import SLICE_SECONDS, TURN_WAIT_SECONDS
from rnnviz.serving.steered import Steered
from rnnviz.serving.turns import TURNS, TrainingTurns
from rnnviz.views.continuation import live_prediction
from rnnviz.views.gradients import latest_gradients

AWAY_SECONDS = 10.0  # the page looks several times a second while these train: unseen this long, it is gone
LOOK_EVERY = 1.0  # how often the worker asks whether it should keep going


@dataclass(frozen=True)
class ModelShown:
    """One model of the comparison as the worker last saw it."""

    label: str
    rows: tuple = ()  # its history rows (dicts: step, loss, grad_norm, ...)
    latest_gradients: dict | None = None
    clip: float | None = None
    diverged: str | None = None
    prediction: object = None  # the continuation of the prefix (rnnviz.nn.predict.Prediction), or None
    refusal: str | None = None  # why the prefix cannot be continued


@dataclass(frozen=True)
class ComparisonPublished:
    """What the side-by-side views draw. Never changed after it is made."""

    version: int
    state: str  # "paused", "training", "waiting" (for a turn) or "diverged" (every model)
    step: int  # the step every model still training has reached
    models: tuple[ModelShown, ...] = ()
    prefix: str | None = None  # the prefix the predictions continue
    target: int | None = None  # the step a press of Step trains to
    place: int = -1  # place in the line for a turn (0: training now)
    published_at: float = field(default_factory=time.monotonic)

    @property
    def labels(self) -> list[str]:
        return [model.label for model in self.models]

    @property
    def diverged(self) -> dict[str, str]:
        return {model.label: model.diverged for model in self.models if model.diverged}

    @property
    def predictions(self) -> list[tuple[str, object]]:
        """(label, its continuation of the prefix, or None where the prefix cannot be continued) per model."""
        return [(model.label, model.prediction) for model in self.models]

    def histories(self) -> pd.DataFrame:
        """Every model's history stacked, with a `model` column: one frame for shared axes."""
        frames = [pd.DataFrame(list(model.rows), columns=HISTORY_COLUMNS).assign(model=model.label)
                  for model in self.models]
        return pd.concat(frames, ignore_index=True)


class LiveComparison(Steered):
    """The background trainer of one Comparison. `start`, `step_to` and `pause` steer it, `seen` is the page
    saying it still looks, `published` is what the page draws."""

    def __init__(self, comparison, turns: TrainingTurns | None = None, prefix: str | None = None):
        # one place in line for all its models
        super().__init__(turns if turns is not None else TURNS, ("comparison", id(comparison)))
        self._comparison = weakref.ref(comparison)  # weakly: the worker goes with its Comparison (`worker_of`)
        self.keep_going: Callable[[], bool] | None = None  # asked now and then while training: False pauses
        self.prefix = prefix
        self._target: int | None = None
        self._goal: int | None = None  # this round's step: every model reaches it before any goes further
        self._seen = time.monotonic()
        self.published = ComparisonPublished(version=0, state="paused", step=comparison.step)
        self.refresh()

    @property
    def comparison(self):
        """The Comparison this worker trains; None once it is gone (the worker then never trains again)."""
        return self._comparison()

    # -- steering ----------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether Train side by side (or a press of Step) is on: training, waiting for a turn, or publishing
        where it stopped."""
        return self._wanted or self._thread is not None

    @property
    def target(self) -> int | None:
        return self._target

    def start(self, target: int | None = None) -> bool:
        """Train in the background until paused (or until every model reaches step `target`); False if
        there is nothing left to train."""
        comparison = self.comparison  # noqa: F841 - held while it starts
        with self._flags:
            if self._stopped or comparison is None:
                return False
            self._target, self._goal = target, None
            if self._next() is None:
                self._target = None
                return False
            self._wanted = True
            self._seen = time.monotonic()
            if self._thread is None:  # a thread still going (paused a moment ago) carries on by itself
                self._thread = threading.Thread(target=self._run, name="rnnviz-side-by-side", daemon=True)
                self._thread.start()
            self._flags.notify_all()
        self._publish("training", views=False)
        return True

    def step_to(self, steps: int) -> bool:
        """Train every model `steps` steps more, in the background (Pause stops it half-way)."""
        return self.start(target=self.comparison.step + max(1, int(steps)))

    def _forget_goal(self) -> None:
        self._target = None  # a Step's goal ends with the pause

    def stop(self) -> None:
        """Never train again (the comparison was replaced or its session let go). Does not wait."""
        with self._flags:
            self._stopped, self._wanted = True, False
            self._flags.notify_all()

    def seen(self, prefix: str | None = None) -> None:
        """The page drew these models just now (with `prefix` in its prefix box): keep training, and continue
        that prefix from now on."""
        self._seen = time.monotonic()
        if prefix is not None and prefix != self.prefix:
            self.prefix = prefix
            if not self._wanted:
                self.refresh()  # while training, the next slice's views pick it up

    def refresh(self) -> None:
        """Publish afresh now, views included (a new prefix, or the page's first look)."""
        self._publish("training" if self._wanted else "paused", views=True)

    # -- the worker ----------------------------------------------------------------------------------------
    def _next(self):
        """The model to train next and the step it trains to (None: nothing left to train): the one furthest
        behind, towards this round's goal, which every model reaches before the next round begins."""
        going = [e for e in self.comparison.experiments if not e.trainer.diverged]
        if not going:
            return None
        behind = min(going, key=lambda experiment: experiment.step)  # the first of any tied
        if self._target is not None and behind.step >= self._target:
            return None
        if self._goal is None or behind.step >= self._goal:
            self._goal = behind.step + self.comparison.steps_for(SLICE_SECONDS * len(going))
            if self._target is not None:
                self._goal = min(self._goal, self._target)
        return behind, self._goal

    def _run(self) -> None:
        looked = time.monotonic()
        while True:
            comparison = self.comparison  # held for this round: the Comparison stays while its slice trains
            with self._flags:
                chosen = self._next() if self._wanted and not self._stopped and comparison is not None else None
                if chosen is None:  # paused, stopped, a Step press's target reached, or every model diverged
                    self._wanted, self._target = False, None
            if chosen is None:
                self._leave_line()
                self._publish("paused", views=True)  # before `running` turns False: the page then draws this
                with self._flags:
                    if self._wanted and not self._stopped:
                        continue  # started again meanwhile: this thread carries on
                    self._thread = None  # under the flags' lock: a start() from now on makes a new thread
                    return
            if time.monotonic() - looked > LOOK_EVERY:
                looked = time.monotonic()
                if time.monotonic() - self._seen > AWAY_SECONDS or (self.keep_going and not self.keep_going()):
                    self.pause(wait=False)
                    continue
            if not self.turns.try_turn(self.owner, timeout=TURN_WAIT_SECONDS):
                self._publish("waiting", views=False)
                continue
            experiment, goal = chosen
            try:
                with model_lock(experiment):
                    if was_let_go(experiment):  # its session was let go while this waited
                        self.stop()
                    if self._stopped or not self._wanted:
                        continue
                    experiment.train(goal - experiment.step, max_seconds=SLICE_SECONDS)
            finally:
                self.turns.release(self.owner)
            self._publish("training", views=self._views_due(0.1))

    # -- publishing ------------------------------------------------------------------------------------------
    def _publish(self, state: str, views: bool) -> None:
        with self._publishing:
            going = self.comparison
            if self._stopped or going is None:
                return
            state = self._settled(state)
            if len(going.diverged) == len(going.entries):
                state = "diverged"
            previous = {model.label: model for model in self.published.models}
            if views:
                shown = self._timed_views()
            else:
                shown = {label: (model.prediction, model.refusal) for label, model in previous.items()}
            models = []
            for entry in going.entries:
                trainer = entry.experiment.trainer
                prediction, refusal = shown.get(entry.label, (None, None))
                models.append(ModelShown(entry.label, tuple(trainer.rows), latest_gradients(entry.experiment),
                                         trainer.clip, trainer.diverged, prediction, refusal))
            self._version += 1
            self.published = ComparisonPublished(
                version=self._version, state=state, step=going.step, models=tuple(models),
                prefix=self.prefix if views else self.published.prefix, target=self._target,
                place=self.turns.place(self.owner) if state in ("training", "waiting") else -1)

    def _views(self) -> dict:
        """Each model's continuation of the prefix, under its lock: label → (prediction, refusal)."""
        shown = {}
        for entry in self.comparison.entries:
            with model_lock(entry.experiment):
                if was_let_go(entry.experiment):
                    shown[entry.label] = (None, "This model was let go.")
                    continue
                try:
                    shown[entry.label] = (live_prediction(entry.experiment, prefix=self.prefix), None)
                except InputError as error:
                    shown[entry.label] = (None, str(error))
        return shown


_attach_lock = threading.Lock()
_workers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Comparison -> its worker


def live_comparison(comparison, turns: TrainingTurns | None = None, prefix: str | None = None) -> LiveComparison:
    """`comparison`'s worker, made on first use; it lives as long as the Comparison does."""
    with _attach_lock:
        worker = _workers.get(comparison)
        if worker is None:
            worker = _workers[comparison] = LiveComparison(comparison, turns, prefix)
        return worker


def worker_of(comparison) -> LiveComparison | None:
    """`comparison`'s worker, if it has one (none is made)."""
    return _workers.get(comparison) if comparison is not None else None
