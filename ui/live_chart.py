"""Charts that stay mounted while training: one small component that keeps a Plotly figure in the page and
gives it new data with `Plotly.react`.

`st.plotly_chart` hashes the figure into its element's identity, so every change of data remounts the chart
(a blank frame, a lost zoom, the whole figure re-sent). This component is keyed by the view alone: the
browser keeps the same chart node and redraws only what changed; `uirevision` keeps the learner's zoom.
plotly.js comes from the installed `plotly` package, served by Streamlit's own component route.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly
import streamlit as st
from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager
from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

from .live_js import PRELUDE

PACKAGE, NAME = "rnnviz", "live_chart"
COMPONENT = f"{PACKAGE}.{NAME}"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data"
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False, "responsive": True}

# Loads plotly.js once per page (a classic script sets window.Plotly), then draws or re-draws in place.
JS = PRELUDE + """
const ready = {};
function plotlyFrom(url) {
  if (!ready[url]) {
    ready[url] = window.Plotly ? Promise.resolve(window.Plotly) : new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return ready[url];
}
export default function (component) {
  const { data, parentElement } = component;
  let box = parentElement.querySelector(".rnnviz-live-chart");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-live-chart";
    parentElement.appendChild(box);
  }
  box.style.height = data.height + "px";
  box.__options = { revision: data.revision, config: data.config, library: data.library };
  // Draws a figure (JSON) unless it is the one shown, or older; the Train page's feed calls it too. Of figures
  // that come faster than they are drawn only the newest is drawn (see drawSoon).
  box.__draw = () => {
    const options = box.__options, figure = JSON.parse(box.__shown);
    figure.layout = Object.assign(figure.layout || {}, { uirevision: options.revision, autosize: true });
    plotlyFrom(options.library).then((Plotly) => {
      const next = { data: figure.data, layout: figure.layout, config: options.config };
      if (figure.frames) next.frames = figure.frames;
      Plotly.react(box, next).then(() => {
        box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
      });
    });
  };
  const draw = (text, version) => { if (fresher(box, text, version)) drawSoon(box); };
  if (data.view) (window.__rnnvizCharts = window.__rnnvizCharts || {})[data.view] = draw;
  box.__version = -1;  // a run of the page draws what it was given
  draw(data.figure, data.version);
}
"""
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


def live_chart(figure, key: str, revision: str = "keep", view: str = "", version: int = 0) -> None:
    """Draw `figure` (a figure dict, as rnnviz.charts.live makes, or a graph object) under `key`; later calls
    with the same key change the data of the same chart. The learner's zoom and pan are kept until
    `revision` changes (Plotly's uirevision). The Train page's feed (ui.live_feed) redraws it as `view`,
    with figures newer than the published `version` it was drawn from."""
    if isinstance(figure, dict):
        text, height = json.dumps(figure, separators=(",", ":")), figure["layout"].get("height")
    else:
        text, height = figure.to_json(), figure.layout.height
    height = int(height or 360)
    mount = st.components.v2.component(_register(), js=JS, isolate_styles=False)
    mount(key=key, data={"figure": text, "config": PLOTLY_CONFIG, "library": library_url(), "height": height,
                         "revision": revision, "view": view, "version": version},
          height=height)
