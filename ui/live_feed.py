"""The Train page's views while its model trains: texts and charts that the page's own poller updates in place,
from the session's live feed (rnnviz.serving.feed), instead of a Streamlit run for every redraw.

`live_text(html, key)` is a text the page keeps mounted (its HTML changed in place); `feed(token, since, interval)`
mounts the hidden poller while training. The poller asks FEED_PATH for what changed, hands each text and chart to the
view drawn under its key, and, once the model has stopped, asks for one full run so the sidebar follows. Two presses
also go straight to the feed, beside the run they start: Enter in the Train page's prefix box (its continuation comes
back at once) and Pause (training stops within the step under way). `routes()`
is the server's answer to it, added by app.py; without it (AppTest, or a server started on main.py alone) the page's
fragments redraw on their timers as before (`serving()`).
"""

from __future__ import annotations

import functools
import json

import streamlit as st

from .live_js import PRELUDE

FEED_PATH = "/rnnviz/feed"
_served = False  # set by routes(); should Streamlit reload this module (a file changed), the page's timers take over

TEXT_JS = PRELUDE + """
export default function ({ data, parentElement }) {
  let box = parentElement.querySelector(".rnnviz-live-text");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-live-text";
    parentElement.appendChild(box);
  }
  const show = (html, version) => { if (fresher(box, html, version)) box.innerHTML = html; };
  (window.__rnnvizTexts = window.__rnnvizTexts || {})[data.view] = show;
  box.__version = -1;  // a run of the page draws what it was given
  show(data.html, data.version);
}
"""

# One poller per page: a newer mount (another page's run, a new model) ends the one before.
FEED_JS = PRELUDE + """
const HOLD_MS = 400;
function end(feed) {
  feed.alive = false;
  if (feed.typed) document.removeEventListener("keydown", feed.typed, true);
  if (feed.clicked) document.removeEventListener("click", feed.clicked, true);
}
export default function ({ data, parentElement, setTriggerValue }) {
  const current = window.__rnnvizFeed;
  if (current && current.alive && current.host === parentElement && current.token === data.token
      && current.views === data.views && current.interval === data.interval) {
    current.since = Math.max(current.since, data.since);
    return;
  }
  if (current) end(current);
  const feed = window.__rnnvizFeed = { token: data.token, since: data.since, host: parentElement, alive: true,
                                       views: data.views, interval: data.interval };
  // Ask for a full run, again every 2 s until one comes (it mounts a new poller, or none): an ask made while
  // the connection is down (a replica gone, the tab moving to another) is dropped, not queued.
  const stop = (version) => {
    end(feed);
    const ask = () => {
      if (window.__rnnvizFeed !== feed || !parentElement.isConnected) return;
      setTriggerValue("stopped", version);
      setTimeout(ask, 2000);
    };
    ask();
  };
  const show = (shown) => {
    const texts = window.__rnnvizTexts || {}, charts = window.__rnnvizCharts || {};
    for (const [view, html] of Object.entries(shown.texts)) texts[view]?.(html, shown.version);
    for (const [view, figure] of Object.entries(shown.charts || {})) charts[view]?.(figure, shown.version);
  };
  // A prefix typed into the box keyed data.typed: on Enter its continuation is asked for at once, beside the
  // page's run that Enter starts too (which applies it as well, and shows any refusal), so it shows sooner.
  if (data.typed) {
    feed.typed = (event) => {
      const box = event.target.closest ? event.target.closest(`.st-key-${data.typed}`) : null;
      if (event.key !== "Enter" || !box || !feed.alive) return;
      holdCharts(HOLD_MS);  // the continuation first: a chart drawn now would keep the page from showing it
      const prefix = encodeURIComponent(event.target.value);
      const asked = `${data.url}?feed=${encodeURIComponent(feed.token)}&prefix=${prefix}`;
      fetch(asked, { method: "POST", cache: "no-store", credentials: "same-origin" })
        .then((reply) => (reply.ok ? reply.json() : null))
        .then((shown) => { if (shown && feed.alive) show(shown); })
        .catch(() => {})  // the page's run shows it a moment later
        .finally(() => holdCharts(0));
    };
    document.addEventListener("keydown", feed.typed, true);
  }
  // A press of Pause: training stops at once, beside the page's run the press starts too (which pauses as well).
  feed.clicked = (event) => {
    const button = event.target.closest ? event.target.closest(".st-key-train_toggle button") : null;
    if (!button || !feed.alive || !/Pause/.test(button.innerText)) return;
    fetch(`${data.url}?feed=${encodeURIComponent(feed.token)}&pause=1`,
          { method: "POST", cache: "no-store", credentials: "same-origin" })
      .then((reply) => (reply.ok ? reply.json() : null))
      .then((shown) => { if (shown) show(shown); })
      .catch(() => {});
  };
  document.addEventListener("click", feed.clicked, true);
  const poll = async () => {
    if (!feed.alive || !parentElement.isConnected) { end(feed); return; }
    const began = performance.now();
    let wait = data.interval * 1000;
    try {
      const asked = `${data.url}?feed=${encodeURIComponent(feed.token)}&since=${feed.since}&views=${data.views}`;
      const reply = await fetch(asked, { cache: "no-store", credentials: "same-origin" });
      if (!feed.alive) return;
      if (reply.status === 404) return stop(-1);  // the model is gone: the page's run will say why
      if (reply.ok) {
        const shown = await reply.json();
        show(shown);
        feed.since = Math.max(feed.since, shown.version);
        wait = shown.next * 1000;
        if (!shown.running) return stop(shown.version);
      } else if (reply.status !== 429) {  // 429: asked too soon (another tab of this model polls too)
        wait = Math.max(wait, 1000);
      }
    } catch (error) {
      wait = Math.max(wait, 1000);  // a dropped connection: Streamlit reconnects, the next poll finds out
    }
    setTimeout(poll, Math.max(0, wait - (performance.now() - began)));
  };
  setTimeout(poll, data.interval * 1000);
}
"""


@functools.cache
def _component(name: str):
    """Declared on first use, within a script run: app.py imports this module before the server has started."""
    if name == "text":
        return st.components.v2.component("rnnviz_live_text", js=TEXT_JS, isolate_styles=False)
    return st.components.v2.component("rnnviz_live_feed", js=FEED_JS)

HIDE = "<style>[data-testid=stLayoutWrapper]:has(> .st-key-live_feed){display:none}</style>"


def live_text(html: str, key: str, version: int = 0) -> None:
    """`html` in a container keyed `key`, kept mounted: a later run, or the feed, changes only its text."""
    with st.container(key=key):
        _component("text")(key=f"{key}_text", data={"html": html, "view": key, "version": version})


def serving() -> bool:
    """Whether this server answers the page's poller (app.py adds the route)."""
    return _served


def feed(token: str, since: int, interval: float, views: tuple[str, ...], typed: str = "") -> None:
    """Mount the page's poller (hidden): every `interval` seconds it asks for what changed of `views` (the keys the
    page drew them under) since the published version `since`, and asks for a full run once the model stops.
    `typed`: the key of the page's prefix box, whose continuation it then asks for as soon as Enter is pressed."""
    with st.container(key="live_feed"):
        st.html(HIDE)
        _component("feed")(key="live_feed_poller", on_stopped_change=lambda: None, height=0,
                           data={"url": feed_url(), "token": token, "since": since, "interval": interval,
                                 "views": ",".join(views), "typed": typed})


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

        from .training import STATUS_INTERVAL, redraw_scale

        asked = request.query_params
        token, posted = asked.get("feed", ""), request.method == "POST"
        kind = ("pause" if "pause" in asked else "typed") if posted else "poll"
        if feeds.too_soon(token, kind):
            return _answer({"too_soon": True}, 429)
        if kind == "pause":
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
        shown["next"] = STATUS_INTERVAL * redraw_scale()
        return _answer(shown)

    global _served
    _served = True
    methods = ["GET", "POST"]  # POST: a typed prefix, or Pause (they change the model's state)
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
