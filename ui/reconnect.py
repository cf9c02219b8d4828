"""A tab that comes back to a server that no longer holds its model: say so, and carry on with its settings.

When a replica stops (or the server restarts), Streamlit's page reconnects by itself, to whichever server is
up, and starts a new session there. The address bar still carries the tab's settings (ui.sharing), so that
session rebuilds the model from them; what it cannot tell from the settings alone is that this tab *had* a
model a moment ago. So the address bar also carries a marker, `tab=<id>`, this session's own id
(state.session_key). A new session whose address names a tab this server does not know was moved or
restarted: it tells the learner so, once. A link copied from the share box has no marker; one copied from the
address bar onto the same server names a live tab, so it opens quietly.
"""

from __future__ import annotations

import streamlit as st

from . import keeper
from .state import say, session_key

MARKER = "tab"
RESTARTED = ("The server this tab was using restarted (or the tab moved to another server), so the model it was "
             "training is gone. Here is a fresh model with the same settings, untrained: press Train to start again.")


def known_tabs() -> set[str]:
    """The markers of every session this server process holds a model for."""
    return {key[1] for key in keeper.SESSIONS.session_ids() if isinstance(key, tuple) and len(key) == 2}


def arrived() -> bool:
    """On a session's first run, before the link is read: take the marker out of the address (it is no setting)
    and, if it names a tab this server does not know, say the server restarted. True if it said so."""
    marker = st.query_params.get(MARKER)
    if marker is None:
        return False
    del st.query_params[MARKER]
    if str(marker) in known_tabs():
        return False
    say(RESTARTED, "warning")
    return True


def with_marker(query: dict[str, str]) -> dict[str, str]:
    """The address bar's parameters: the settings (`query`) and this tab's marker."""
    return {**query, MARKER: session_key()[1]}
