// A chart that stays mounted while training (ui.live_chart): a Plotly figure redrawn with Plotly.react, or a canvas
// spec drawn by drawCanvas (ui/live_canvas.js, joined before this file). Plotly is loaded once per page by a
// classic script, which sets window.Plotly.

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
// at all. Compiling a copy holds the page's main thread, which must not happen while it trains or while the learner
// is at it: one load per still spell (no chart drawn, no run, no click, key, pointer move or scroll for `stillMs`),
// never two copies together, which would hold a press of Train for both.
let lastActive = performance.now();
const active = () => { lastActive = performance.now(); };
function loadWhenStill(warm, stillMs) {
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
    const left = lastActive + stillMs - performance.now();
    if (left > 0) { setTimeout(tryNow, left + 50); return; }
    (window.requestIdleCallback || ((then) => setTimeout(then, 0)))(() => {  // Safari has none
      const load = loads.shift();
      if (!load) return;
      Promise.resolve().then(load).catch(() => {}).finally(() => {
        active();  // the compile was the page's work: the next copy waits for a still spell of its own
        if (loads.length) setTimeout(tryNow, stillMs);
      });
    });
  };
  setTimeout(tryNow, stillMs);
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
  loadWhenStill(data.warm, data.still_ms);
}
