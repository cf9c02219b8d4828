// A page's hidden status poller (ui.live_feed.feed), one per page, on the pages other than Train (whose live panel
// polls for itself): every data.interval seconds it asks the feed route for what changed, hands each text to the
// view drawn under its key (window.__rnnvizTexts, filled by ui/live_text.js), and, once the model has stopped, asks
// for one full run of the page.
// A newer mount (another page's run, a new model) ends the one before.

function end(feed) {
  feed.alive = false;
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
    const texts = window.__rnnvizTexts || {};
    for (const [view, html] of Object.entries(shown.texts)) texts[view]?.(html, shown.version);
  };
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
