"""The server's sessions: each session's Experiment in SESSIONS, the keeper that lets closed ones go, and the
model store that keeps every tab's model beyond this process (a restart, another replica).

Each session's Experiment is held in `SESSIONS` (rnnviz.serving.turns), together with (weakly) every other model
the session made, such as its side-by-side models. A background keeper marks connected sessions as seen
and lets the others' models go after the time-to-live, which is Streamlit's own for a reconnect.
Each tab's model is also written to the model store (rnnviz.serving.checkpoints, under a key made from the tab's
secret), so a tab whose model is not in this process's memory gets it back from there (ui.reconnect).
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

from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.serving.capacity import check_room
from rnnviz.serving.checkpoints import Checkpoints, restore
from rnnviz.serving.hosting import keep_sessions, let_go, models_in_memory, return_memory, was_let_go
from rnnviz.serving.store import ModelStore, StoreDown, open_store
from rnnviz.serving.tabs import TABS
from rnnviz.serving.turns import SESSIONS

from .training import model_lock

KEEP_EVERY = 10.0  # seconds between the keeper's rounds: sessions closed are let go within the TTL plus this

_held: dict = {}  # session key → weakrefs to every Experiment the session made (its own, side by side)
_kept: dict = {}  # session key → its tab's key in the model store
_closed: set = set()  # session keys whose tab is gone and whose model was written on the way out
_checkpoints: list[Checkpoints] = []  # the process's one writer to the model store, once the keeper starts
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


# -- the model store ------------------------------------------------------------------------------------------
def checkpoints() -> Checkpoints | None:
    """The process's writer to the model store; None before the keeper starts (AppTest never starts it)."""
    return _checkpoints[0] if _checkpoints else None


def store() -> ModelStore | None:
    writer = checkpoints()
    return None if writer is None else writer.store


def store_key(secret: str) -> str:
    """A tab's key in the store (which keeps only a digest of it, never the secret itself)."""
    return "tab:" + secret


def keep_in_store(key, secret: str | None, experiment: Experiment, saved_step: int | None = None) -> None:
    """Keep session `key`'s model in the store under its tab's key (written off the training thread, at most every
    few seconds while it trains and soon after it stops). A new model for the tab replaces the last. `saved_step`:
    the step the store already holds (a model just brought back from it)."""
    writer = checkpoints()
    if writer is None or secret is None:
        return
    kept = store_key(secret)
    _kept[key] = kept
    writer.watch(kept, experiment, saved_step)


def from_store(secret: str | None):
    """The tab's model as the store last kept it, and what came back (rnnviz.serving.checkpoints.Restored); None
    when the store has nothing for the tab, cannot be reached, or holds a record that fails the model-file checks."""
    kept = store()
    if kept is None or not secret:
        return None
    try:
        return restore(kept, store_key(secret))
    except (StoreDown, InputError) as error:
        print(f"rnnviz: a tab's model could not be read from the store: {error}", flush=True)
        return None


# -- the keeper's rounds ----------------------------------------------------------------------------------------
def keep_round(is_connected: Callable = is_connected) -> list:
    """One round of the keeper: connected sessions are seen; a tab that has just gone has its model written to the
    store; those unseen for the TTL are swept and let go."""
    writer = checkpoints()
    for key in list(_kept):
        if is_connected(key):
            _closed.discard(key)
        elif key not in _closed and writer is not None:
            _closed.add(key)
            writer.save_now(_kept[key])
    gone = keep_sessions(SESSIONS, is_connected)
    TABS.forget(gone)  # a reload after this gets a new model
    for key in gone:
        _closed.discard(key)
        kept = _kept.pop(key, None)
        if kept is not None and writer is not None:
            writer.forget(kept)  # before it is let go: the store keeps what was last written
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
    try:
        kept = open_store()
    except Exception as error:  # noqa: BLE001 - the app runs without a store, only forgetting on a restart
        print(f"rnnviz: no model store ({error}); models are kept in memory only", flush=True)
    else:
        if kept is None:
            print("rnnviz: RNNVIZ_STORE=none: models are kept in memory only", flush=True)
            return
        _checkpoints.append(Checkpoints(kept))
        print(f"rnnviz: models are kept in {kept.describe()}", flush=True)

    def keep() -> None:
        while True:
            time.sleep(KEEP_EVERY)
            try:
                keep_round()
            except Exception as error:  # noqa: BLE001 - the keeper must outlive one bad round
                print(f"rnnviz: the session keeper failed a round: {error!r}", flush=True)

    threading.Thread(target=keep, name="rnnviz-session-keeper", daemon=True).start()
