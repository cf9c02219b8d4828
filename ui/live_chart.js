// A chart that stays mounted while its data changes (ui.live_chart): a Plotly figure redrawn with Plotly.react, or a
// canvas spec drawn by drawCanvas. Joined after ui/live_updates.js, ui/plotly_warm.js and ui/live_canvas.js.

export default function (component) {
  const { data, parentElement } = component;
  markActive();
  let box = parentElement.querySelector(".rnnviz-live-chart");
  if (!box) {
    box = document.createElement("div");
    box.className = "rnnviz-live-chart";
    parentElement.appendChild(box);
  }
  if (!box.__canvas) box.style.height = data.height + "px";  // a canvas sets its box's height as it paints
  box.__options = { revision: data.revision, config: data.config, library: data.library, shown: data.shown };
  // Draws a figure (JSON) unless it is the one shown, or older. Of figures that come faster than they are drawn
  // only the newest is drawn (see drawSoon).
  box.__draw = () => {
    const options = box.__options, figure = JSON.parse(box.__shown);
    const drawn = () => {
      box.dataset.updates = String(Number(box.dataset.updates || 0) + 1);
      markActive();
      firstChartShown(options.shown);
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
  box.__version = -1;  // a run of the page draws what it was given
  draw(data.figure, data.version);
  loadWhenStill(parentElement, data.warm, data.still_ms);
}
