// The Train page's canvas charts: draws the specs of rnnviz.charts.live ({canvas: "lines" | "grid" | "strip" |
// "note", ...}) into one <canvas> that stays in the page. A canvas redraw is far cheaper than Plotly's
// (docs/benchmarks.md), and on a small machine that browser time comes out of training. Hover shows the value
// under the pointer; the canvas's aria-label says in words what it shows.

const INK = "#444", GRID = "#e5e5e5", NAN_FILL = "#cccccc";

function fontFamily() {
  return getComputedStyle(document.body).fontFamily || "sans-serif";
}

// Sets the font, and notes the smallest drawn (the projector test reads it: nothing under 14 px).
function useFont(view, ctx, size, bold) {
  ctx.font = `${bold ? "bold " : ""}${size}px ${view.family}`;
  view.smallest = Math.min(view.smallest, size);
}

// A value as a learner reads it: three significant digits, and very large or small ones as 2.35×10⁻⁵.
function number(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e4 || size < 1e-3)) {
    const exponent = Math.floor(Math.log10(size)), mantissa = +(value / 10 ** exponent).toPrecision(3);
    return `${String(mantissa).replace("-", "−")}×10${superscript(exponent)}`;
  }
  return String(+value.toPrecision(3)).replace("-", "−");
}

const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const superscript = (exponent) => String(exponent).split("").map((c) => SUPER[c]).join("");
// 10^exponent as rnnviz.charts.style.power_text writes it: 0.01 … 1000 written out, other decades as powers.
function power(exponent) {
  if (exponent >= -2 && exponent <= 3) return String(+(10 ** exponent).toPrecision(1));
  return "10" + superscript(exponent);
}

// About `count` round ticks (1, 2 or 5 times a power of ten) from low to high.
function niceTicks(low, high, count) {
  if (!(high > low)) return [low];
  const rough = (high - low) / Math.max(1, count), magnitude = 10 ** Math.floor(Math.log10(rough));
  const fit = (s) => Math.abs(Math.log(s / rough));  // the round step nearest the rough one
  const step = [1, 2, 5, 10].map((k) => k * magnitude).reduce((best, s) => (fit(s) < fit(best) ? s : best));
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function parseScale(scale) {
  return scale.map(([at, colour]) => [at, colour.match(/[\d.]+/g).slice(0, 3).map(Number)]);
}

// The colour of `value` on a diverging scale over ±bound, as [r, g, b].
function colourOf(stops, value, bound) {
  if (value === null || !Number.isFinite(value)) return null;
  const at = Math.min(1, Math.max(0, (value + bound) / (2 * bound)));
  let k = 1;
  while (k < stops.length - 1 && stops[k][0] < at) k += 1;
  const [a, ca] = stops[k - 1], [b, cb] = stops[k], f = b > a ? (at - a) / (b - a) : 0;
  return ca.map((c, i) => Math.round(c + (cb[i] - c) * f));
}

// The title, cut into lines at its " · " (or at spaces) to fit the width; returns the y below it.
// The title's lines: split at " · " and between words where the chart is too narrow for one line.
function titleLines(view, ctx, spec, width) {
  useFont(view, ctx, spec.title_font, false);
  const lines = [];
  for (const part of spec.title.split(" · ")) {
    const joined = lines.length ? lines[lines.length - 1] + " · " + part : part;
    if (lines.length && ctx.measureText(joined).width <= width - 16) { lines[lines.length - 1] = joined; continue; }
    let line = "";
    for (const word of part.split(" ")) {
      const longer = line ? line + " " + word : word;
      if (line && ctx.measureText(longer).width > width - 16) { lines.push(line); line = word; } else line = longer;
    }
    lines.push(line);
  }
  return lines;
}

function drawTitle(view, ctx, spec, width) {
  const lines = titleLines(view, ctx, spec, width);
  ctx.fillStyle = INK;
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  const step = spec.title_font * 1.25;
  lines.forEach((line, k) => ctx.fillText(line, 8, 8 + k * step));
  return 8 + lines.length * step + 6;
}

function drawNote(view, ctx, spec, area) {
  useFont(view, ctx, spec.font + 2, false);
  ctx.fillStyle = "#666";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(spec.note, area.width / 2, (area.top + area.height) / 2, area.width - 16);
  return null;
}

function dashedLine(ctx, x0, y0, x1, y1, colour, width, dash) {
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.restore();
}

function arrowHead(ctx, x, y, dx, dy, size) {  // a filled triangle pointing along (dx, dy), its tip at (x, y)
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x - dx * size - dy * size * 0.6, y - dy * size + dx * size * 0.6);
  ctx.lineTo(x - dx * size + dy * size * 0.6, y - dy * size - dx * size * 0.6);
  ctx.closePath();
  ctx.fill();
}

// Lines over x, on a linear or log y axis, with a legend above the plot; hover finds the nearest point. With
// spec.zoom, a drag over the plot zooms in (a flat drag: x only, the y axis fitting what is in view) and a double
// click zooms out; the zoom is kept while the data changes (view.zoom).
function drawLines(view, ctx, spec, area) {
  const fine = (y) => y !== null && Number.isFinite(y) && (!spec.y_log || y > 0);
  const all = spec.series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]])).filter(([, y]) => fine(y));
  if (!all.length) return drawNote(view, ctx, { ...spec, note: "No finite values to draw yet." }, area);
  const ty = (y) => (spec.y_log ? Math.log10(y) : y);
  let zoom = spec.zoom ? view.zoom : null;
  const xs = all.map((p) => p[0]);
  if (zoom && (zoom.x[1] < Math.min(...xs) || zoom.x[0] > Math.max(...xs))) zoom = view.zoom = null;  // a new model
  const points = zoom ? all.filter(([x]) => x >= zoom.x[0] && x <= zoom.x[1]) : all;
  const ys = (points.length ? points : all).map((p) => ty(p[1]));
  let [x0, x1] = zoom ? zoom.x : [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  if (y1 === y0) { y0 -= spec.y_log ? 0.5 : Math.abs(y0) * 0.1 || 1; y1 += spec.y_log ? 0.5 : Math.abs(y1) * 0.1 || 1; }
  if (!zoom) { const xPad = (x1 - x0) * 0.03; [x0, x1] = [x0 - xPad, x1 + xPad]; }
  if (zoom && zoom.y) [y0, y1] = zoom.y;
  else { const yPad = (y1 - y0) * 0.08; [y0, y1] = [y0 - yPad, y1 + yPad]; }
  const bottom = area.height - (spec.tick_font * 1.4 + spec.font * 1.4 + 8);
  const legend = legendLayout(view, ctx, spec, area, bottom), top = area.top + 4 + legend.above;
  const room = Math.max(3, Math.floor((bottom - top) / 30));  // tick labels a plot's height holds
  let yTicks;  // [position on the axis, label]
  if (spec.y_log) {
    const decades = [], every = Math.max(1, Math.ceil((Math.floor(y1) - Math.ceil(y0) + 1) / room));  // 30 decades
    for (let e = Math.ceil(y0); e <= Math.floor(y1); e += every) decades.push([e, power(e)]);
    yTicks = decades.length >= 2 ? decades
      : niceTicks(10 ** y0, 10 ** y1, 4).filter((v) => v > 0).map((v) => [Math.log10(v), number(v)]);
  } else {
    yTicks = niceTicks(y0, y1, Math.min(5, room)).map((v) => [v, number(v)]);
  }
  useFont(view, ctx, spec.tick_font, false);
  const labelWidth = Math.max(...yTicks.map(([, text]) => ctx.measureText(text).width));
  const plot = { left: 8 + spec.font * 1.3 + labelWidth + 8, right: area.width - 16, top, bottom };
  const px = (x) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const py = (y) => plot.bottom - ((y - y0) / (y1 - y0)) * (plot.bottom - plot.top);
  view.axes = { plot, x: (at) => x0 + ((at - plot.left) / (plot.right - plot.left)) * (x1 - x0),
                y: (at) => y0 + ((plot.bottom - at) / (plot.bottom - plot.top)) * (y1 - y0) };
  view.canvas.dataset.xRange = [x0, x1].map((v) => v.toFixed(3)).join(",");
  const xTicks = niceTicks(x0, x1, Math.max(3, Math.floor((plot.right - plot.left) / 60)))
    .filter((v) => v >= x0 && v <= x1 && (v === Math.round(v) || x1 - x0 < 5));
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.fillStyle = INK;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  let lastY = Infinity;
  for (const [at, text] of yTicks) {
    if (at < y0 || at > y1 || Math.abs(py(at) - lastY) < spec.tick_font * 1.2) continue;  // no label over another
    lastY = py(at);
    ctx.beginPath(); ctx.moveTo(plot.left, py(at)); ctx.lineTo(plot.right, py(at)); ctx.stroke();
    ctx.fillText(text, plot.left - 6, py(at));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const at of xTicks) {
    ctx.beginPath(); ctx.moveTo(px(at), plot.top); ctx.lineTo(px(at), plot.bottom); ctx.stroke();
    ctx.fillText(number(at), px(at), plot.bottom + 5);
  }
  useFont(view, ctx, spec.font, false);
  ctx.fillText(spec.x_title, (plot.left + plot.right) / 2, plot.bottom + spec.tick_font * 1.4 + 6);
  ctx.save();
  ctx.translate(8, (plot.top + plot.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(spec.y_title, 0, 0);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.left, plot.top - 6, plot.right - plot.left, plot.bottom - plot.top + 12);
  ctx.clip();
  const drawn = [];
  for (const series of spec.series) {
    const at = series.x.map((x, i) => {
      const y = series.y[i];
      return fine(y) ? [px(x), py(ty(y)), x, y] : null;
    });
    ctx.strokeStyle = ctx.fillStyle = series.colour;
    ctx.lineWidth = series.width;
    ctx.setLineDash(series.dash ? [9, 6] : []);
    ctx.beginPath();
    let open = false;
    for (const point of at) {
      if (!point) { open = false; continue; }
      if (open) ctx.lineTo(point[0], point[1]); else ctx.moveTo(point[0], point[1]);
      open = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (const point of at) {
      if (!point) continue;
      if (series.markers) { ctx.beginPath(); ctx.arc(point[0], point[1], series.markers / 2, 0, 2 * Math.PI); ctx.fill(); }
      drawn.push({ px: point[0], py: point[1], x: point[2], y: point[3], name: series.name });
    }
  }
  ctx.restore();
  drawLegend(ctx, spec, legend, plot, area);
  return (mx, my) => {
    let best = null, distance = 24;
    for (const point of drawn) {
      const d = Math.hypot(point.px - mx, point.py - my);
      if (d < distance) { best = point; distance = d; }
    }
    if (!best) return null;
    const text = spec.hover.replace("{x}", number(best.x)).replace("{y}", number(best.y));
    return `${best.name} · ${text}`;
  };
}

// Where the legend goes: in rows above the plot, never over it (inside, even in a corner, it hid the lines' ends).
function legendLayout(view, ctx, spec, area, bottom) {
  useFont(view, ctx, spec.font - 1, false);
  const rowHeight = spec.font * 1.3, sample = 30;
  const keys = spec.legend || spec.series;  // spec.legend: fewer entries than lines (a colour per layer, a dash per kind)
  const entries = keys.map((series) => ({ series, width: ctx.measureText(series.name).width + sample + 18 }));
  const rows = [[]];
  let used = 0;
  for (const entry of entries) {
    if (used + entry.width > area.width - 24 && rows[rows.length - 1].length) { rows.push([]); used = 0; }
    rows[rows.length - 1].push(entry);
    used += entry.width;
  }
  return { inside: false, rows, rowHeight, sample, above: rows.length * rowHeight + 2 };
}

function drawLegend(ctx, spec, legend, plot, area) {
  const { rowHeight, sample } = legend;
  const entry = (series, x, y) => {
    dashedLine(ctx, x, y, x + sample, y, series.colour, series.width, series.dash ? [7, 4] : []);
    ctx.fillStyle = INK;
    ctx.fillText(series.name, x + sample + 6, y);
  };
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  let right = 12;
  legend.rows.forEach((row, k) => {
    let x = 12;
    for (const e of row) { entry(e.series, x, area.top + rowHeight * (k + 0.5)); x += e.width; }
    right = Math.max(right, x);
  });
  // Both boxes (left, top, right, bottom in CSS px of the canvas), for a layout test to check they do not meet.
  ctx.canvas.dataset.plotBox = [plot.left, plot.top, plot.right, plot.bottom].map(Math.round).join(",");
  ctx.canvas.dataset.legendBox = [12, area.top, right, area.top + rowHeight * legend.rows.length].map(Math.round).join(",");
}

// The colour bar at the right of a plot: the scale from −bound (bottom) to +bound (top), with its ticks.
function colourBar(view, ctx, spec, stops, left, top, bottom) {
  const height = bottom - top;
  for (let y = 0; y < height; y += 1) {
    const [r, g, b] = colourOf(stops, spec.bound - (2 * spec.bound * y) / height, spec.bound);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(left, top + y, 18, 1.5);
  }
  useFont(view, ctx, spec.tick_font, false);
  ctx.fillStyle = INK;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  spec.ticks.values.forEach((value, k) => {
    const y = top + ((spec.bound - value) / (2 * spec.bound)) * height;
    ctx.fillText(spec.ticks.texts[k], left + 24, y);
  });
  useFont(view, ctx, spec.font, false);
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(spec.scale_title, left + 9, top - 4);
}

// A cells × steps image of one panel's values (row 0 at the bottom), drawn scaled without smoothing.
function cellsImage(z, stops, bound) {
  const rows = z.length, columns = rows ? z[0].length : 0;
  const image = new ImageData(Math.max(1, columns), Math.max(1, rows));
  z.forEach((row, r) => row.forEach((value, c) => {
    const colour = colourOf(stops, value, bound) || [204, 204, 204];
    const at = ((rows - 1 - r) * columns + c) * 4;
    image.data.set([...colour, 255], at);
  }));
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext("2d").putImageData(image, 0, 0);
  return canvas;
}

// Hidden state: one heatmap panel per layer (units up, time steps across), the symbols read below, a colour bar.
function drawGrid(view, ctx, spec, area) {
  const stops = parseScale(spec.scale), steps = spec.x_labels.length, layers = spec.panels.length;
  useFont(view, ctx, spec.tick_font, false);
  const barLabels = Math.max(...spec.ticks.texts.map((text) => ctx.measureText(text).width));
  const maxUnit = Math.max(...spec.panels.map((p) => p.z.length)) - 1;
  const unitWidth = ctx.measureText(String(maxUnit)).width;
  const plot = { left: 8 + spec.font * 1.3 + unitWidth + 8, right: area.width - (18 + 24 + barLabels + 12),
                 top: area.top + 4, bottom: area.height - (spec.tick_font * 1.4 + spec.font * 1.4 + 8) };
  const gap = layers > 1 ? 12 : 0, panelHeight = (plot.bottom - plot.top - gap * (layers - 1)) / layers;
  const columnWidth = (plot.right - plot.left) / Math.max(1, steps);
  ctx.imageSmoothingEnabled = false;
  const panels = spec.panels.map((panel, k) => {
    const top = plot.top + k * (panelHeight + gap), units = panel.z.length;
    ctx.drawImage(cellsImage(panel.z, stops, spec.bound), plot.left, top, plot.right - plot.left, panelHeight);
    useFont(view, ctx, spec.tick_font, false);
    ctx.fillStyle = INK;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const rowHeight = panelHeight / Math.max(1, units);
    for (const unit of niceTicks(0, units - 1, Math.max(2, Math.floor(panelHeight / 40)))) {
      if (unit !== Math.round(unit)) continue;
      ctx.fillText(String(unit), plot.left - 6, top + panelHeight - (unit + 0.5) * rowHeight);
    }
    if (spec.divider !== null) {
      const x = plot.left + spec.divider * columnWidth;
      dashedLine(ctx, x, top, x, top + panelHeight, "#222", 3, [8, 5]);
    }
    useFont(view, ctx, spec.font, false);
    const name = ctx.measureText(panel.name).width <= panelHeight ? panel.name : panel.short;
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.translate(8, top + panelHeight / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(name, 0, 0);
    ctx.restore();
    return { top, units, rowHeight, z: panel.z, layer: k };
  });
  // The symbols read at each step, under the last panel: every k-th when they would crowd each other.
  useFont(view, ctx, spec.tick_font, false);
  const widest = Math.max(8, ...spec.x_labels.map((label) => ctx.measureText(label).width)) + 8;
  const every = Math.max(1, Math.ceil(widest / columnWidth));
  ctx.fillStyle = INK;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let t = 0; t < steps; t += every) ctx.fillText(spec.x_labels[t], plot.left + (t + 0.5) * columnWidth, plot.bottom + 5);
  useFont(view, ctx, spec.font, false);
  ctx.fillText(spec.x_title, (plot.left + plot.right) / 2, plot.bottom + spec.tick_font * 1.4 + 6);
  colourBar(view, ctx, spec, stops, plot.right + 10, plot.top + spec.font * 1.2, plot.bottom);
  return (mx, my) => {
    if (mx < plot.left || mx >= plot.right) return null;
    const panel = panels.find((p) => my >= p.top && my < p.top + panelHeight);
    if (!panel) return null;
    const t = Math.floor((mx - plot.left) / columnWidth);
    const unit = panel.units - 1 - Math.floor((my - panel.top) / panel.rowHeight);
    const value = panel.z[unit] ? panel.z[unit][t] : null;
    const text = spec.hover.replace("{x}", t).replace("{label}", spec.x_labels[t] ?? "")
      .replace("{y}", unit).replace("{z}", number(value));
    return layers > 1 ? `layer ${panel.layer + 1} · ${text}` : text;
  };
}

// Labels centred at each slot, every k-th when they would crowd each other.
function slotLabels(ctx, texts, slot, left, y) {
  const widest = Math.max(...texts.map((text) => ctx.measureText(text).width)) + 6;
  const every = Math.max(1, Math.ceil(widest / slot));
  texts.forEach((text, t) => { if (t % every === 0) ctx.fillText(text, left + (t + 0.5) * slot, y); });
}

// The recurrence unrolled: per time step a column of h_t's colours, y_t above it, the cell below, x_t under it.
function drawStrip(view, ctx, spec, area) {
  const stops = parseScale(spec.scale), steps = spec.inputs.length, units = spec.z.length;
  const left = 10, slot = (area.width - 20) / steps;
  const label = spec.font * 1.35, box = Math.max(24, spec.font * 1.9), arrow = 14;
  const top = area.top + 2, bottom = area.height - 4;
  const heatTop = top + label, heatBottom = bottom - label - box - arrow - 4;
  const boxTop = heatBottom + arrow + 2, middle = boxTop + box / 2;
  const columnWidth = Math.max(2, slot - 10), boxWidth = slot * 0.72;
  if (spec.divider !== null) {
    const x = left + spec.divider * slot;
    dashedLine(ctx, x, top, x, bottom, "#444", 2, [8, 5]);
  }
  ctx.imageSmoothingEnabled = false;
  const image = cellsImage(spec.z, stops, spec.bound), rowHeight = (heatBottom - heatTop) / Math.max(1, units);
  for (let t = 0; t < steps; t += 1) {
    const centre = left + (t + 0.5) * slot;
    // h_t: column t of the image, each unit a row with a 1 px gap between rows
    for (let unit = 0; unit < units; unit += 1) {
      ctx.drawImage(image, t, units - 1 - unit, 1, 1, centre - columnWidth / 2, heatBottom - (unit + 1) * rowHeight,
                    columnWidth, Math.max(1, rowHeight - 1));
    }
    ctx.fillStyle = ctx.strokeStyle = spec.cell_line;
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(centre, boxTop); ctx.lineTo(centre, heatBottom + 3); ctx.stroke();
    arrowHead(ctx, centre, heatBottom + 1, 0, -1, 9);
    if (t + 1 < steps) {
      const from = centre + boxWidth / 2, to = left + (t + 1.5) * slot - boxWidth / 2;
      ctx.beginPath(); ctx.moveTo(from, middle); ctx.lineTo(to - 2, middle); ctx.stroke();
      arrowHead(ctx, to, middle, 1, 0, 9);
    }
    ctx.fillStyle = spec.divider !== null && t >= spec.divider ? spec.written_fill : spec.cell_fill;
    ctx.fillRect(centre - boxWidth / 2, boxTop, boxWidth, box);
    ctx.lineWidth = 3;
    ctx.strokeRect(centre - boxWidth / 2, boxTop, boxWidth, box);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  useFont(view, ctx, spec.font - 2, false);
  if (ctx.measureText(spec.cell).width < boxWidth - 6) {
    ctx.fillStyle = spec.cell_line;
    for (let t = 0; t < steps; t += 1) ctx.fillText(spec.cell, left + (t + 0.5) * slot, middle);
  }
  ctx.fillStyle = INK;
  useFont(view, ctx, spec.font, false);
  slotLabels(ctx, spec.inputs, slot, left, boxTop + box + label / 2 + 1);
  useFont(view, ctx, spec.font - 1, true);
  slotLabels(ctx, spec.outputs, slot, left, top + label / 2);
  return (mx, my) => {
    const t = Math.floor((mx - left) / slot), centre = left + (t + 0.5) * slot;
    if (t < 0 || t >= steps) return null;
    if (my < heatTop) return `step ${t}: the model's most likely next symbol is ${spec.outputs[t]}`;
    if (my >= boxTop) return `step ${t}: the ${spec.cell} cell reads ${spec.inputs[t]} and h from step ${t - 1}`;
    if (my >= heatBottom || Math.abs(mx - centre) > columnWidth / 2) return null;
    const unit = Math.floor((heatBottom - my) / rowHeight);
    return spec.hover.replace("{x}", t).replace("{y}", unit).replace("{z}", number(spec.z[unit]?.[t] ?? null));
  };
}

const KINDS = { note: drawNote, lines: drawLines, grid: drawGrid, strip: drawStrip };

// What the chart shows, in words (the canvas's aria-label; the browser tests read it too).
function describe(spec) {
  if (spec.canvas === "note") return `${spec.title}: ${spec.note}`;
  if (spec.canvas === "lines") return `${spec.title}; lines: ${spec.series.map((s) => s.name).join(", ")}`;
  if (spec.canvas === "grid") {
    return `${spec.title}; ${spec.panels.map((p) => `${p.name}: ${p.z.length} units`).join(", ")}; ` +
      `symbols read: ${spec.x_labels.join(" ")}`;
  }
  return `${spec.title}; inputs: ${spec.inputs.join(", ")}; outputs: ${spec.outputs.join(", ")}`;
}

// A title or legend that wraps to more lines makes the chart taller by them, so that the plot keeps its height in a
// narrow column (at 1280 px the loss and gradient plots were left a third of their height).
function wrapGrowth(view, spec, width) {
  const ctx = view.canvas.getContext("2d");
  let growth = (titleLines(view, ctx, spec, width).length - 1) * spec.title_font * 1.25;
  if (spec.canvas === "lines" && (spec.legend || spec.series || []).length) {
    const legend = legendLayout(view, ctx, spec, { width });
    growth += (legend.rows.length - 1) * legend.rowHeight;
  }
  return growth;
}

function paint(view) {
  const { canvas, spec } = view, width = Math.max(120, canvas.clientWidth);
  view.family = fontFamily();
  const height = spec.height + wrapGrowth(view, spec, width);
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.height = height + "px";
    canvas.parentElement.style.height = height + "px";  // its box, set to the spec's height before the first paint
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  view.smallest = Infinity;
  const top = drawTitle(view, ctx, spec, width);
  view.axes = null;
  view.hit = (KINDS[spec.canvas] || drawNote)(view, ctx, spec, { width, height, top });
  canvas.setAttribute("aria-label", describe(spec));
  canvas.dataset.smallestFont = String(view.smallest);
}

function showTip(view, event) {
  const rect = view.canvas.getBoundingClientRect();
  const text = view.hit ? view.hit(event.clientX - rect.left, event.clientY - rect.top) : null;
  if (!text) { view.tip.style.display = "none"; return; }
  view.tip.textContent = text;
  view.tip.style.display = "block";
  const x = Math.min(event.clientX - rect.left + 14, rect.width - view.tip.offsetWidth - 4);
  view.tip.style.left = Math.max(0, x) + "px";
  view.tip.style.top = Math.max(0, event.clientY - rect.top - view.tip.offsetHeight - 8) + "px";
}

// A drag over the plot of a zoomable chart zooms in to it (a flat drag: x only), a double click zooms out. The
// pointer is captured while dragging, so a drag that ends outside the chart still ends.
function zoomable(view, box) {
  const band = document.createElement("div");
  band.style.cssText = "position:absolute;display:none;pointer-events:none;background:rgba(31,111,180,0.12);" +
    "border:1px solid rgba(31,111,180,0.6)";
  box.append(band);
  const canvas = view.canvas;
  let start = null;
  const at = (event) => {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };
  const inside = ([x, y], plot) => x >= plot.left && x <= plot.right && y >= plot.top && y <= plot.bottom;
  const flat = (a, b) => Math.abs(a[1] - b[1]) < 12;
  canvas.addEventListener("pointerdown", (event) => {
    const point = at(event);
    if (event.button !== 0 || !view.spec.zoom || !view.axes || !inside(point, view.axes.plot)) return;
    start = point;
    canvas.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!start || !view.axes) return;
    const [x, y] = at(event), plot = view.axes.plot;
    const [top, bottom] = flat(start, [x, y]) ? [plot.top, plot.bottom] : [Math.min(start[1], y), Math.max(start[1], y)];
    Object.assign(band.style, { display: "block", left: Math.min(start[0], x) + "px", width: Math.abs(x - start[0]) + "px",
                                top: top + "px", height: bottom - top + "px" });
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!start) return;
    const end = at(event), axes = view.axes, from = start;
    start = null;
    band.style.display = "none";
    if (!axes || Math.abs(end[0] - from[0]) < 5) return;
    const x = [axes.x(Math.min(from[0], end[0])), axes.x(Math.max(from[0], end[0]))];
    view.zoom = flat(from, end) ? { x } : { x, y: [axes.y(Math.max(from[1], end[1])), axes.y(Math.min(from[1], end[1]))] };
    paint(view);
  });
  canvas.addEventListener("dblclick", () => { view.zoom = null; paint(view); });
}

// Draws `spec` into `box`, keeping its canvas (and the learner's pointer over it) from one update to the next.
function drawCanvas(box, spec) {
  let view = box.__canvas;
  if (!view) {
    if (window.Plotly && box.classList.contains("js-plotly-plot")) window.Plotly.purge(box);
    box.textContent = "";
    box.style.position = "relative";
    const canvas = document.createElement("canvas"), tip = document.createElement("div");
    canvas.className = "rnnviz-canvas";
    canvas.setAttribute("role", "img");
    canvas.style.cssText = "display:block;width:100%";
    tip.className = "rnnviz-canvas-tip";
    tip.style.cssText = "position:absolute;display:none;pointer-events:none;white-space:nowrap;z-index:2;" +
      "background:rgba(255,255,255,0.95);border:1px solid #888;border-radius:4px;padding:2px 6px;font-size:16px";
    box.append(canvas, tip);
    view = box.__canvas = { canvas, tip, spec, hit: null, pointer: null };
    canvas.addEventListener("mousemove", (event) => { view.pointer = event; showTip(view, event); });
    canvas.addEventListener("mouseleave", () => { view.pointer = null; tip.style.display = "none"; });
    zoomable(view, box);
    new ResizeObserver(() => paint(view)).observe(canvas);
  }
  view.spec = spec;
  paint(view);
  if (view.pointer) showTip(view, view.pointer);  // the value under a still pointer follows the new data
}
