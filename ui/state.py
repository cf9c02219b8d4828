"""This session's state: its Experiment, the running flag, the messages for the next page, and widget values.

The one owner of st.session_state's shared keys. One Experiment per session, built on first use and never on
a rerun; it is registered with the server (ui.keeper), so a new model always comes in through `install`.
Whether it trains is its worker's to say (ui.workers.worker), not a flag here.
Widget values live in st.session_state under the widget's key. Each widget keeps its value while another page
shows (`persist_state="session"`); code sets one by writing its key before the widget is drawn.
"""

from __future__ import annotations

import uuid

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.choices import CELL_CHOICES
from rnnviz.config import WIDGETS, Config
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from rnnviz.serving.hosting import was_let_go
from rnnviz.serving.live import worker_of

from . import keeper
from .messages import show
from .workers import worker

EXPERIMENT, LESSON, MESSAGES = "experiment", "lesson", "messages"
SESSION_KEY, LINK_READ, CLASSROOM, SHARE_SLOT = "session_key", "link_read", "classroom", "share_slot"
PRESSES, PRESSES_DRAWN = "presses", "presses_drawn"  # presses so far of each action button; what the sidebar drew
# sidebar widget key → Config field (Config's field metadata); the "cell" widget sets both cell and nonlinearity
WIDGET_FIELDS = WIDGETS


# -- the session's Experiment ----------------------------------------------------------------------------
def experiment() -> Experiment:
    """This session's Experiment, built on first use from lesson L0 (or from the link that opened the app)."""
    current = st.session_state.get(EXPERIMENT)
    if current is not None and keeper.model_of(session_key()) is current:
        return current
    if LINK_READ not in st.session_state:
        _reroute()
    try:
        if current is None:
            register(Experiment(LESSONS["L0"].config))
            st.session_state.setdefault(LESSON, "L0")
        elif not was_let_go(current):  # a new registry: Streamlit reloaded the app's modules (a file changed)
            register(current)
        else:  # the keeper let it go while this session was away
            register(Experiment(current.config))
            say("This tab was away longer than the server keeps an idle model, so its model was let go. "
                "Here is a new one with the same settings, untrained.", "warning")
    except InputError as error:  # the server is full
        show("error", error)
        st.stop()
    return st.session_state[EXPERIMENT]


def _reroute() -> None:
    """A page drawn without main.py (its controls never ran): run the app again, through main.py.

    A fresh server whose first request is a page's address (a share link to /predict, a reload
    after a restart) runs that page file alone: Streamlit's old `pages/` folder mode stays on until
    some run calls st.navigation. Turning it off and rerunning draws the same page through main.py.
    """
    if st.session_state.get("rerouted"):
        return  # once: never loop
    st.session_state["rerouted"] = True
    PagesManager.uses_pages_directory = False
    st.rerun()


def session_key() -> tuple[str, str]:
    """This session's key in SESSIONS: Streamlit's session id (to ask whether it is still connected) and
    an id of our own (AppTest gives every session the same Streamlit id)."""
    if SESSION_KEY not in st.session_state:
        context = get_script_run_ctx()
        st.session_state[SESSION_KEY] = (context.session_id if context else "", uuid.uuid4().hex)
    return st.session_state[SESSION_KEY]


def register(new: Experiment) -> None:
    """Make `new` this session's Experiment, in session state and in SESSIONS (which may refuse: full)."""
    keeper.admit(session_key(), new)
    st.session_state[EXPERIMENT] = new


def install(new: Experiment, message: str, refill_widgets: bool) -> None:
    """Make `new` the session's model, paused, with `message` for the next page; the old one stops training."""
    old = st.session_state.get(EXPERIMENT)
    register(new)
    if old is not None and old is not new and worker_of(old) is not None:
        worker_of(old).stop()
    for key in [k for k in st.session_state if str(k).endswith("_prefix_error")]:
        del st.session_state[key]
    if refill_widgets:  # only from a callback: widgets drawn in this run cannot be set any more
        seed_widgets(new.config, force=True)
    say(message)


def replace_experiment(new: Experiment, message: str, notices: list[str] = ()) -> None:
    """From a page's callback: make `new` (built from uploaded data or a model file) the session's model."""
    install(new, message, refill_widgets=True)
    st.session_state[LESSON] = None
    for notice in notices:
        say(notice, "warning")


def classroom() -> bool:
    """Whether this session shows the focused view (opened with ?classroom=1): no settings panel."""
    return bool(st.session_state.get(CLASSROOM, False))


def is_running() -> bool:
    """Whether the session's model is training (or waiting for a turn to): its worker says."""
    return worker(experiment()).running


def pause() -> None:
    """Pause the session's model (it stops within one slice of training)."""
    worker(experiment()).pause()


def presses() -> dict[str, int]:
    """How many times each of the sidebar's action buttons (Train/Pause, Step) was pressed in this session: the
    button's key ends with its count (ui.sidebar.action_button)."""
    return st.session_state.setdefault(PRESSES, {})


def say(message: str, kind: str = "info") -> None:
    """Keep a message for the top of the next page drawn (kind: info, warning or error)."""
    st.session_state.setdefault(MESSAGES, []).append((kind, message))


# -- widget values -------------------------------------------------------------------------------------------
def _widget_values(config: Config) -> dict:
    values = {key: getattr(config, field) for key, field in WIDGET_FIELDS.items()}
    values["cell"] = next(label for label, pair in CELL_CHOICES.items() if pair == (config.cell, config.nonlinearity))
    return values


def seed_widgets(config: Config, force: bool = False) -> None:
    """Give each sidebar widget its value from `config` (all of them when `force`, else the missing ones).
    Only before the widgets are drawn in this run (from a callback, when `force`).

    The others are written back as they are, so the browser shows the value the server holds: a value the
    browser took from a run cut short (a lesson pressed while the learner typed a setting) would otherwise
    stay on screen and come back with the next rerun, silently undoing what the model had taken."""
    for key, value in _widget_values(config).items():
        st.session_state[key] = value if force or key not in st.session_state else st.session_state[key]
