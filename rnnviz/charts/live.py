"""The Train page's live charts as plain Plotly figure dicts, cheap enough to rebuild several times a second.

The figures of the other chart modules go through plotly.graph_objects, which checks every property: too slow
to rebuild several times a second while training waits (docs/notes.md). These build the same kind of
figure as dicts ({"data": [...], "layout": {...}}), which `plotly.io.to_json` and plotly.js take as they are.
Each says what a learner should see, like every chart function.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from rnnviz.charts.style import (
    ACCENT,
    FONT_SIZE,
    HEIGHT,
    HIDDEN_SCALE,
    RAW_COLOUR,
    SMOOTH_COLOUR,
    TITLE_SIZE,
    as_array,
    diverging_colour,
    layer_colour,
    positive,
    readable,
)
from rnnviz.charts.training import smoothed
from rnnviz.charts.unrolled import CELL_FILL, CELL_LINE
from rnnviz.choices import CELL_NAMES

LIVE_POINTS = 600  # points per line sent to the browser, several times a second
GENERATED_FILL = "#fbe3cc"
CELL_LOW, CELL_HIGH = -4.6, -1.6  # where the strip's cell boxes sit, below the h_t columns (rows 0 … units−1)


def _figure(data: list, title: str, uirevision: str, height: int = HEIGHT, **layout) -> dict:
    """A figure dict with the shared look (as rnnviz.charts.style.styled gives a graph object)."""
    settings = dict(
        title=dict(text=title, font=dict(size=TITLE_SIZE), x=0.01, xanchor="left"),
        font=dict(size=FONT_SIZE), height=height, margin=dict(l=70, r=20, t=45, b=50), uirevision=uirevision,
        # inside the plot: in a third of a projector's width a legend beside the title would cover it
        legend=dict(yanchor="top", y=0.99, xanchor="right", x=0.99, bgcolor="rgba(255,255,255,0.75)"),
        hoverlabel=dict(font_size=FONT_SIZE), plot_bgcolor="#ffffff",
        xaxis=dict(gridcolor="#e5e5e5"), yaxis=dict(gridcolor="#e5e5e5"))
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**settings[axis], **layout.get(axis, {})}
    settings.update(layout)
    return {"data": data, "layout": settings}


def _note(message: str, title: str, uirevision: str, height: int) -> dict:
    return _figure([], title, uirevision, height, xaxis=dict(visible=False), yaxis=dict(visible=False),
                   annotations=[dict(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                                     font=dict(size=FONT_SIZE + 2, color="#666"))])


def _values(array) -> list:
    """Numbers for JSON: NaN and infinities become gaps (null)."""
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(array, dtype=float).ravel()]


def _thinned(count: int, most: int = LIVE_POINTS) -> np.ndarray:
    """Indices of every k-th of `count` points (and always the last), at most about `most` of them."""
    stride = max(1, math.ceil(count / most))
    return np.unique(np.append(np.arange(0, count, stride), count - 1))


def live_loss_figure(rows, perplexity: bool = False, height: int = HEIGHT, uirevision: str = "loss") -> dict:
    """The loss at every step (pale, jumpy: each batch differs), smoothed (the trend), and held-out (dots).

    What to see: the smoothed line falling means the model is learning; the held-out loss should fall
    with it. For character data the title reads the trend as perplexity, e^loss: how many symbols the
    model is still choosing between.
    """
    title = "Loss"
    if not rows:
        return _note("Press Train or Step: the loss of each step appears here.", title, uirevision, height)
    steps = np.fromiter((row["step"] for row in rows), dtype=float, count=len(rows))
    loss = np.fromiter((row["loss"] for row in rows), dtype=float, count=len(rows))
    held = np.fromiter((row["val_loss"] for row in rows), dtype=float, count=len(rows))
    trend = smoothed(pd.Series(loss)).to_numpy()
    keep = _thinned(len(rows))
    data = [dict(type="scatter", x=steps[keep].tolist(), y=_values(loss[keep]), name="loss (each step)",
                 mode="lines", line=dict(color=RAW_COLOUR, width=1.5)),
            dict(type="scatter", x=steps[keep].tolist(), y=_values(trend[keep]), name="smoothed",
                 mode="lines", line=dict(color=SMOOTH_COLOUR, width=3.5))]
    checked = np.flatnonzero(np.isfinite(held))
    if checked.size:
        checked = checked[_thinned(checked.size)]
        data.append(dict(type="scatter", x=steps[checked].tolist(), y=_values(held[checked]), name="held-out",
                         mode="lines+markers", line=dict(color=ACCENT, width=2), marker=dict(size=8)))
    latest = float(trend[-1])
    title = f"Loss · {latest:.3g} at step {int(steps[-1])}"
    if perplexity and math.isfinite(latest) and latest < 50:
        title += f" · perplexity {math.exp(latest):.3g}"
    return _figure(data, title, uirevision, height, xaxis=dict(title="training step"), yaxis=dict(title="loss"))


def live_step_grad_figure(grad_norms, grad_norms_last=None, step: int | None = None, height: int = HEIGHT,
                          clipping: tuple[float, float] | None = None, uirevision: str = "step_grad") -> dict:
    """‖∂L/∂h_t‖ at each time step t of the latest logged batch, one colour per layer, on a log scale.

    What to see: the solid line is the whole loss's gradient, the dashed one the last step's loss only.
    Read the dashed line from right to left: falling by orders of magnitude, the error at the end barely
    reaches the early steps (vanishing gradients); climbing, it explodes. `clipping`: the latest step's whole
    gradient norm before and after clipping, shown in the title when clipping changed it.
    """
    title = "Gradient at each time step"
    if grad_norms is None:
        return _note("Press Train or Step: the gradients of a batch appear here.", title, uirevision, height)
    total = as_array(grad_norms)
    last = None if grad_norms_last is None else as_array(grad_norms_last)
    steps = list(range(1, total.shape[1] + 1))
    data = []
    for layer in range(total.shape[0]):
        colour = layer_colour(layer)
        data.append(dict(type="scatter", x=steps, y=_values(positive(total[layer])), name=f"layer {layer + 1}: all",
                         mode="lines+markers", line=dict(color=colour, width=3), marker=dict(size=7)))
        if last is not None:
            data.append(dict(type="scatter", x=steps, y=_values(positive(last[layer])),
                             name=f"layer {layer + 1}: L_T only", mode="lines",
                             line=dict(color=colour, width=2.5, dash="dash")))
    if step is not None:
        title += f" · step {step}"
    if clipping is not None and clipping[1] < clipping[0] * 0.999:
        title += f" · ‖g‖ {clipping[0]:.3g} clipped to {clipping[1]:.3g}"
    return _figure(data, title, uirevision, height, xaxis=dict(title="time step t"),
                   yaxis=dict(title="‖∂L/∂h_t‖", type="log", exponentformat="power"))


def live_hidden_figure(hidden, labels: list[str], prefix_len: int | None = None, bound: float | None = 1.0,
                       height: int = HEIGHT, title: str = "Hidden state", uirevision: str = "hidden") -> dict:
    """h_t of every unit (rows) at every step (columns) while the model reads the prefix and then writes,
    one panel per layer. What to see: red is positive, blue negative; a unit that keeps its colour along
    its row carries memory. After the dashed line the model reads its own predictions back in."""
    values = as_array(hidden)
    if values.size == 0:
        return _note("Nothing to show yet.", title, uirevision, height)
    layers, steps, units = values.shape
    values, bound, _ = diverging_colour(values, bound)  # a log scale after an explosion, as the other views
    every = max(1, steps // 20)
    data, layout, shapes = [], {}, []
    gap = 0.06 if layers > 1 else 0.0
    for layer in range(layers):
        axis = "" if layer == 0 else str(layer + 1)
        top = 1 - layer / layers
        data.append(dict(type="heatmap", z=np.round(values[layer].T, 3).tolist(), xaxis=f"x{axis}",
                         yaxis=f"y{axis}", coloraxis="coloraxis", name=f"layer {layer + 1}",
                         hovertemplate="t = %{x}, unit %{y}: h = %{z:.3f}<extra></extra>"))
        layout[f"yaxis{axis}"] = dict(title=f"unit (layer {layer + 1})" if layers > 1 else "unit",
                                      domain=[top - 1 / layers + gap, top], anchor=f"x{axis}")
        layout[f"xaxis{axis}"] = dict(anchor=f"y{axis}", matches="x" if layer else None, showticklabels=layer == 0,
                                      tickvals=list(range(0, steps, every)),
                                      ticktext=[readable(label) for label in labels[::every]])
        if prefix_len is not None and 0 < prefix_len < steps:
            shapes.append(dict(type="line", x0=prefix_len - 0.5, x1=prefix_len - 0.5, xref=f"x{axis}",
                               y0=-0.5, y1=units - 0.5, yref=f"y{axis}", line=dict(color="#222", width=3, dash="dash")))
    layout["xaxis"]["title"] = "time step (the symbol read there)"
    layout["xaxis"]["side"] = "bottom"
    if layers > 1:  # the bottom panel carries the labels
        layout["xaxis"]["anchor"] = f"y{layers}"
        layout["xaxis"]["matches"] = None
    return _figure(data, title, uirevision, height, shapes=shapes,
                   coloraxis=dict(colorscale=HIDDEN_SCALE, cmin=-bound, cmax=bound, colorbar=dict(title="h")),
                   **{key: value for key, value in layout.items()})


def live_strip_figure(hidden, inputs: list[str], outputs: list[str], prefix_len: int | None = None,
                      cell: str = "rnn", max_units: int = 16, bound: float | None = 1.0, height: int = 300,
                      title: str = "The recurrence unrolled on your prefix", uirevision: str = "strip") -> dict:
    """One box per time step, all the same cell with the same weights: x_t enters from below, h_{t−1} comes
    in from the left, h_t (the top layer's first units) is the colour column above the box, and y_t, the
    symbol the model finds most likely next, is written on top.

    `hidden` is [num_layers, T, H]. What to see: the same cell repeated; columns that keep their colour
    from step to step carry memory. After the dashed line the model reads its own predictions back in.
    """
    values = as_array(hidden)
    steps = min(values.shape[1] if values.ndim == 3 else 0, len(inputs), len(outputs))
    if steps == 0:
        return _note("Type a prefix to see the recurrence unrolled on it.", title, uirevision, height)
    top = values[-1, :steps]
    units = min(top.shape[1], max_units)
    top, bound, _ = diverging_colour(top, bound)
    name = CELL_NAMES.get(cell, cell.upper())
    middle = (CELL_LOW + CELL_HIGH) / 2
    columns = list(range(steps))
    # Texts and arrows as a few traces, not one annotation each: several redraws a second stay cheap.
    writing = [prefix_len is not None and t >= prefix_len for t in columns]
    shapes = [dict(type="rect", x0=t - 0.36, x1=t + 0.36, y0=CELL_LOW, y1=CELL_HIGH, layer="below",
                   line=dict(color=CELL_LINE, width=3), fillcolor=GENERATED_FILL if writing[t] else CELL_FILL)
              for t in columns]
    if prefix_len is not None and 0 < prefix_len < steps:
        shapes.append(dict(type="line", x0=prefix_len - 0.5, x1=prefix_len - 0.5, y0=0, y1=1, yref="paper",
                           line=dict(color="#444", dash="dash", width=2)))
    arrows_x, arrows_y, heads_x, heads_y, heads = [], [], [], [], []
    for t in columns:  # h_t rises into its column, and goes on into the next copy of the cell
        arrows_x += [t, t, None]
        arrows_y += [CELL_HIGH, -0.7, None]
        heads_x.append(t)
        heads_y.append(-0.7)
        heads.append("triangle-up")
        if t + 1 < steps:
            arrows_x += [t + 0.36, t + 0.6, None]
            arrows_y += [middle, middle, None]
            heads_x.append(t + 0.6)
            heads_y.append(middle)
            heads.append("triangle-right")
    text = dict(type="scatter", mode="text", hoverinfo="skip", cliponaxis=False)
    data = [dict(type="heatmap", z=np.round(top[:, :units].T, 3).tolist(), x=columns, y=list(range(units)),
                 zmin=-bound, zmax=bound, colorscale=HIDDEN_SCALE, showscale=False, xgap=10, ygap=1,
                 hovertemplate="step %{x}, unit %{y}: h = %{z:.3f}<extra></extra>"),
            dict(type="scatter", mode="lines", x=arrows_x, y=arrows_y, line=dict(color=CELL_LINE, width=2),
                 hoverinfo="skip"),
            dict(type="scatter", mode="markers", x=heads_x, y=heads_y, hoverinfo="skip",
                 marker=dict(symbol=heads, size=10, color=CELL_LINE)),
            dict(text, x=columns, y=[middle] * steps, text=[name] * steps,
                 textfont=dict(size=FONT_SIZE - 2, color=CELL_LINE)),
            dict(text, x=columns, y=[CELL_LOW - 1.5] * steps,
                 text=[f"x<sub>{t}</sub> {readable(inputs[t])}" for t in columns]),
            dict(text, x=columns, y=[units + 0.9] * steps, text=[f"<b>{outputs[t]}</b>" for t in columns])]
    caption = f"{title}: the same {name} cell at every step, h<sub>t</sub> above it, y<sub>t</sub> on top"
    return _figure(data, caption, uirevision, height, shapes=shapes, showlegend=False,
                   margin=dict(l=10, r=10, t=45, b=5), xaxis=dict(visible=False, range=[-0.6, steps - 0.4]),
                   yaxis=dict(visible=False, range=[CELL_LOW - 2.6, units + 2.0]))
