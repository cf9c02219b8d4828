"""Training beside the page: one background worker per Experiment, and what it publishes for the views.

While the learner's model trains, a worker thread trains it in short slices (SLICE_SECONDS), each with one
of the process's training turns (rnnviz.serving.turns.TURNS, a fair line) and under the model's lock, and after
each slice publishes a `Published`: an immutable record of what the views draw (step, history, gradients,
the continuation of the prefix, the unrolled strip, status, steps per wall-clock second). Views only read
the latest one, so drawing never waits for training. Everything that changes the model (pause, a number
of steps, new settings) goes through the worker, which is the model's one owner while it trains.
No Streamlit here: the app's glue is ui/workers.py.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rnnviz.experiment import model_lock
from rnnviz.serving.published import Published
from rnnviz.serving.steered import Steered
from rnnviz.serving.turns import TURNS, TrainingTurns, crowd_factor
from rnnviz.views.prefix_views import prefix_views

SLICE_SECONDS = 0.05  # one slice of training: a pause, a step or a new prefix acts within it
TURN_WAIT_SECONDS = 0.05  # how long one ask for a turn waits before the worker looks at its flags again
RATE_WINDOW = 3.0  # steps per wall-clock second are counted over the last seconds
VIEW_SECONDS = 0.2  # the views are made no more often than the page draws them (rnnviz.serving.feed.CHART_INTERVAL)
STEP_PRESS_SECONDS = 20.0  # a press of Step never holds the session longer than this
GRADIENT_SECONDS = 0.25  # a fresh batch's step gradients this often (checked after each slice): 3-4 a second
# In a crowd (rnnviz.serving.turns.crowd_factor) a worker trains in slices up to this many times longer, so that
# fewer hand-overs of a turn (each a publish, a wake-up of every worker in line) leave more time for training.
CROWD_SLICES = 4
WAITING_SECONDS = 0.25  # "waiting for a turn", with the place in line, is published again no more often

WORKERS: weakref.WeakSet = weakref.WeakSet()  # every worker in the process, so a test or a shutdown can stop all


def pace(crowd: int) -> tuple[float, float, float]:
    """A worker's rhythm on a server `crowd` times crowded (rnnviz.serving.turns.crowd_factor): how long one slice
    trains, and how often the views and the fresh gradient trace are made. The crowded pages draw the views
    `crowd` times less often, so making them more often is waste; longer slices mean fewer hand-overs."""
    return SLICE_SECONDS * min(crowd, CROWD_SLICES), VIEW_SECONDS * crowd, GRADIENT_SECONDS * crowd


class LiveTraining(Steered):
    """The background trainer of one Experiment. `start`/`pause` steer it; `steps` trains a number of steps
    now; `update` applies new settings; `published` is what the views read."""

    def __init__(self, experiment, turns: TrainingTurns | None = None,
                 keep_going: Callable[[], bool] | None = None):
        super().__init__(turns if turns is not None else TURNS, ("experiment", id(experiment)))
        self._experiment = weakref.ref(experiment)  # weakly: the worker goes with its Experiment (see `worker_of`)
        self.keep_going = keep_going  # asked now and then while training: False pauses (its tab is gone)
        self._holding = False  # start() took the first turn for the thread
        self._rate: deque = deque()  # (time, step) while training
        self._asking = 0  # threads that want the model now (a new prefix, new settings): the worker steps aside
        self._fresh_gradients: dict | None = None  # traced by the worker between the trainer's own logs
        self._gradients_at = 0.0
        self._waiting_at = 0.0  # when "waiting" was last published
        self.published: Published = Published(version=0, state="paused", step=experiment.step)
        WORKERS.add(self)
        self.refresh()

    @property
    def experiment(self):
        """The Experiment this worker trains; None once it is gone (the worker then never trains again)."""
        return self._experiment()

    # -- steering ----------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the learner's Train is on (training, or waiting for a turn)."""
        return self._wanted

    def start(self) -> bool:
        """Train in the background until paused; False if it cannot (diverged, let go, or its Experiment gone).

        The first turn is asked for here, so the page drawn next already shows whether it trains or waits.
        """
        experiment = self.experiment
        with self._flags:
            if self._stopped or experiment is None or experiment.trainer.diverged or self._wanted:
                return self._wanted
            self._wanted = True
            self._rate.clear()
            if self._thread is None:  # a thread still going (paused a moment ago) carries on by itself
                try:
                    self._holding = self.turns.try_turn(self.owner)
                except RuntimeError:  # a press of Step in another run holds this session's turn
                    self._holding = False
                self._thread = threading.Thread(target=self._run, name="rnnviz-live-training", daemon=True)
                self._thread.start()
            self._flags.notify_all()
        self._publish("waiting" if self.turns.place(self.owner) > 0 else "training", views=False)
        return True

    def stop(self) -> None:
        """Never train again (the session was let go). Does not wait: the caller may hold the model's lock."""
        with self._flags:
            self._stopped, self._wanted = True, False
            self._flags.notify_all()
        self._publish("paused", views=False)

    def steps(self, count: int, max_seconds: float = STEP_PRESS_SECONDS) -> int:
        """Train `count` steps now, in this thread (the Step button), slice by slice with turns; returns the
        steps done. Training in the background holds still meanwhile and goes on afterwards."""
        was_training = self._wanted
        self.pause(wait=True)
        done, deadline = 0, time.perf_counter() + max_seconds
        while done < count and not self._stopped and (left := deadline - time.perf_counter()) > 0:
            with self.turns.turn(self.owner, timeout=left) as granted:
                if not granted:
                    continue
                with model_lock(self.experiment):
                    rows = self.experiment.train(count - done, max_seconds=min(SLICE_SECONDS * 4, left))
            if not rows:
                break
            done += len(rows)
        self._leave_line()
        self.refresh()
        if was_training:
            self.start()
        return done

    @contextmanager
    def holding(self) -> Iterator[None]:
        """The model's lock, ahead of the worker: a slice under way stops after the step it is in, and the
        worker waits until this is done, so a new prefix or setting acts within one training step."""
        with self._flags:
            self._asking += 1
        try:
            with model_lock(self.experiment):
                yield
        finally:
            with self._flags:
                self._asking -= 1
                self._flags.notify_all()

    def update(self, config) -> None:
        """Apply settings that keep the model (learning rate, clipping, prefix, ...) between two steps, and
        publish the views they change at once. The same settings again change nothing: what is published
        shows them already (a prefix the page's feed applied before the page's own run applies it too)."""
        if config == self.experiment.config:
            return
        self.refresh(change=lambda: self.experiment.update(config))

    def refresh(self, change: Callable[[], None] | None = None) -> None:
        """Publish afresh now, views included (after a change made while paused, or a new prefix), after
        making `change` to the experiment with the worker stepped aside."""
        with self._publishing, self.holding():  # in this order everywhere: what is published, then the model
            if change is not None:
                change()
            state = self.published.state if self._wanted else "paused"
            if self.experiment.trainer.diverged:
                state = "diverged"
            self._publish_locked(state, views=True)

    # -- the worker ----------------------------------------------------------------------------------------
    def _run(self) -> None:
        checked = time.monotonic()
        while True:
            experiment = self.experiment  # held for this round: the Experiment stays while its slice trains
            with self._flags:
                if not self._wanted or self._stopped or experiment is None:
                    if self._holding:
                        self.turns.release(self.owner)
                        self._holding = False
                    self._leave_line()  # an ask for a turn under way when the pause came put it back in line
                    self._thread = None  # under the flags' lock: a start() from now on makes a new thread
                    return
            if self.keep_going is not None and time.monotonic() - checked > 1.0:
                checked = time.monotonic()
                if not self.keep_going():
                    self.pause(wait=False)
                    continue
            granted = self._holding or self.turns.try_turn(self.owner, timeout=TURN_WAIT_SECONDS)
            self._holding = False
            if not granted:
                if self.published.state != "waiting" or time.monotonic() - self._waiting_at >= WAITING_SECONDS:
                    self._waiting_at = time.monotonic()
                    self._publish("waiting", views=False)
                continue
            slice_seconds, views_every, gradients_every = pace(crowd_factor(line=self.turns))
            try:
                with self._flags:  # a page that asked for the model goes first (see `holding`), for a Step at most
                    self._flags.wait_for(lambda: not self._asking or self._stopped or not self._wanted,
                                         timeout=STEP_PRESS_SECONDS)
                with model_lock(self.experiment):
                    if self._stopped or not self._wanted:
                        continue
                    self._slice(slice_seconds, gradients_every)
            finally:
                self.turns.release(self.owner)
            if self.experiment.trainer.diverged:
                with self._flags:
                    self._wanted = False
                self._publish("diverged", views=True)
                continue
            self._publish("training", views=self._views_due(views_every))

    def _slice(self, seconds: float = SLICE_SECONDS, gradients_every: float = GRADIENT_SECONDS) -> None:
        """Train for `seconds`, step by step so that a pause acts, and a page asking for the model waits, one step
        at most; then, if the step-gradient view is older than `gradients_every`, trace the latest batch."""
        trainer = self.experiment.trainer
        deadline = time.perf_counter() + seconds
        while not self._asking and self._wanted and time.perf_counter() < deadline:
            if not self.experiment.train(1):
                return  # diverged
        now = time.monotonic()
        logged = trainer.gradient_log[-1]["step"] if trainer.gradient_log else None
        if logged == trainer.step:
            self._gradients_at = now
        elif now - self._gradients_at >= gradients_every and not self._asking:
            self._fresh_gradients = trainer.step_gradients()
            self._gradients_at = now

    def _latest_gradients(self) -> dict | None:
        """The newest of the trainer's logged gradients and the worker's own fresher trace."""
        log, fresh = self.experiment.trainer.gradient_log, self._fresh_gradients
        logged = log[-1] if log else None
        if fresh is None or (logged is not None and logged["step"] >= fresh["step"]):
            return logged
        return fresh

    # -- publishing ------------------------------------------------------------------------------------------
    def _rate_now(self, step: int) -> float | None:
        now = time.monotonic()
        self._rate.append((now, step))
        while len(self._rate) > 2 and now - self._rate[0][0] > RATE_WINDOW:
            self._rate.popleft()
        first_time, first_step = self._rate[0]
        return (step - first_step) / (now - first_time) if now - first_time > 0.2 else None

    def _publish(self, state: str, views: bool) -> None:
        with self._publishing:
            self._publish_locked(state, views)

    def _publish_locked(self, state: str, views: bool) -> None:
        if self._stopped:  # let go: keep nothing of the model alive through what was published
            self.published = Published(version=self._version + 1, state="paused", step=0)
            return
        self._publish_now(state, views)

    def _publish_now(self, state: str, views: bool) -> None:
        trainer = self.experiment.trainer
        state = self._settled(state)
        previous = self.published
        if views:
            extra = self._timed_views()
        else:
            extra = {name: getattr(previous, name) for name in ("prefix", "prediction", "refusal", "strip",
                                                                "milestones", "views_step")}
        training = state in ("training", "waiting")
        rate = self._rate_now(trainer.step) if training else previous.steps_per_second
        self._version += 1
        self.published = Published(
            version=self._version, state=state, step=trainer.step, rows=tuple(trainer.rows),
            latest_gradients=self._latest_gradients(),
            gradient_log=tuple(trainer.gradient_log), steps_per_second=rate,
            place=self.turns.place(self.owner) if training else -1, turns_active=self.turns.active,
            turns_max=self.turns.max_concurrent, diverged=trainer.diverged, warning=trainer.warning,
            clip=trainer.clip, **extra)

    def _views(self) -> dict:
        return prefix_views(self.experiment)


_attach_lock = threading.Lock()


_workers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Experiment -> its worker


def live_training(experiment, turns: TrainingTurns | None = None,
                  keep_going: Callable[[], bool] | None = None) -> LiveTraining:
    """`experiment`'s worker, made on first use; it lives as long as the Experiment does."""
    with _attach_lock:
        worker = _workers.get(experiment)
        if worker is None:
            worker = _workers[experiment] = LiveTraining(experiment, turns, keep_going)
        return worker


def worker_of(experiment) -> LiveTraining | None:
    """`experiment`'s worker, if it has one (none is made)."""
    return _workers.get(experiment) if experiment is not None else None


def stop_all() -> None:
    """Stop every worker in the process (tests; a server shutting down)."""
    for worker in list(WORKERS):
        worker.stop()
