// The Train page's live panel (ui.live_panel): Train/Pause, the prefix box and its continuation, the status, the
// milestones and the live charts, in one component that owns its controls. It speaks to its model over one
// channel, the feed route: presses go in (POST train, pause, prefix), views come out (the answer, and a poll every
// `next` seconds while training). It reads nothing of the page around it. When the model starts or stops here, it
// asks for one run of the page (trigger "pressed"), so the sidebar follows.
// Joined after ui/live_updates.js (fresher, drawSoon, holdCharts), ui/live_channel.js (ask, poll, follow,
// showTexts), ui/plotly_warm.js (loadWhenStill, firstChartShown, markActive) and ui/live_canvas.js (drawCanvas).

const PREFIX_HOLD_MS = 400;  // the charts wait at most this long for a typed prefix's continuation to show

function element(tag, className, parent) {
  const made = document.createElement(tag);
  made.className = className;
  parent.appendChild(made);
  return made;
}

// The panel's elements, made once per mount and kept across the page's runs (a run only brings new data).
// Each view is marked `rnnviz-view-<name>`, by the page's names for its views (rnnviz.views.train_board).
function build(parentElement) {
  const root = element("div", "rnnviz-panel", parentElement);
  const controls = element("div", "rnnviz-panel-controls", root);
  const button = element("button", "rnnviz-train", element("div", "rnnviz-view-train_toggle", controls));
  button.type = "button";
  const status = element("div", "rnnviz-status-line rnnviz-view-train_status", controls);
  const row = element("div", "rnnviz-panel-texts", root);
  const left = element("div", "rnnviz-panel-left", row);
  const label = element("label", "rnnviz-prefix rnnviz-view-prefix", left);
  const caption = element("span", "rnnviz-prefix-label", label);
  const input = element("input", "rnnviz-prefix-input", label);
  input.type = "text";
  input.autocomplete = "off";
  const refusal = element("div", "rnnviz-prefix-refusal", left);
  const continuation = element("div", "rnnviz-continuation rnnviz-view-continuation", left);
  const right = element("div", "rnnviz-panel-right", row);
  const milestones = element("div", "rnnviz-milestones rnnviz-view-milestones", right);
  const grid = element("div", "rnnviz-panel-charts", root);
  const wide = element("div", "rnnviz-panel-wide", root);
  refusal.hidden = true;
  return { root, button, status, caption, input, refusal, continuation, milestones, row, right, grid, wide, charts: {},
           texts: { train_status: status, continuation, milestones } };
}

// A chart's box, made (hidden until it has data) in the order the page lists the charts: the first ones side by
// side, the rest (`wide`) below them at the panel's full width; a series' chart (`beside`) right of the prefix box.
function chartBox(panel, key) {
  let box = panel.charts[key];
  if (!box) {
    const row = key === panel.beside ? panel.right : panel.wideKeys.has(key) ? panel.wide : panel.grid;
    const cell = element("div", `rnnviz-panel-chart rnnviz-view-${key}`, row);
    box = element("div", "rnnviz-live-chart", cell);
    box.cell = cell;
    cell.hidden = true;
    box.__version = -1;
    box.__draw = () => {
      drawCanvas(box, JSON.parse(box.__shown));
      box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
      markActive();
      firstChartShown(panel.shown);
    };
    panel.charts[key] = box;
  }
  return box;
}

// What an answer of the route (or a run of the page) shows: each text and chart newer than the one shown.
function showPanel(panel, shown) {
  for (const [key, figure] of Object.entries(shown.charts || {})) {
    const box = chartBox(panel, key);
    const spec = JSON.parse(figure);
    if (!box.__canvas) box.style.height = `${spec.height}px`;  // a canvas sets its box's height as it paints
    box.cell.hidden = false;
    if (fresher(box, figure, shown.version)) drawSoon(box);
  }
  showTexts(panel, shown);
  panel.button.textContent = panel.running ? "Pause" : "Train";
  panel.root.dataset.running = String(panel.running);
}

async function press(panel) {
  if (panel.busy) return;
  panel.busy = true;
  panel.button.disabled = true;
  const what = panel.running ? "pause" : "train";
  try {
    const reply = await ask(panel, `${what}=1`, "POST");
    if (reply.ok) {
      const shown = await reply.json();  // the status as the press left it: a refused Train (diverged) says Paused
      panel.running = shown.running;
      showPanel(panel, { ...shown, version: Math.max(shown.version, panel.version) });
      if (panel.running) poll(panel);
    }
  } catch (error) {
    // the connection dropped: the button stays as it was, and the learner can press again
  } finally {
    panel.busy = false;
    panel.button.disabled = !panel.canTrain;
    follow(panel, what);
  }
}

async function typed(panel) {
  const prefix = panel.input.value;
  holdCharts(PREFIX_HOLD_MS);  // the continuation first: a chart drawn now would keep the page from showing it
  try {
    const reply = await ask(panel, `prefix=${encodeURIComponent(prefix)}`, "POST");
    const shown = await reply.json();
    if (reply.status === 422) {
      panel.refusal.textContent = `${shown.refused} Still showing the continuation of '${panel.prefix}'.`;
      panel.refusal.hidden = false;
      return;
    }
    if (!reply.ok) return;
    panel.refusal.hidden = true;
    panel.prefix = prefix;
    showPanel(panel, shown);
    follow(panel, "prefix");  // the share link, and (paused) the charts of the new prefix
  } catch (error) {
    // the connection dropped: the learner can press Enter again
  } finally {
    holdCharts(0);
  }
}

export default function ({ data, parentElement, setTriggerValue }) {
  let panel = parentElement.__rnnvizPanel;
  if (!panel || !panel.root.isConnected) {
    panel = parentElement.__rnnvizPanel = build(parentElement);
    panel.version = -1;
    panel.running = false;
    panel.show = (shown) => showPanel(panel, shown);
    panel.button.addEventListener("click", () => press(panel));
    panel.input.addEventListener("keydown", (event) => { if (event.key === "Enter") typed(panel); });
  }
  Object.assign(panel, { canTrain: data.can_train, setTriggerValue, wideKeys: new Set(data.wide), beside: data.beside,
                         shown: data.url + "?shown" });
  adopt(panel, data);
  markActive();
  panel.caption.textContent = data.prefix_label;
  panel.input.title = data.prefix_help;
  if (panel.dataPrefix !== data.prefix && document.activeElement !== panel.input) panel.input.value = data.prefix;
  if (panel.dataPrefix !== data.prefix) panel.prefix = data.prefix;
  panel.dataPrefix = data.prefix;
  panel.row.classList.toggle("rnnviz-panel-series", Boolean(data.beside));
  panel.milestones.hidden = Boolean(data.beside);
  for (const key of [...data.grid, ...data.wide, ...(data.beside ? [data.beside] : [])]) {
    chartBox(panel, key).cell.hidden = !(key in data.charts);
  }
  showPanel(panel, data);
  panel.button.disabled = !panel.canTrain || panel.busy;
  if (panel.running) poll(panel);
  loadWhenStill(panel.root, data.warm, data.still_ms);
}
