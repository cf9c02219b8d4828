// The browser-side rules the kept views share (ui/live_panel.js, ui/live_status.js, ui/live_chart.js, ui/live_text.js),
// written once: which update a view takes, and the one queue in which live charts are drawn.
//
// `fresher(box, content, version)`: whether `content`, made from the published `version`, should replace what `box`
// shows; an older version, or what is shown already, is skipped (the feed and a page's run both bring updates, in
// either order). `drawSoon(box)`: draw `box.__draw()` after the next painted frame, one chart per frame, so that
// what the learner typed, and the texts that came with the charts, show between two charts rather than after all.
// `holdCharts(ms)`: draw no chart for up to `ms` (the learner pressed Enter: its continuation shows first);
// `holdCharts(0)` ends the hold (it has shown).

function fresher(box, content, version) {
  if (version < (box.__version ?? -1) || box.__shown === content) return false;
  box.__version = version;
  box.__shown = content;
  return true;
}
function drawQueue() {
  return window.__rnnvizDrawQueue = window.__rnnvizDrawQueue || { boxes: new Set(), busy: false, until: 0 };
}
function holdCharts(ms) {
  drawQueue().until = performance.now() + ms;
}
function drawSoon(box) {
  const queue = drawQueue();
  queue.boxes.add(box);
  if (queue.busy) return;
  queue.busy = true;
  const next = () => setTimeout(() => {
    const held = queue.until - performance.now();
    if (held > 0) return setTimeout(() => requestAnimationFrame(next), Math.min(held, 50));
    const [first] = queue.boxes;
    queue.boxes.delete(first);
    try {
      if (first.isConnected) first.__draw();
    } finally {  // a chart that fails to draw must not stop the others
      if (queue.boxes.size) requestAnimationFrame(next);
      else queue.busy = false;
    }
  }, 0);
  requestAnimationFrame(next);
}
