"""Charts that stay mounted while training: one small component that keeps a chart in the page and gives it new
data in place: a Plotly figure through `Plotly.react`, or a canvas spec (rnnviz.charts.live) through the page's
own renderer (live_canvas.js), which redraws in about a millisecond.

`st.plotly_chart` hashes the figure into its element's identity, so every change of data remounts the chart
(a blank frame, a lost zoom, the whole figure re-sent). This component is keyed by the view alone: the
browser keeps the same chart node and redraws only what changed; `uirevision` keeps the learner's zoom.
A Plotly figure uses the plotly.js already in the page (window.Plotly), else the installed `plotly` package's,
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

from .live_feed import feed_url
from .live_js import PRELUDE

PACKAGE, NAME = "rnnviz", "live_chart"
COMPONENT = f"{PACKAGE}.{NAME}"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data"
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False, "responsive": True}
# Streamlit's own chart code, which st.plotly_chart fetches the first time a page draws a Plotly chart.
STREAMLIT_JS = Path(streamlit.__file__).parent / "static" / "static" / "js"
STILL_MS = 3000  # a page this long without a chart drawn, a run, a click or a key is still: Plotly may load

# Loads plotly.js once per page (a classic script sets window.Plotly), then draws or re-draws in place.
CANVAS_JS = (Path(__file__).parent / "live_canvas.js").read_text(encoding="utf-8")
JS = PRELUDE + CANVAS_JS + """
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
// A page that needs no Plotly (the Train page) still loads it while it is still, so the next page's charts come at
// once: Streamlit's chart code, which sets window.Plotly, so that this component's own copy is then not fetched
// at all. Compiling a copy holds the page about 0.7 s, which must not happen while it trains or while the learner
// is at it: one load per still spell (no chart drawn, no run, no click, key, pointer move or scroll for STILL_MS).
// Started together, as they were, both copies compiled, and a press just then waited 1.5 s.
let lastActive = performance.now();
const active = () => { lastActive = performance.now(); };
function loadWhenStill(warm) {
  if (window.__rnnvizWarm || !warm) return;
  window.__rnnvizWarm = true;
  for (const kind of ["pointerdown", "pointermove", "keydown", "wheel"]) {
    document.addEventListener(kind, active, { capture: true, passive: true });
  }
  const index = document.querySelector('script[src*="/static/js/index."]');
  const loads = [];
  if (warm.module && index) loads.push(() => import(new URL(warm.module, index.src).href));
  if (warm.library) loads.push(() => plotlyFrom(warm.library));
  const tryNow = () => {
    const left = lastActive + STILL_MS - performance.now();
    if (left > 0) { setTimeout(tryNow, left + 50); return; }
    (window.requestIdleCallback || ((then) => setTimeout(then, 0)))(() => {  // Safari has none
      const load = loads.shift();
      if (!load) return;
      Promise.resolve().then(load).catch(() => {}).finally(() => {
        active();  // the compile was the page's work: the next copy waits for a still spell of its own
        if (loads.length) setTimeout(tryNow, STILL_MS);
      });
    });
  };
  setTimeout(tryNow, STILL_MS);
}
export default function (component) {
  const { data, parentElement } = component;
  active();
  let box = parentElement.querySelector(".rnnviz-live-chart");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-live-chart";
    parentElement.appendChild(box);
  }
  box.style.height = data.height + "px";
  box.__options = { revision: data.revision, config: data.config, library: data.library, shown: data.shown };
  // Draws a figure (JSON) unless it is the one shown, or older; the Train page's feed calls it too. Of figures
  // that come faster than they are drawn only the newest is drawn (see drawSoon).
  box.__draw = () => {
    const options = box.__options, figure = JSON.parse(box.__shown);
    const drawn = () => {
      box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
      active();
      if (!window.__rnnvizShown && options.shown) {  // the server's warm-up waits for the first page on screen
        window.__rnnvizShown = true;
        fetch(options.shown, { method: "POST" }).catch(() => {});
      }
    };
    if (figure.canvas) { drawCanvas(box, figure); drawn(); return; }
    if (box.__canvas) { box.__canvas = null; box.textContent = ""; }
    figure.layout = Object.assign(figure.layout || {}, { uirevision: options.revision, autosize: true });
    plotlyFrom(options.library).then((Plotly) => {
      const next = { data: figure.data, layout: figure.layout, config: options.config };
      if (figure.frames) next.frames = figure.frames;
      Plotly.react(box, next).then(drawn);
    });
  };
  const draw = (text, version) => { if (fresher(box, text, version)) drawSoon(box); };
  if (data.view) (window.__rnnvizCharts = window.__rnnvizCharts || {})[data.view] = draw;
  box.__version = -1;  // a run of the page draws what it was given
  draw(data.figure, data.version);
  loadWhenStill(data.warm);
}
""".replace("STILL_MS", str(STILL_MS))
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
    chunks = sorted(STREAMLIT_JS.glob("PlotlyChart.*.js"))
    return f"./{chunks[0].name}" if chunks else None


def warm_urls() -> dict:
    """What the browser loads when the page is still: Streamlit's Plotly chunk (relative to its own scripts, as
    Streamlit imports it, so that the two are one module) and ui.live_chart's plotly.js."""
    return {"module": streamlit_plotly(), "library": library_url()}


def live_chart(figure, key: str, revision: str = "keep", view: str = "", version: int = 0) -> None:
    """Draw `figure` (a Plotly figure dict or graph object, or a canvas spec of rnnviz.charts.live) under `key`;
    later calls with the same key change the data of the same chart. The learner's zoom and pan are kept until
    `revision` changes (Plotly's uirevision; a canvas chart keeps it while it has data in the zoomed range). The
    Train page's feed (ui.live_feed) redraws it as `view`, with figures newer than the published `version` it was
    drawn from."""
    if isinstance(figure, dict):
        height = figure["height"] if "canvas" in figure else figure["layout"].get("height")
        text = json.dumps(figure, separators=(",", ":"))
    else:
        text, height = figure.to_json(), figure.layout.height
    height = int(height or 360)
    mount = st.components.v2.component(_register(), js=JS, isolate_styles=False)
    mount(key=key, data={"figure": text, "config": PLOTLY_CONFIG, "library": library_url(), "height": height,
                         "revision": revision, "view": view, "version": version, "warm": warm_urls(),
                         "shown": feed_url() + "?shown"},
          height=height)
