// The one channel between a live view and its model (ui.feed_route): the Train page's live panel (ui/live_panel.js)
// and the other pages' status line (ui/live_status.js). A view is an object holding the route's `url`, the session's
// feed `token`, the poll `interval`, the `views` it shows, the published `version` it shows and whether the model is
// `running`; its `root` element, the component's `setTriggerValue`, its `texts` (name -> element) and `show(shown)`.

// What a run of the page hands the view: the model's feed, and whether it trains as of the version it was drawn
// from. A new model (Reset, a lesson) has a new token, and its versions start again.
function adopt(view, data) {
  if (view.token !== data.token) {
    view.version = -1;
    for (const box of [...Object.values(view.texts), ...Object.values(view.charts || {})]) box.__version = -1;
  }
  Object.assign(view, { url: data.url, token: data.token, interval: data.interval, views: data.views });
  view.ranAt = view.asked || 0;  // a run of the page came: the asks made before it are answered
  if (data.version >= view.version) view.running = data.running;
}

// Each text newer than the one shown; then the version shown, and whether the model trains, as the answer says.
function showTexts(view, shown) {
  for (const [key, html] of Object.entries(shown.texts || {})) {
    const box = view.texts[key];
    if (box && fresher(box, html, shown.version)) box.innerHTML = html;
  }
  if (shown.version > view.version) {
    view.version = shown.version;
    if (shown.running !== undefined) view.running = shown.running;
  }
}

function ask(view, query, method) {
  const url = `${view.url}?feed=${encodeURIComponent(view.token)}&${query}`;
  return fetch(url, { method, cache: "no-store", credentials: "same-origin" });
}

// While training: poll for what changed; once the model stops (paused in another tab, diverged, gone), one run
// of the page, so that everything around the view follows.
function poll(view) {
  if (view.polling) return;
  view.polling = true;
  const next = async () => {
    if (!view.root.isConnected || !view.running) { view.polling = false; return; }
    const began = performance.now();
    let wait = view.interval * 1000;
    try {
      const reply = await ask(view, `since=${view.version}&views=${view.views}`, "GET");
      if (reply.status === 404) { view.running = false; view.polling = false; follow(view, "gone"); return; }
      if (reply.ok) {
        const shown = await reply.json();
        const wasRunning = view.running;
        view.show(shown);
        wait = shown.next * 1000;
        if (wasRunning && !view.running) { view.polling = false; follow(view, "stopped"); return; }
      } else if (reply.status !== 429) {  // 429: asked too soon (another tab of this model polls too)
        wait = Math.max(wait, 1000);
      }
    } catch (error) {
      wait = Math.max(wait, 1000);  // a dropped connection: the next poll finds out
    }
    setTimeout(next, Math.max(0, wait - (performance.now() - began)));
  };
  setTimeout(next, view.interval * 1000);
}

// One run of the page, so the sidebar and the rest follow what happened here. Asked again every 2 s until a run
// comes: an ask made while the connection is down is dropped, not queued.
function follow(view, what) {
  const asked = view.asked = (view.asked || 0) + 1;
  const again = () => {
    if (view.asked !== asked || view.ranAt >= asked || !view.root.isConnected) return;
    view.setTriggerValue("pressed", { what, asked });
    setTimeout(again, 2000);
  };
  again();
}
