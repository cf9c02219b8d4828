"""The writer that keeps models in the store while they train, off the training thread; and getting them back.

One daemon thread wakes about once a second. For each watched model whose step moved it either writes a record
(when the last write is `every_seconds` old, or a save was asked for: pause, Reset, lesson change, tab close) or
marks the new step "seen", a few bytes, so a restore can say how much training the record misses. The model's
lock is held only for the copy (rnnviz.files.record). A store that is down or full never reaches the caller:
the failure becomes `problem`, a sentence for the learner, and the next round tries again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field

from rnnviz.errors import InputError
from rnnviz.files.record import Record, experiment_from_record, read_record, record_and_step, record_bytes
from rnnviz.serving.store import ModelStore, StoreDown, valid_model_id

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
FORGOTTEN_RETRY_SECONDS = 300.0  # a closed tab's last save is retried this long while the store is down
UNREACHABLE = ("Your model can't be kept right now (the model store is not reachable, or full); it is still here "
               "and training; rnnviz will try again.")
TOO_BIG = ("This model is too big to keep in the model store; it is still here and training, but a restart of the "
           "server would lose it. Export it to keep a copy.")
WROTE, NOTHING, FAILED_WRITE = "wrote", "nothing", "failed"  # what one model's turn in a round did
FAILED = "Your model can't be kept right now ({why}); it is still here and training; rnnviz will try again."


@dataclass
class _Watched:
    experiment: object
    written_step: int | None = None  # the step of the record last written under this key (None: not yet)
    written_at: float = -math.inf  # time.monotonic() of that write
    seen_step: int | None = None
    asked: int = 0  # saves asked for (save_now), counted
    answered: int = 0  # how many of those the last successful write covered
    forgotten_at: float | None = None  # forget() came while a save was pending: drop it once written
    own_problem: str | None = None  # what stops this model alone from being kept (too big, a failed copy)

    @property
    def urgent(self) -> bool:
        """A save was asked for and no write since covers it."""
        return self.asked > self.answered


class Checkpoints:
    """Keeps each watched model in `store` at most `every_seconds` of training behind, and at once when asked."""

    def __init__(self, store: ModelStore, every_seconds: float = 10.0, tick_seconds: float = TICK_SECONDS):
        self.store = store
        self.every_seconds, self.tick_seconds = float(every_seconds), float(tick_seconds)
        self._watched: dict[str, _Watched] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified after every round, for flush()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._problem: str | None = None
        self.writes = 0  # records written since start, for notes and tests
        self._thread = threading.Thread(target=self._loop, name="rnnviz-checkpoints", daemon=True)
        self._thread.start()

    # -- what the app calls (each returns at once) -----------------------------------------------------------
    def watch(self, key: str, experiment, saved_step: int | None = None) -> None:
        """Keep `experiment` under `key` from now on. `saved_step`: the step the store already holds for it (a model
        just restored from the store); otherwise it is written on the next round."""
        with self._lock:
            current = self._watched.get(key)
            if current is not None and current.experiment is experiment and current.forgotten_at is None:
                return
            watched = _Watched(experiment, written_step=saved_step, seen_step=saved_step)
            if saved_step is not None:
                watched.written_at = time.monotonic()
            else:
                watched.asked = 1  # a new model under an old key: the old record must not come back
            self._watched[key] = watched
        self._wake.set()

    def forget(self, key: str) -> None:
        """Stop keeping `key`'s model; a save asked for before still happens."""
        with self._lock:
            watched = self._watched.get(key)
            if watched is None:
                return
            if watched.urgent:
                watched.forgotten_at = time.monotonic()
            else:
                del self._watched[key]

    def save_now(self, key: str) -> None:
        """Write `key`'s model soon (pause, Reset, lesson change, tab close), on the writer's thread."""
        with self._lock:
            watched = self._watched.get(key)
            if watched is not None:
                watched.asked += 1
        self._wake.set()

    @property
    def problem(self) -> str | None:
        """Why models can't be kept right now, in a sentence for the learner; None when the last write worked."""
        return self._problem

    def problem_for(self, key: str) -> str | None:
        """The problem keeping `key`'s model: its own (too big to keep, say) or the store's."""
        watched = self._watched.get(key)
        return (watched.own_problem if watched is not None else None) or self._problem

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every save asked for is written (True), or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        self._wake.set()
        with self._changed:
            while any(w.urgent for w in self._watched.values()):
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._changed.wait(min(left, self.tick_seconds))
        return True

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)

    # -- the writer thread -----------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.tick_seconds)
            self._wake.clear()
            try:
                self._round()
            except Exception:  # noqa: BLE001 - the writer must outlive any surprise; training never depends on it
                log.exception("checkpoint round failed")
                self._problem = FAILED.format(why="an unexpected error")
            with self._changed:
                self._changed.notify_all()

    def _round(self) -> None:
        """One pass over the watched models. The problem is set or cleared once, at the end, so it does not flicker
        while one model's mark lands and another's record does not (a full store)."""
        with self._lock:
            items = list(self._watched.items())
        wrote = False
        for key, watched in items:
            if self._stopping.is_set():
                return
            outcome = self._keep(key, watched)
            if outcome is FAILED_WRITE:
                self._problem = UNREACHABLE
                return  # the others would fail too; the next round tries again
            wrote = wrote or outcome is WROTE
        if wrote:
            self._problem = None

    def _keep(self, key: str, watched: _Watched) -> str:
        """Write what `key`'s model needs (a record, a seen mark, or nothing); say which happened."""
        now = time.monotonic()
        step = watched.experiment.step
        # A model that did not move since the last round stopped (paused, a Step done, its tab gone): keep it now.
        settled = step == watched.seen_step
        interval_passed = now - watched.written_at >= self.every_seconds
        due = watched.urgent or (step != watched.written_step and (settled or interval_passed))
        asked = watched.asked  # read before the copy: a save asked for during the write comes next round
        try:
            if due:
                data, step = record_and_step(watched.experiment)
                self.store.put(key, data, self.store.keep_seconds, step)
                watched.written_step, watched.written_at, watched.seen_step = step, now, step
                watched.own_problem, watched.answered = None, max(watched.answered, asked)
                self.writes += 1
            elif step != watched.seen_step:
                self.store.seen(key, step, time.time())
                watched.seen_step = step
            else:
                return NOTHING
        except StoreDown as error:
            if self._problem is None:  # once an outage, not every round of it
                log.warning("model store: %s", error)
            self._drop_if_given_up(key, watched)
            return FAILED_WRITE
        except Exception as error:  # noqa: BLE001 - this model alone: the others are still kept
            if isinstance(error, ValueError):  # larger than the store takes
                watched.own_problem = TOO_BIG
            else:
                log.exception("keeping a model failed")
                watched.own_problem = FAILED.format(why="it could not be copied")
            watched.written_at, watched.answered = now, asked  # tried again after a full interval, not every round
            self._drop_if_done(key, watched)
            return NOTHING
        self._drop_if_done(key, watched)
        return WROTE

    def _drop_if_done(self, key: str, watched: _Watched) -> None:
        with self._lock:
            if watched.forgotten_at is not None and not watched.urgent and self._watched.get(key) is watched:
                del self._watched[key]

    def _drop_if_given_up(self, key: str, watched: _Watched) -> None:
        with self._lock:
            if (watched.forgotten_at is not None and time.monotonic() - watched.forgotten_at > FORGOTTEN_RETRY_SECONDS
                    and self._watched.get(key) is watched):
                del self._watched[key]


# -- getting models back -------------------------------------------------------------------------------------
@dataclass
class Restored:
    """What came back: the record's step and save time, and the last progress seen before the model was lost."""

    step: int
    saved_at: float  # wall-clock time
    seen_step: int | None = None
    seen_at: float | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def steps_lost(self) -> int:
        return max((self.seen_step or 0) - self.step, 0)

    @property
    def seconds_lost(self) -> float:
        if not self.steps_lost or self.seen_at is None:
            return 0.0
        return max(self.seen_at - self.saved_at, 0.0)

    def message(self) -> str:
        """The notice for the learner: from which step the model is back, and how much training was lost."""
        text = f"Your model is back from the model store at step {self.step:,}."
        if self.steps_lost:
            text += (f" About {self.seconds_lost:.0f} s of training ({self.steps_lost:,} "
                     f"step{'s' if self.steps_lost != 1 else ''}) were lost.")
        return text


def restore(store: ModelStore, key: str) -> tuple[object, Restored] | None:
    """`key`'s model from the store, ready to train on; None when the store has none. Raises StoreDown when the
    store cannot be reached, InputError when the record is damaged."""
    data = store.get(key)
    if data is None:
        return None
    record = read_record(data)
    experiment = experiment_from_record(record)
    try:
        seen = store.last_seen(key)
    except StoreDown:
        seen = None
    info = Restored(record.step, record.saved_at, *(seen or (None, None)), notices=list(record.notices))
    return experiment, info


def share_model(store: ModelStore, experiment, owner: str) -> str:
    """Keep a copy of `experiment` for a link and return its id. InputError when it is too big; StoreDown when the
    store cannot take it."""
    try:
        return store.share(record_bytes(experiment), owner)
    except ValueError as error:
        raise InputError(f"This model can't be shared: {error}") from None


def open_shared(store: ModelStore, model_id) -> tuple[object, Record]:
    """A copy of a shared model, ready to train on, and its record (step, saved_at, history). InputError with a
    sentence for a malformed, unknown or expired id or a damaged record; StoreDown when the store is down."""
    if not valid_model_id(model_id):
        raise InputError("This link's model id is not one rnnviz makes (32 letters, digits, - or _); check that the "
                         "whole link was copied.")
    data = store.shared(model_id)
    if data is None:
        raise InputError("The model this link shares is no longer kept: shared models last "
                         f"{store.share_seconds / 86400:.0f} days, and the oldest go when too many are shared.")
    record = read_record(data)
    return experiment_from_record(record), record
