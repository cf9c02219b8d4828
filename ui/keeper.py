"""The server's sessions: each session's Experiment in SESSIONS, and the keeper that lets closed ones go.

Each session's Experiment is held in `SESSIONS` (rnnviz.serving.turns), together with (weakly) every other model
the session made, such as its side-by-side models. A background keeper marks connected sessions as seen
and lets the others' models go after the time-to-live, which is Streamlit's own for a reconnect.
Not `st.cache_resource(scope="session", on_release=...)`: it releases the moment a tab disconnects (a reload,
a network blip), not after the TTL, so a reload could never take its model back (ui.reconnect, `move`).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

import streamlit as st
from streamlit import runtime

from rnnviz.experiment import Experiment
from rnnviz.serving.capacity import check_room
from rnnviz.serving.hosting import keep_sessions, let_go, models_in_memory, return_memory, was_let_go
from rnnviz.serving.tabs import TABS
from rnnviz.serving.turns import SESSIONS

from .training import model_lock

KEEP_EVERY = 10.0  # seconds between the keeper's rounds: sessions closed are let go within the TTL plus this

_held: dict = {}  # session key → weakrefs to every Experiment the session made (its own, side by side)
_keeper_started = threading.Event()


def admit(key, experiment: Experiment) -> None:
    """Make `experiment` session `key`'s model in SESSIONS (which may refuse: the server is full), and hold it."""
    check_room([experiment], replacing=[SESSIONS.get(key)])  # the server's cap on model memory
    SESSIONS.put(key, experiment)
    hold(key, [experiment])


def model_of(key) -> Experiment | None:
    """Session `key`'s model in SESSIONS: None once the keeper let it go, or in a new registry (Streamlit
    reloaded the app's modules)."""
    return SESSIONS.get(key)


def move(old_key, new_key) -> Experiment | None:
    """Hand session `old_key`'s model, and every model it made, to session `new_key` (a reload of its tab):
    None when the keeper already let it go."""
    experiment = SESSIONS.get(old_key)
    if experiment is None or was_let_go(experiment):
        return None
    SESSIONS.put(new_key, experiment)
    SESSIONS.release(old_key)
    made = [reference() for reference in _held.pop(old_key, [])]
    hold(new_key, [experiment] + [other for other in made if other is not None and other is not experiment])
    return experiment


def hold(key, experiments) -> None:
    """Remember (weakly) that session `key` made `experiments`, so the keeper lets them go with the session."""
    alive = [ref for ref in _held.get(key, []) if ref() is not None]
    _held[key] = alive + [weakref.ref(made) for made in experiments]


def is_connected(key) -> bool:
    """Whether session `key`'s browser tab is connected now."""
    return runtime.exists() and runtime.get_instance().is_active_session(key[0])


def keep_round(is_connected: Callable = is_connected) -> list:
    """One round of the keeper: connected sessions are seen; those unseen for the TTL are swept and let go."""
    gone = keep_sessions(SESSIONS, is_connected)
    TABS.forget(gone)  # a reload after this gets a new model
    for key in gone:
        for reference in _held.pop(key, []):
            held = reference()
            if held is not None and not was_let_go(held):
                with model_lock(held):
                    let_go(held)
    if gone:
        return_memory()
        models, size = models_in_memory()
        print(f"rnnviz: let go of {len(gone)} closed session(s); {len(SESSIONS)} still open; "
              f"{models} models in memory, {size / 2**20:.1f} MB of tensors", flush=True)
    return gone


def start_keeper() -> None:
    """Once per server process: the thread that lets closed sessions' models go. Only under a real server
    (AppTest has no runtime, and its sessions never connect)."""
    if _keeper_started.is_set() or not runtime.exists():
        return
    _keeper_started.set()
    # Keep a closed tab's model as long as Streamlit keeps its session for a reconnect, and no longer.
    SESSIONS.ttl = float(st.get_option("server.disconnectedSessionTTL"))

    def keep() -> None:
        while True:
            time.sleep(KEEP_EVERY)
            try:
                keep_round()
            except Exception as error:  # noqa: BLE001 - the keeper must outlive one bad round
                print(f"rnnviz: the session keeper failed a round: {error!r}", flush=True)

    threading.Thread(target=keep, name="rnnviz-session-keeper", daemon=True).start()
