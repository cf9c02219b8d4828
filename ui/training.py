"""Training in bounded ticks, the one way the app trains: under the model's lock and with a training turn.

A tick trains as many steps as fit in TICK_SECONDS, so a page keeps drawing while its model learns. On a
shared server a tick trains only with one of the process's few turns (`TURNS`, rnnviz.limits); a session
that finds them all taken waits in line instead of slowing everyone. Nothing here reads st.session_state.
"""

from __future__ import annotations

import threading
import time
import weakref

from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.experiment import Experiment
from rnnviz.limits import TURNS
from rnnviz.views import status_text

# One tick's training budget: with drawing, a tick fits in the interval. Measured in Chromium (bench_app):
# 0.12 s every 0.2 s gave 3.6 status redraws a second, 0.15 s every 0.25 s 2.8-3.2, 0.1 s every 0.15 s 2.2-3.4.
TICK_SECONDS = 0.12
TICK_STEPS = 100_000  # a tick is bounded by its time, not by this count
TICK_INTERVAL = 0.2
SLOW_INTERVAL = 1.0  # how often the slower views redraw while training
STEP_SECONDS = 20.0  # the Step button never holds the session longer than this

_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def model_lock(experiment: Experiment) -> threading.RLock:
    """The lock to hold while training or tracing `experiment`'s model.

    Streamlit starts a new script run at once when the page reruns ("fast reruns") while the old run's
    thread finishes its current work, so two threads of one session can reach the same model. Training
    while another thread backpropagates through it would corrupt both.
    """
    with _locks_guard:
        return _locks.setdefault(experiment, threading.RLock())


def turn_owner(experiment: Experiment) -> tuple[str, int]:
    """Who asks TURNS for a training turn: the Experiment (one per session; a reset starts a new place in line)."""
    return ("experiment", id(experiment))


def train_tick(experiment: Experiment, steps: int = TICK_STEPS, max_seconds: float = TICK_SECONDS,
               wait: float = 0.0) -> list[dict] | None:
    """One bounded chunk of training (as many steps as fit in `max_seconds`): the one place the app trains.

    It trains only with a training turn (limits.TURNS), waiting at most `wait` seconds for one; None
    means every turn was taken, and the session keeps its place in line for the next tick.
    """
    with model_lock(experiment), TURNS.turn(turn_owner(experiment), timeout=wait) as granted:
        if not granted:
            return None
        return experiment.train(steps, max_seconds=max_seconds)


def train_now(experiment: Experiment, steps: int, max_seconds: float = STEP_SECONDS) -> int:
    """Train `steps` steps at once, tick by tick (waiting for turns), for at most `max_seconds`; returns the
    steps done."""
    done, deadline = 0, time.perf_counter() + max_seconds
    while done < steps and (left := deadline - time.perf_counter()) > 0:
        rows = train_tick(experiment, steps - done, min(TICK_SECONDS, max(left, 0.01)), wait=left)
        if rows is None:
            continue  # no turn came in time: the loop's deadline ends it
        if not rows:
            break
        done += len(rows)
    return done


def leave_line(experiment: Experiment) -> None:
    """Give up a waiting place in line (on pause or reset); a turn being used ends with its tick."""
    owner = turn_owner(experiment)
    if TURNS.place(owner) > 0:
        TURNS.release(owner)


def timed_run() -> bool:
    """Whether this run is a fragment's own rerun (the live fragments have no widgets: only timers rerun them)."""
    context = get_script_run_ctx()
    return bool(context is not None and context.fragment_ids_this_run)


def waiting_text(experiment: Experiment) -> str:
    """The status while every training turn is taken: a turn comes by itself, in order of asking."""
    place = TURNS.place(turn_owner(experiment))
    line = f"you are number {place} in line" if place > 0 else "you are next in line"
    return (f"**:material/hourglass_top: Waiting for a turn** · {TURNS.active} of {TURNS.max_concurrent} sessions "
            f"on this server are training now; {line}, and training goes on by itself when a turn is free · "
            f"{status_text(experiment)}")
