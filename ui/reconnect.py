"""A reload, or a reconnect after the connection dropped, brings back the tab's own model.

Each tab keeps a secret in its sessionStorage (per tab, kept over a reload, never in a link), read and
written by a tiny component. A new session whose tab shows the secret of a session that is gone takes over
that session's model, its history and settings (rnnviz.serving.tabs decides, ui.keeper moves the model). A tab that
shows no secret, or one whose owner is still connected (a duplicated tab), starts afresh under a new one.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.serving.tabs import TABS, new_secret

from .loading import served

KEY = "tab_identity"
OFFER, SECRET, REPLACE = "tab_offer", "tab_secret", "tab_replace"
REPORTED, ASKED = "tab_reported", "tab_asked"
# A tab that shows a secret this server never issued (or has let go of) had a model somewhere else: the server
# restarted, its replica stopped and the balancer moved it, or it was away past the disconnect TTL.
GONE = ("This tab's model is no longer on the server: the server restarted, the tab moved to another server, or "
        "it was away longer than the server keeps a closed tab's model. Here is a fresh model with the same "
        "settings, untrained: press Train to start again.")
HIDE = f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{KEY}){{display:none}}</style>"
STORAGE_KEY = "rnnviz-tab"
# The tab's secret: the one stored, else the one offered (then stored); with `replace`, the offered one.
# It is sent (a trigger: a rerun each time), and again every 2 s, until the server says it has it (`seen`):
# a report lost while a run ends would otherwise leave the tab on the first frame.
JS = f"""
export default function ({{ data, setTriggerValue }}) {{
  let held = null;
  try {{ held = window.sessionStorage.getItem("{STORAGE_KEY}"); }} catch (e) {{}}
  if (data && data.offer && (!held || data.replace)) {{
    try {{ window.sessionStorage.setItem("{STORAGE_KEY}", data.offer); }} catch (e) {{}}
    held = data.offer;
  }}
  clearInterval(window.__rnnvizTabRetry);
  if (held && data && !data.seen) {{
    setTriggerValue("secret", held);
    window.__rnnvizTabRetry = setInterval(() => setTriggerValue("secret", held), 2000);
  }}
}}
"""
_tab = st.components.v2.component("rnnviz_tab", js=JS)


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
    from . import keeper, side_by_side, state  # torch: loaded by now (ui.loading)

    if not served():
        return
    if SECRET not in st.session_state:
        _take_secret(reported, keeper, state)
    # What a reload brings back besides the model (and its worker): the lesson, the focused view, and the
    # side-by-side models (made by this session, so held with it: ui.keeper.move hands them over too).
    carried = (state.LESSON, state.CLASSROOM, side_by_side.COMPARE, side_by_side.COMPARE_KIND)
    TABS.remember(st.session_state[SECRET], {k: st.session_state[k] for k in carried if k in st.session_state})


def _take_secret(reported: str | None, keeper, state) -> None:
    """The session's first full run: the earlier session's model if the tab's secret leads to one that is
    gone, else a new secret (stored in the tab at once when it replaces one)."""
    key, offer = state.session_key(), st.session_state[OFFER]
    if reported != offer:
        claimed = TABS.claim(reported, key, keeper.is_connected)
        moved = keeper.move(claimed[0], key) if claimed else None
        if moved is not None:
            _restore(moved, claimed[1], state)
            st.session_state[SECRET] = reported
            return
        if claimed:
            TABS.drop(reported)
        elif reported and TABS.owner(reported) is None:
            state.say(GONE, "warning")
        st.session_state[REPLACE] = True  # an unknown secret, or a duplicated tab's: this tab takes a new one
    TABS.own(offer, key)
    st.session_state[SECRET] = offer
    if st.session_state.get(REPLACE):
        st.rerun()  # store the new secret in the tab now: a reload before the next full run would miss it


def _restore(experiment, carried: dict, state) -> None:
    st.session_state[state.EXPERIMENT] = experiment
    st.session_state[state.LINK_READ] = True  # the address bar holds this model's settings: do not rebuild
    for name, value in carried.items():
        st.session_state[name] = value
    state.seed_widgets(experiment.config, force=True)
    steps = f"after {experiment.step} training steps" if experiment.step else "untrained"
    state.say(f"Welcome back: this tab's model is here as you left it, {steps}.")
