"""The live feed: what a page polls while its model trains, so that its views move without a script run each time.

Each Streamlit run, even one fragment's, makes the browser render the whole app again, which on a small machine
left no time for what the learner types (docs/benchmarks.md). While training, the page instead asks `snapshot` for
what changed (a small request answered beside the script runs) and updates its own views in place.

A session's feed is found by an unguessable token that only its own page is given (never in a link or the
address bar). It holds its experiment weakly and reads only what the worker published; texts are made once per
published version, and the charts again at most every CHART_INTERVAL, whatever the number of requests.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import weakref

from rnnviz.config import Config
from rnnviz.errors import InputError
from rnnviz.serving.live import worker_of
from rnnviz.views import train_board

# The Train page's rhythm while training, one learner per turn (a crowd slows both: turns.crowd_factor).
STATUS_INTERVAL = 0.1  # the page polls its feed this often: the status and the continuation move with each answer
# The charts are made again no more often: above the 3 a second a learner should see even when a poll comes late,
# and no more, as making them takes the server's Python, so the training thread's turns at the interpreter.
CHART_INTERVAL = 0.25
TOKEN_BYTES = 18
# A page polls every STATUS_INTERVAL or slower; a client asking a model's feed more often than this is answered
# "too soon" without a snapshot, so no tab can make the server answer it much faster than its page would.
MIN_ASK_SECONDS = 0.03

_feeds: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # token -> Feed
_by_experiment: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Experiment -> its Feed
_guard = threading.Lock()


class Feed:
    """One experiment's live views, as its page polls them."""

    def __init__(self, experiment):
        self.token = secrets.token_urlsafe(TOKEN_BYTES)
        self._experiment = weakref.ref(experiment)
        self._lock = threading.Lock()
        self._texts: dict[str, tuple[int, str, tuple]] = {}  # key -> (published version, HTML, views made from)
        self._charts: dict[str, tuple[int, str]] = {}  # key -> (published version it was made from, figure JSON)
        self._charts_at = float("-inf")
        self._asked_at: dict[str, float] = {}  # what was asked ("poll", "typed", "pause") -> when last let through

    def too_soon(self, asked: str = "poll") -> bool:
        """Whether this ask comes less than MIN_ASK_SECONDS after the last one of its kind let through (which
        it then is)."""
        now = time.monotonic()
        with self._lock:
            if now - self._asked_at.get(asked, float("-inf")) < MIN_ASK_SECONDS:
                return True
            self._asked_at[asked] = now
            return False

    def _live(self):
        """(experiment, its worker), or None once the experiment is gone or before it has a worker."""
        experiment = self._experiment()
        worker = worker_of(experiment)
        return (experiment, worker) if worker is not None else None

    def snapshot(self, since: int, views: frozenset[str] | None = None) -> dict | None:
        """What changed since the published version `since`, of `views` (keys of train_board.TEXTS and CHARTS;
        None: all): the texts when newer, each chart made from a newer version; `running` says whether the
        model still trains. None once the experiment is gone."""
        live = self._live()
        if live is None:
            return None
        experiment, worker = live
        shown = worker.published
        wanted = (lambda key: True) if views is None else views.__contains__
        with self._lock:
            basis = train_board.views_basis(shown)
            stale = []
            for key in train_board.TEXTS:
                if not wanted(key):  # only those asked for
                    continue
                version, text, made_from = self._texts.get(key, (-1, "", ()))
                if version == shown.version:
                    continue
                if key in train_board.FROM_VIEWS and _same(made_from, basis):  # a new version, same views: kept
                    self._texts[key] = (shown.version, text, made_from)
                else:
                    stale.append(key)
            for key, text in train_board.texts(experiment, shown, stale).items():
                self._texts[key] = (shown.version, text, basis)
            if any(wanted(key) for key in train_board.CHARTS):  # a page that shows only the status: none made
                self._make_charts(experiment, shown)
            charts = {key: text for key, (made, text) in self._charts.items() if made > since and wanted(key)}
            newer = shown.version > since
            texts = {key: self._texts[key][1] for key in train_board.TEXTS if wanted(key) and newer}
        return {"version": shown.version, "running": shown.state in ("training", "waiting"), "texts": texts,
                "charts": charts}

    def continue_typed(self, prefix: str) -> dict | None:
        """Continue `prefix`, which the learner just typed, as the page's run about to come will (ui.drawing's
        apply_prefix): the new prefix applied between two steps, then a snapshot of its continuation. The page
        shows it at once, before that run; a refusal (InputError) that run will show. None once the model is
        gone."""
        live = self._live()
        if live is None:
            return None
        experiment, worker = live
        config, _ = Config.checked(experiment.config, prefix=prefix)
        experiment.dataset.parse_prefix(config.prefix)
        worker.update(config)
        return self.snapshot(-1, frozenset({"continuation"}))

    def train(self) -> dict | None:
        """Start training (the panel's Train), unless the model diverged; then a snapshot of the status, which says
        whether it trains or waits for a turn. None once the model is gone."""
        live = self._live()
        if live is None:
            return None
        live[1].start()
        return self.snapshot(-1, frozenset({"train_status"}))

    def pause(self) -> dict | None:
        """Pause training now, as the page's run about to come will (the Pause button): the step count stops
        within the step under way; then a snapshot of the status, which says so. None once the model is gone."""
        live = self._live()
        if live is None:
            return None
        worker = live[1]
        worker.pause(wait=True)
        return self.snapshot(-1, frozenset({"train_status"}))

    def _make_charts(self, experiment, shown) -> None:
        """Make the charts again if they are older than the published version and due. They fall due every
        CHART_INTERVAL from the last time they were due, not from the poll that made them, so that polls a little
        slower than STATUS_INTERVAL still get them 1/CHART_INTERVAL times a second (a poll that comes late does
        not push the next one back)."""
        now = time.monotonic()
        newest = max((made for made, _ in self._charts.values()), default=-1)
        due = self._charts_at + CHART_INTERVAL
        if newest < shown.version and (now >= due or not self._charts):
            self._charts_at = due if now - due < CHART_INTERVAL else now  # long idle: start afresh, no burst
            self._charts = {key: (shown.version, json.dumps(figure, separators=(",", ":")))
                            for key, figure in train_board.figures(experiment, shown).items()}


def _same(made_from: tuple, basis: tuple) -> bool:
    """Whether two train_board.views_basis are of the same views: the same objects (and the same step)."""
    return len(made_from) == len(basis) and all(a is b or (type(a) is int and a == b)
                                                for a, b in zip(made_from, basis))


def feed_of(experiment) -> Feed:
    """`experiment`'s feed, made on first use; it lives as long as the experiment does."""
    with _guard:
        feed = _by_experiment.get(experiment)
        if feed is None:
            feed = _by_experiment[experiment] = Feed(experiment)
            _feeds[feed.token] = feed
        return feed


def _feed(token) -> Feed | None:
    return _feeds.get(token) if isinstance(token, str) else None


def snapshot(token: str, since: int, views: frozenset[str] | None = None) -> dict | None:
    """The snapshot of the feed with `token` (see Feed.snapshot); None for a token no feed has."""
    feed = _feed(token)
    return feed.snapshot(since, views) if feed is not None else None


def continue_typed(token: str, prefix: str) -> dict | None:
    """Feed.continue_typed of the feed with `token`; None for a token no feed has. Raises InputError."""
    feed = _feed(token)
    if not isinstance(prefix, str):
        raise InputError("No prefix was given.")
    return feed.continue_typed(prefix) if feed is not None else None


def train(token: str) -> dict | None:
    """Feed.train of the feed with `token`; None for a token no feed has."""
    feed = _feed(token)
    return feed.train() if feed is not None else None


def pause(token: str) -> dict | None:
    """Feed.pause of the feed with `token`; None for a token no feed has."""
    feed = _feed(token)
    return feed.pause() if feed is not None else None


def too_soon(token: str, asked: str = "poll") -> bool:
    """Whether an ask of the feed with `token` comes too soon after the last of its kind (see Feed.too_soon);
    False for a token no feed has (snapshot then says it is gone)."""
    feed = _feed(token)
    return feed is not None and feed.too_soon(asked)
