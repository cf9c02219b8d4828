// Plotly for the pages that draw it, loaded by a page that does not (the Train page draws on canvases) while it is
// still, so that the next page's charts come at once; and the page's first drawn chart, told to the server (whose
// warm-up waits for it). Shared by ui/live_chart.js and ui/live_panel.js, joined before them.

const plotlyReady = {};
function plotlyFrom(url) {  // a classic script, which sets window.Plotly
  if (!plotlyReady[url]) {
    plotlyReady[url] = window.Plotly ? Promise.resolve(window.Plotly) : new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.onload = () => resolve(window.Plotly);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return plotlyReady[url];
}

// Streamlit's chart code first (it sets window.Plotly, so the component's own copy is then not fetched at all).
// Compiling a copy holds the page's main thread, which must not happen while it trains or while the learner is at
// it: one load per still spell (no chart drawn, no run, no click, key, pointer move or scroll in `root` for
// `stillMs`), never two copies together, which would hold a press of Train for both.
const stillness = { lastActive: performance.now(), started: false };
function markActive() {
  stillness.lastActive = performance.now();
}
function loadWhenStill(root, warm, stillMs) {
  for (const kind of ["pointerdown", "pointermove", "keydown", "wheel"]) {
    root.addEventListener(kind, markActive, { capture: true, passive: true });  // the same listener is added once
  }
  if (stillness.started || !warm) return;
  stillness.started = true;
  const loads = [];
  if (warm.module) loads.push(() => import(new URL(warm.module, window.location.origin).href));
  if (warm.library) loads.push(() => plotlyFrom(warm.library));
  const tryNow = () => {
    const left = stillness.lastActive + stillMs - performance.now();
    if (left > 0) { setTimeout(tryNow, left + 50); return; }
    (window.requestIdleCallback || ((then) => setTimeout(then, 0)))(() => {  // Safari has none
      const load = loads.shift();
      if (!load) return;
      Promise.resolve().then(load).catch(() => {}).finally(() => {
        markActive();  // the compile was the page's work: the next copy waits for a still spell of its own
        if (loads.length) setTimeout(tryNow, stillMs);
      });
    });
  };
  setTimeout(tryNow, stillMs);
}

let shownSent = false;
function firstChartShown(url) {  // the server's warm-up waits for the first page on screen
  if (shownSent || !url) return;
  shownSent = true;
  fetch(url, { method: "POST" }).catch(() => {});
}
