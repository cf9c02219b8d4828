// The Train page's hidden poller (ui.live_feed.feed), one per page: every data.interval seconds it asks the feed
// route for what changed, hands each text and chart to the view drawn under its key (window.__rnnvizTexts and
// __rnnvizCharts, filled by ui/live_text.js and ui/live_chart.js), and, once the model has stopped, asks for one
// full run of the page. Enter in the prefix box and Pause also go straight to the route.
// A newer mount (another page's run, a new model) ends the one before.

const HOLD_MS = 400;  // the charts wait at most this long for a typed prefix's continuation to show
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
