"""Each session's worker (rnnviz.serving.live) as the app makes it, and the rhythm the pages redraw at while it trains.

`worker(experiment)` is the model's background trainer, made once per Experiment; Train/Pause,
Step, Reset and new settings act through it, and the pages draw what it publishes. On a shared server a
worker trains only with one of the process's few turns (`TURNS`, rnnviz.serving.turns), waiting in line otherwise.
Nothing here reads st.session_state.
"""

from __future__ import annotations

import sys

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.experiment import Experiment, model_lock  # noqa: F401 - the app's one name for each
from rnnviz.serving import live
from rnnviz.serving.feed import CHART_INTERVAL, STATUS_INTERVAL  # noqa: F401 - the app's one name for each
from rnnviz.serving.live import STEP_PRESS_SECONDS
from rnnviz.serving.published import Published  # noqa: F401 - the app's one name for each
from rnnviz.serving.turns import TURNS, crowd_factor

from .loading import SWITCH_SECONDS

SLOW_INTERVAL = 1.0  # how often the other pages' views redraw while training
# Each redraw costs the server's one interpreter: a class's pages at full rate would take it all, leaving training
# and clicks waiting. Past one learner per turn, the redraws slow down (`redraw_scale`).
# A worker thread gives up the interpreter at every PyTorch call and must get it back from the thread that draws:
# Python's default hand-over leaves training waiting; a shorter one (SWITCH_SECONDS, set first by ui.loading while
# torch loads) keeps it near a bare loop's speed.


def redraw_scale(sessions: int | None = None, turns: int | None = None) -> int:
    """How many times slower than their own intervals the live views redraw: the server's crowd factor
    (rnnviz.serving.turns.crowd_factor; a class of 30 on 2 turns: 16)."""
    return crowd_factor(sessions, turns)


def worker(experiment: Experiment) -> live.LiveTraining:
    """`experiment`'s background trainer (made on first use), under this server's training turns. Under a real
    server it pauses by itself once its tab has been gone a moment."""
    made = live.worker_of(experiment)
    if made is not None:
        return made
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_SECONDS))
    context = get_script_run_ctx()
    session_id = context.session_id if context is not None else None
    watched = None
    if session_id is not None and _connected(session_id):  # a browser's session (not AppTest's)
        def watched() -> bool:
            return _connected(session_id)
    return live.live_training(experiment, turns=TURNS, keep_going=watched)


def _connected(session_id: str) -> bool:
    """Whether a browser is connected to the session, under a real server (AppTest's runtime is a stand-in)."""
    return runtime.exists() and type(runtime.get_instance()) is runtime.Runtime and \
        runtime.get_instance().is_active_session(session_id)


def turn_owner(experiment: Experiment):
    """Who asks TURNS for a training turn: the Experiment's worker (a reset starts a new place in line)."""
    return worker(experiment).owner


def train_now(experiment: Experiment, steps: int, max_seconds: float = STEP_PRESS_SECONDS) -> int:
    """Train `steps` steps at once through the model's worker (the Step button); returns the steps done."""
    return worker(experiment).steps(steps, max_seconds)


def timed_run() -> bool:
    """Whether this run is a fragment's own rerun (a timer's, or a widget's inside the fragment)."""
    context = get_script_run_ctx()
    return bool(context is not None and context.fragment_ids_this_run)
