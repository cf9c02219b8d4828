"""The Train page's live panel: Train/Pause, the prefix box and its continuation, the status, the milestones and the
live charts, as one component (ui/live_panel.js, ui/live_panel.css; the charts drawn by ui/live_canvas.js).

It owns its controls and talks to the session's model over one channel, the app's feed route (ui.feed_route):
presses go in, views come out, found by the session's unguessable feed token. A run of the page only hands it
what the worker last published; when the model starts or stops from the panel, the panel asks for one run of the
page, so the sidebar follows.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

from rnnviz.serving.feed import STATUS_INTERVAL, feed_of
from rnnviz.views import train_board

from .feed_route import feed_url
from .live_chart import STILL_MS, warm_urls
from .live_js import script

KEY = "live_panel"
SIDE_BY_SIDE = 3  # the first charts of train_board.CHARTS share a row; the others (the strip) take the full width
SERIES = "series_chart"  # for a series, drawn beside the prefix box in place of the milestones (written out)
PREFIX_LABEL = "Prefix for the model to continue"
PREFIX_HELP = "Press Enter to see the model continue it. Training goes on while you type."


@functools.cache
def _component():
    """Declared on first use, within a script run: app.py imports this module before the server has started."""
    css = (Path(__file__).parent / "live_panel.css").read_text(encoding="utf-8")
    js = script("live_updates.js", "live_channel.js", "plotly_warm.js", "live_canvas.js", "live_panel.js")
    return st.components.v2.component("rnnviz_live_panel", css=css, js=js, isolate_styles=False)


def live_panel(experiment, worker, poll_scale: float = 1.0) -> None:
    """The panel of `experiment`, from what its `worker` last published; while training it polls every
    STATUS_INTERVAL × `poll_scale` seconds (slower in a crowd)."""
    shown = worker.published
    figures = train_board.figures(experiment, shown)
    beside = SERIES if train_board.draws_series(experiment.dataset) else None
    data = {"url": feed_url(), "token": feed_of(experiment).token, "interval": STATUS_INTERVAL * poll_scale,
            "version": shown.version, "running": worker.running, "can_train": not experiment.trainer.diverged,
            "views": ",".join(train_board.TEXTS + train_board.CHARTS),
            "grid": list(train_board.CHARTS[:SIDE_BY_SIDE]), "beside": beside,
            "wide": [key for key in train_board.CHARTS[SIDE_BY_SIDE:] if key != SERIES],
            "prefix": experiment.config.prefix, "prefix_label": PREFIX_LABEL, "prefix_help": PREFIX_HELP,
            "warm": warm_urls(), "still_ms": STILL_MS, "texts": train_board.texts(experiment, shown),
            "charts": {key: json.dumps(figure, separators=(",", ":")) for key, figure in figures.items()}}
    _component()(key=KEY, data=data, on_pressed_change=lambda: None)
