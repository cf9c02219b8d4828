"""The status line of the pages other than Train while the model trains: a text the page keeps mounted (`live_text`)
and the page's hidden poller (`feed`), which asks the feed route (ui.feed_route) for what changed and changes the
text in place, with no script run. The browser's side is ui/live_text.js and ui/live_feed.js, each after
ui/live_updates.js. (The Train page's live panel, ui.live_panel, polls for itself.)
"""

from __future__ import annotations

import functools

import streamlit as st

from .feed_route import feed_url
from .live_js import script

POLLER = "live_feed"  # the key of the poller's container, which a one-line style rule hides with its wrapper
HIDE = f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{POLLER}){{display:none}}</style>"
TEXT_JS = script("live_updates.js", "live_text.js")
FEED_JS = script("live_updates.js", "live_feed.js")


@functools.cache
def _component(name: str):
    """Declared on first use, within a script run (a component needs the running server)."""
    if name == "text":
        return st.components.v2.component("rnnviz_live_text", js=TEXT_JS, isolate_styles=False)
    return st.components.v2.component("rnnviz_live_feed", js=FEED_JS)


def live_text(html: str, key: str, version: int = 0) -> None:
    """`html` in a container keyed `key`, kept mounted: a later run, or the feed, changes only its text."""
    with st.container(key=key):
        _component("text")(key=f"{key}_text", data={"html": html, "view": key, "version": version})


def feed(token: str, since: int, interval: float, views: tuple[str, ...]) -> None:
    """Mount the page's poller (hidden): every `interval` seconds it asks for what changed of `views` (the keys the
    page drew them under) since the published version `since`, and asks for a full run once the model stops."""
    with st.container(key=POLLER):
        st.html(HIDE)
        _component("feed")(key="live_feed_poller", on_stopped_change=lambda: None, height=0,
                           data={"url": feed_url(), "token": token, "since": since, "interval": interval,
                                 "views": ",".join(views)})
