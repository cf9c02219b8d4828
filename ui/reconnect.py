"""A reload, or a reconnect after the connection dropped, brings back the tab's own model.

Each tab keeps a secret in its sessionStorage (per tab, kept over a reload, never in a link), read and
written by a tiny component. A new session whose tab shows the secret of a session that is gone takes over
that session's model, its history and settings (rnnviz.serving.tabs decides, ui.keeper moves the model). A tab that
shows no secret, or one whose owner is still connected (a duplicated tab), starts afresh under a new one.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from rnnviz.serving.tabs import TABS, new_secret

from .loading import served

KEY = "tab_identity"  # its container's key, hidden by tab_secret.css
OFFER, SECRET, REPLACE = "tab_offer", "tab_secret", "tab_replace"
REPORTED, ASKED = "tab_reported", "tab_asked"
PREVIOUS = "previous_model"  # (Experiment, carried): the tab's model, while a link's model is in use
# A tab that shows a secret this server never issued (or has let go of) had a model somewhere else: the server
# restarted, its replica stopped and the balancer moved it, or it was away past the disconnect TTL.
GONE = ("This tab's model is no longer on the server: the server restarted, the tab moved to another server, or "
        "it was away longer than the server keeps a closed tab's model. Here is a fresh model with the same "
        "settings, untrained: press Train to start again.")
HERE = Path(__file__).parent
HIDE = HERE / "tab_secret.css"  # the component's row takes no room
_tab = st.components.v2.component("rnnviz_tab", js=(HERE / "tab_secret.js").read_text())


def tab_secret() -> str | None:
    """Mount the component (hidden); the secret this tab holds, None until the browser has said."""
    offer = st.session_state.setdefault(OFFER, new_secret())
    component = f"{KEY}_component"
    # A report arrives as a trigger of this run, readable before the mount: then this run's data says `seen`,
    # and the component does not send it again.
    arrived = (st.session_state.get(component) or {}).get("secret")
    if arrived and st.session_state.get(REPORTED) is None:
        st.session_state[REPORTED] = arrived
    seen = st.session_state.get(REPORTED) is not None
    if not seen:
        st.session_state[ASKED] = st.session_state.get(ASKED, 0) + 1
    with st.container(key=KEY):
        st.html(HIDE)
        _tab(key=component, data={"offer": st.session_state.get(SECRET) or offer,
                                  "replace": bool(st.session_state.get(REPLACE)), "seen": seen,
                                  "asked": st.session_state.get(ASKED, 0)},
             on_secret_change=lambda: None, height=0)
    return st.session_state.get(REPORTED)


def known(reported: str | None) -> bool:
    """Whether this run can decide whose model the session gets."""
    return reported is not None or not served() or SECRET in st.session_state


def settle(reported: str | None) -> None:
    """On the session's first full run: take over the model of the tab's earlier session, if it is gone,
    or own a new secret. Needs the model's code loaded."""
    from . import board_member, keeper, side_by_side, state  # torch: loaded by now (ui.loading)

    if not served():
        return
    keeper.start_keeper()  # its model store must be open before a tab asks it for its model
    if SECRET not in st.session_state:
        _take_secret(reported, keeper, state)
    # What a reload brings back besides the model (and its worker): the lesson, the focused view, and the
    # side-by-side models (made by this session, so held with it: ui.keeper.move hands them over too).
    carried = (state.LESSON, state.CLASSROOM, side_by_side.COMPARE, side_by_side.COMPARE_KIND, *board_member.CARRIED)
    TABS.remember(st.session_state[SECRET], {k: st.session_state[k] for k in carried if k in st.session_state})


def _take_secret(reported: str | None, keeper, state) -> None:
    """The session's first full run: the earlier session's model if the tab's secret leads to one that is
    gone, else a new secret (stored in the tab at once when it replaces one)."""
    key, offer = state.session_key(), st.session_state[OFFER]
    if reported != offer:
        claimed = TABS.claim(reported, key, keeper.is_connected)
        moved = keeper.move(claimed[0], key) if claimed else None
        if moved is not None:
            st.session_state[SECRET] = reported
            _arrive(moved, claimed[1], state)
            return
        if claimed:
            TABS.drop(reported)
        elif reported and TABS.owner(reported) is None:  # not in this process's memory: perhaps in the store
            if _from_store(reported, key, keeper, state):
                return
            state.say(GONE, "warning")
        st.session_state[REPLACE] = True  # an unknown secret, or a duplicated tab's: this tab takes a new one
    TABS.own(offer, key)
    st.session_state[SECRET] = offer
    if st.session_state.get(REPLACE):
        st.rerun()  # store the new secret in the tab now: a reload before the next full run would miss it


def _from_store(reported: str, key, keeper, state) -> bool:
    """The tab's model as the model store kept it (the server restarted, or the tab moved to another replica):
    this session's from now on, under the tab's own secret. False when the store has nothing for the tab."""
    from rnnviz.errors import InputError
    from rnnviz.serving.hosting import lesson_of

    found = keeper.from_store(reported)
    if found is None:
        return False
    experiment, restored = found
    try:
        keeper.admit(key, experiment)
    except InputError as error:  # the server is full
        state.say(str(error), "error")
        return False
    TABS.own(reported, key)
    st.session_state[SECRET] = reported
    keeper.keep_in_store(key, reported, experiment, saved_step=restored.step)
    _arrive(experiment, {state.LESSON: lesson_of(experiment.config)}, state, welcome=restored.message())
    return True


def _arrive(experiment, carried: dict, state, welcome: str | None = None) -> None:
    """The tab's model is found. A reload's address asks for that model's settings: it comes back. An address
    that asks for other settings (a lesson's link pasted into the tab) wins: the link's model is built as on a
    first visit, and the tab's model is offered back."""
    from rnnviz.serving.hosting import MODEL, link_settings  # torch: loaded by now (ui.loading)
    from rnnviz.serving.live import worker_of

    from . import board_member

    params = st.query_params.to_dict()
    shared = params.pop(MODEL, None) is not None  # a shared model's link always asks for its own copy
    board = params.pop(board_member.BOARD, None)  # a class board's code says nothing of the model's settings
    asked, focused, _ = link_settings(params)
    if shared or (asked is not None and asked.to_query() != experiment.config.to_query()):
        if worker_of(experiment) is not None:
            worker_of(experiment).pause(wait=False)
        st.session_state[PREVIOUS] = (experiment, carried)
        return
    if asked is not None or focused:  # the view follows the address; a bare address keeps the tab's
        carried = {**carried, state.CLASSROOM: focused}
    _restore(experiment, carried, state, welcome)
    board_member.from_reload(board, st.session_state.get(SECRET))


def _restore(experiment, carried: dict, state, welcome: str | None = None) -> None:
    st.session_state[state.EXPERIMENT] = experiment
    st.session_state[state.LINK_READ] = True  # the address bar holds this model's settings: do not rebuild
    for name, value in carried.items():
        st.session_state[name] = value
    state.seed_widgets(experiment.config, force=True)
    steps = f"after {experiment.step:,} training steps" if experiment.step else "untrained"
    state.say(welcome or f"Welcome back: this tab's model is here as you left it, {steps}.")


def offer_back() -> None:
    """While the tab's earlier model is kept: a notice that takes it back in one click."""
    from rnnviz.serving.hosting import was_let_go

    from . import state

    previous = st.session_state.get(PREVIOUS)
    if previous is None:
        return
    experiment, carried = previous
    if was_let_go(experiment):
        del st.session_state[PREVIOUS]
        return
    name = carried.get(state.LESSON) or experiment.config.dataset
    steps = f"{experiment.step:,} steps" if experiment.step else "untrained"
    with st.container(horizontal=True, vertical_alignment="center", key="previous_model"):
        st.caption("The link you opened set up a new model. This tab's earlier model is still here.")
        st.button(f"Back to your {name} model, {steps}", key="take_back", on_click=_take_back, icon=":material/undo:")
        st.button("No thanks", key="drop_previous", on_click=_drop_previous, type="tertiary")


def _take_back() -> None:
    from rnnviz.serving.hosting import was_let_go

    from . import state

    experiment, carried = st.session_state.pop(PREVIOUS)
    if was_let_go(experiment):
        state.say("That model is no longer on the server.", "warning")
        return
    name = carried.get(state.LESSON) or experiment.config.dataset
    state.install(experiment, f"Back to your {name} model, at step {experiment.step:,}.", refill_widgets=True)
    for key, value in carried.items():
        st.session_state[key] = value


def _drop_previous() -> None:
    st.session_state.pop(PREVIOUS, None)
