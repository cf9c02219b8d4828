"""The live feed's two ends in the app: the route that answers it, and the hidden status poller of the pages other
than Train.

`routes()` is the server's answer (added by app.py): the Train page's live panel (ui.live_panel) posts its presses
to it (Train, Pause, a typed prefix) and polls it for what changed; the other pages' poller (`feed`) polls it for the
status line. Without the route (AppTest, or a server started on main.py alone) the pages draw by their fragments'
timers instead (`serving()`). `live_text(html, key)` is a text the page keeps mounted, changed in place by the
poller. The browser's side is ui/live_text.js and ui/live_feed.js, each after ui/live_updates.js.
"""

from __future__ import annotations

import functools
import json

import streamlit as st

from .live_js import script

FEED_PATH = "/rnnviz/feed"
_served = False  # set by routes(); should Streamlit reload this module (a file changed), the page's timers take over

POLLER = "live_feed"  # the key of the poller's container, which a one-line style rule hides with its wrapper
HIDE = f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{POLLER}){{display:none}}</style>"
TEXT_JS = script("live_updates.js", "live_text.js")
FEED_JS = script("live_updates.js", "live_feed.js")


@functools.cache
def _component(name: str):
    """Declared on first use, within a script run: app.py imports this module before the server has started."""
    if name == "text":
        return st.components.v2.component("rnnviz_live_text", js=TEXT_JS, isolate_styles=False)
    return st.components.v2.component("rnnviz_live_feed", js=FEED_JS)


def live_text(html: str, key: str, version: int = 0) -> None:
    """`html` in a container keyed `key`, kept mounted: a later run, or the feed, changes only its text."""
    with st.container(key=key):
        _component("text")(key=f"{key}_text", data={"html": html, "view": key, "version": version})


def serving() -> bool:
    """Whether this server answers the page's poller (app.py adds the route)."""
    return _served


def feed(token: str, since: int, interval: float, views: tuple[str, ...]) -> None:
    """Mount the page's poller (hidden): every `interval` seconds it asks for what changed of `views` (the keys the
    page drew them under) since the published version `since`, and asks for a full run once the model stops."""
    with st.container(key=POLLER):
        st.html(HIDE)
        _component("feed")(key="live_feed_poller", on_stopped_change=lambda: None, height=0,
                           data={"url": feed_url(), "token": token, "since": since, "interval": interval,
                                 "views": ",".join(views)})


def feed_url() -> str:
    base = st.get_option("server.baseUrlPath").strip("/")
    return ("/" + base if base else "") + FEED_PATH


def routes() -> list:
    """The server's answer to the poller: Starlette routes, added by app.py before the server starts."""
    from starlette.routing import Route

    def answer(request):
        if "shown" in request.query_params:  # a page's first chart is on screen (ui.live_chart): first, as the
            return _shown()  # model's code, imported below, may not be loaded yet
        from rnnviz.errors import InputError
        from rnnviz.serving import feed as feeds  # the model's code: loaded by the time a page polls
        from rnnviz.serving.turns import crowd_factor

        asked = request.query_params
        token, posted = asked.get("feed", ""), request.method == "POST"
        kind = next((press for press in ("train", "pause") if press in asked), "typed") if posted else "poll"
        if feeds.too_soon(token, kind):
            return _answer({"too_soon": True}, 429)
        if kind == "train":
            shown = feeds.train(token)
        elif kind == "pause":
            shown = feeds.pause(token)
        elif kind == "typed":
            try:
                shown = feeds.continue_typed(token, asked.get("prefix"))
            except InputError as error:  # the page's own run says so
                return _answer({"refused": str(error)}, 422)
        else:
            try:
                since = int(asked.get("since", "-1"))
            except ValueError:
                since = -1
            views = asked.get("views")
            shown = feeds.snapshot(token, since, frozenset(views.split(",")) if views is not None else None)
        if shown is None:
            return _answer({"gone": True}, 404)
        shown["next"] = feeds.STATUS_INTERVAL * crowd_factor()  # the next poll: slower in a crowd
        return _answer(shown)

    global _served
    _served = True
    methods = ["GET", "POST"]  # POST: a press of Train or Pause, or a typed prefix (they change the model's state)
    return [Route(FEED_PATH, answer, methods=methods),
            Route("/{base:path}" + FEED_PATH, answer, methods=methods)]  # with server.baseUrlPath too


def _shown():
    from starlette.responses import Response

    from . import loading

    if loading.ready():  # not before: the warm-up imports torch, which would hold this, the server's event loop
        from rnnviz.serving.warm_up import page_shown

        page_shown()
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


def _answer(body: dict, status: int = 200):
    from starlette.responses import Response

    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})
