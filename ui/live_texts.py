"""Texts kept mounted while the model trains: the training status of the pages other than Train (`live_status`),
which polls the feed route (ui.feed_route) for itself, and a text that a page's run changes in place (`live_text`),
for the pages' fragments where the server has no route. The browser's side is ui/live_status.js and ui/live_text.js.
(The Train page's live panel, ui.live_panel, holds its own texts.)
"""

from __future__ import annotations

import functools

import streamlit as st

from rnnviz.serving.feed import STATUS_INTERVAL, feed_of
from rnnviz.views import train_board

from .feed_route import feed_url
from .live_js import script

STATUS = "train_status"  # the status line's key, and its name in the feed (rnnviz.views.train_board.TEXTS)
TEXT_JS = script("live_updates.js", "live_text.js")
STATUS_JS = script("live_updates.js", "live_channel.js", "live_status.js")


@functools.cache
def _component(name: str):
    """Declared on first use, within a script run (a component needs the running server)."""
    if name == "text":
        return st.components.v2.component("rnnviz_live_text", js=TEXT_JS, isolate_styles=False)
    return st.components.v2.component("rnnviz_live_status", js=STATUS_JS, isolate_styles=False)


def live_text(html: str, key: str, version: int = 0) -> None:
    """`html` in a container keyed `key`, kept mounted: a later run changes only its text."""
    with st.container(key=key):
        _component("text")(key=f"{key}_text", data={"html": html, "version": version})


def live_status(experiment, worker, poll_scale: float = 1.0) -> None:
    """The training status of `experiment`, in a container keyed "train_status": one component that, while training,
    polls the feed route every STATUS_INTERVAL × `poll_scale` seconds and changes in place; once the model stops, it
    asks for one run of the page."""
    shown = worker.published
    with st.container(key=STATUS):
        _component("status")(key=f"{STATUS}_line", on_pressed_change=lambda: None, data={
            "url": feed_url(), "token": feed_of(experiment).token, "interval": STATUS_INTERVAL * poll_scale,
            "views": STATUS, "version": shown.version, "running": worker.running,
            "texts": {STATUS: train_board.status_html(shown, experiment.device.type)}})
