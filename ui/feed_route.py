"""The app's own route beside Streamlit's (added by app.py): the one channel between a page and its model while it
trains. The Train page's live panel (ui.live_panel) posts its presses to it (Train, Pause, a typed prefix) and polls
it for what changed; the other pages' status line (ui.live_texts) polls it for the status. A page asks with its
session's unguessable feed token (rnnviz.serving.feed). Without the route (AppTest, or a server started on main.py
alone) the pages draw by their fragments' timers instead (`serving()`).
"""

from __future__ import annotations

import json

import streamlit as st

FEED_PATH = "/rnnviz/feed"
_served = False  # set by routes(); should Streamlit reload this module (a file changed), the page's timers take over


def serving() -> bool:
    """Whether this server answers the live views' asks (app.py adds the route)."""
    return _served


def train_in_panel(pages, page) -> bool:
    """Whether Train is the live panel's, not the sidebar's: on the Train page (the first of `pages`), where the
    route answers its presses."""
    return page is not None and bool(pages) and page is pages[0] and serving()


def feed_url() -> str:
    base = st.get_option("server.baseUrlPath").strip("/")
    return ("/" + base if base else "") + FEED_PATH


def routes() -> list:
    """The server's answer to the live views: Starlette routes, added by app.py before the server starts."""
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
