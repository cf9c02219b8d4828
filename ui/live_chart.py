"""Charts that stay mounted while training: one small component that keeps a chart in the page and gives it new
data in place: a Plotly figure through `Plotly.react`, or a canvas spec (rnnviz.charts.live) through the page's
own renderer (live_canvas.js), which redraws in about a millisecond.

`st.plotly_chart` hashes the figure into its element's identity, so every change of data remounts the chart
(a blank frame, a lost zoom, the whole figure re-sent). This component is keyed by the view alone: the
browser keeps the same chart node and redraws only what changed; `uirevision` keeps the learner's zoom.
A Plotly figure uses the plotly.js already in the page (its global Plotly), else the installed `plotly` package's,
served by Streamlit's own component route. A page that draws only canvases (the Train page) loads Streamlit's own
Plotly once it has been still a while, for the next page's charts.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import plotly
import streamlit
import streamlit as st
from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager
from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

from .feed_route import feed_url
from .live_js import script

PACKAGE, NAME = "rnnviz", "live_chart"
COMPONENT = f"{PACKAGE}.{NAME}"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data"
# Not ui.drawing's PLOTLY_CONFIG: st.plotly_chart sizes its charts itself, while this component's chart follows
# its own box only if Plotly is told to (`responsive`).
LIVE_PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False, "responsive": True}
# Streamlit's own chart code, which st.plotly_chart fetches the first time a page draws a Plotly chart.
STREAMLIT_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
STILL_MS = 3000  # a page this long without a chart drawn, a run, a click or a key is still: Plotly may load

CANVAS_JS = script("live_canvas.js")
JS = script("live_updates.js", "plotly_warm.js", "live_canvas.js", "live_chart.js")
_registered = False


def _register() -> str:
    """Give the component a name whose asset folder is plotly's own, so the browser can fetch plotly.js."""
    global _registered
    manager = get_bidi_component_manager()
    if not _registered or manager.get_component_path(COMPONENT) is None:
        manifest = ComponentManifest(name=PACKAGE, version="1", components=[ComponentConfig(name=NAME, asset_dir=".")])
        manager.register_from_manifest(manifest, PLOTLY_JS)
        _registered = True
    return COMPONENT


def library_url() -> str:
    base = st.get_option("server.baseUrlPath").strip("/")
    return "/" + (base + "/" if base else "") + f"_stcore/bidi-components/{COMPONENT}/plotly.min.js"


@functools.cache
def streamlit_plotly() -> str | None:
    scripts = sorted(STREAMLIT_JS.glob("PlotlyChart.*.js"))
    return scripts[0].name if scripts else None


def warm_urls() -> dict:
    """What the browser loads when the page is still (ui/plotly_warm.js): Streamlit's Plotly script (at the path
    Streamlit's own scripts import it from, so that the two are one module) and ui.live_chart's plotly.js."""
    base = st.get_option("server.baseUrlPath").strip("/")
    module = streamlit_plotly()
    return {"module": "/" + (base + "/" if base else "") + f"static/js/{module}" if module else None,
            "library": library_url()}


def live_chart(figure, key: str, revision: str = "keep", version: int = 0) -> None:
    """Draw `figure` (a Plotly figure dict or graph object, or a canvas spec of rnnviz.charts.live) under `key`;
    later calls with the same key change the data of the same chart. The learner's zoom and pan are kept until
    `revision` changes (Plotly's uirevision; a canvas chart keeps it while it has data in the zoomed range).
    `version`: the published version the figure was made from; an older one never replaces a newer."""
    canvas = isinstance(figure, dict) and "canvas" in figure
    if isinstance(figure, dict):
        height = figure["height"] if canvas else figure["layout"].get("height")
        text = json.dumps(figure, separators=(",", ":"))
    else:
        text, height = figure.to_json(), figure.layout.height
    height = int(height or 360)
    mount = st.components.v2.component(_register(), js=JS, isolate_styles=False)
    mount(key=key, data={"figure": text, "config": LIVE_PLOTLY_CONFIG, "library": library_url(), "height": height,
                         "revision": revision, "version": version, "warm": warm_urls(),
                         "still_ms": STILL_MS, "shown": feed_url() + "?shown"},
          height="content" if canvas else height)  # a canvas grows by the lines its title or legend wraps to
