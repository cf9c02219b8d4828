"""The live feed: what a page polls while its model trains, so that its views move without a script run each time.

Each Streamlit run, even one fragment's, makes the browser render the whole app again: on this 2-core machine
three fragments ticking on the Train page kept Chromium's main thread busy 96 % of the time, so a typed prefix
waited half a second before the browser even sent it. While training, the page instead asks `snapshot` for what
changed (a small request answered beside the script runs) and updates its own views in place.

A session's feed is found by an unguessable token that only its own page is given (never in a link or the
address bar). It holds its experiment weakly and reads only what the worker published; texts are made once per
published version, and the charts again at most every CHART_SECONDS, whatever the number of requests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import weakref

from rnnviz.views import train_board

CHART_SECONDS = 0.2  # the charts are made again no more often: with polls every 0.1 s, about 4 times a second
TOKEN_BYTES = 18

_feeds: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # token -> Feed
_by_experiment: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Experiment -> its Feed
_guard = threading.Lock()


class Feed:
    """One experiment's live views, as its page polls them."""

    def __init__(self, experiment):
        self.token = secrets.token_urlsafe(TOKEN_BYTES)
        self._experiment = weakref.ref(experiment)
        self._lock = threading.Lock()
        self._texts: tuple[int, dict] = (-1, {})  # (published version, texts)
        self._charts: dict[str, tuple[int, str]] = {}  # key -> (published version it was made from, figure JSON)
        self._charts_at = float("-inf")

    def snapshot(self, since: int, views: frozenset[str] | None = None) -> dict | None:
        """What changed since the published version `since`, of `views` (keys of train_board.TEXTS and CHARTS;
        None: all): the texts when newer, each chart made from a newer version; `running` says whether the
        model still trains. None once the experiment is gone."""
        experiment = self._experiment()
        worker = experiment.live if experiment is not None else None
        if worker is None:
            return None
        shown = worker.published
        wanted = (lambda key: True) if views is None else views.__contains__
        with self._lock:
            if self._texts[0] != shown.version:
                self._texts = (shown.version, train_board.texts(experiment, shown))
            if any(wanted(key) for key in train_board.CHARTS):  # a page that shows only the status: none made
                self._make_charts(experiment, shown)
            charts = {key: text for key, (made, text) in self._charts.items() if made > since and wanted(key)}
        texts = {key: text for key, text in self._texts[1].items() if wanted(key)} if shown.version > since else {}
        return {"version": shown.version, "running": shown.state in ("training", "waiting"), "texts": texts,
                "charts": charts}

    def _make_charts(self, experiment, shown) -> None:
        now = time.monotonic()
        newest = max((made for made, _ in self._charts.values()), default=-1)
        if newest < shown.version and (now - self._charts_at >= CHART_SECONDS or not self._charts):
            self._charts_at = now
            self._charts = {key: (shown.version, json.dumps(figure, separators=(",", ":")))
                            for key, figure in train_board.figures(experiment, shown).items()}


def feed_of(experiment) -> Feed:
    """`experiment`'s feed, made on first use; it lives as long as the experiment does."""
    with _guard:
        feed = _by_experiment.get(experiment)
        if feed is None:
            feed = _by_experiment[experiment] = Feed(experiment)
            _feeds[feed.token] = feed
        return feed


def snapshot(token: str, since: int, views: frozenset[str] | None = None) -> dict | None:
    """The snapshot of the feed with `token` (see Feed.snapshot); None for a token no feed has."""
    feed = _feeds.get(token) if isinstance(token, str) else None
    return feed.snapshot(since, views) if feed is not None else None
