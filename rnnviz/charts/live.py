"""The Train page's live charts as plain data, cheap enough to rebuild several times a second.

They are drawing specs ({"canvas": kind, ...}) for the page's own canvas renderer (ui/live_canvas.js), not Plotly
figures: a Plotly redraw costs the browser many times what a canvas redraw does, whatever the data, and on a small
machine that time comes out of training (docs/benchmarks.md).
Each says what a learner should see, like every chart function.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from plotly.colors import get_colorscale

from rnnviz.charts.style import (
    ACCENT,
    FONT_SIZE,
    HEIGHT,
    HIDDEN_SCALE,
    RAW_COLOUR,
    SMOOTH_COLOUR,
    TICK_SIZE,
    TITLE_SIZE,
    as_array,
    diverging_colour,
    layer_colour,
    positive,
    readable,
)
from rnnviz.charts.training import smoothed
from rnnviz.charts.unrolled import CELL_FILL, CELL_LINE, fitted
from rnnviz.choices import CELL_NAMES

LIVE_POINTS = 600  # points per line sent to the browser, several times a second
GENERATED_FILL = "#fbe3cc"
SUBSCRIPT = str.maketrans("0123456789t", "₀₁₂₃₄₅₆₇₈₉ₜ")
# The other pages' red-white-blue as colour stops, once: Plotly builds its table of named scales on every lookup.
DIVERGING = [[round(float(position), 3), colour] for position, colour in get_colorscale(HIDDEN_SCALE)]


def _values(array) -> list:
    """Numbers for JSON: NaN and infinities become gaps (null). Called several times a second while training:
    where every number is finite, as nearly always, numpy makes the list in one pass."""
    flat = np.asarray(array, dtype=float).ravel()
    finite = np.isfinite(flat)
    if finite.all():
        return flat.tolist()
    return [value if ok else None for value, ok in zip(flat.tolist(), finite.tolist())]


def _thinned(count: int, most: int = LIVE_POINTS) -> np.ndarray:
    """Indices of every k-th of `count` points (and always the last), at most about `most` of them."""
    stride = max(1, math.ceil(count / most))
    return np.unique(np.append(np.arange(0, count, stride), count - 1))


def _canvas(kind: str, title: str, height: int, **drawn) -> dict:
    """A drawing spec for ui/live_canvas.js with the shared look: projector-sized fonts, a white plot."""
    return {"canvas": kind, "title": title, "height": height, "font": FONT_SIZE, "title_font": TITLE_SIZE,
            "tick_font": TICK_SIZE, **drawn}


def _canvas_note(message: str, title: str, height: int) -> dict:
    return _canvas("note", title, height, note=message)


def _colours(bound: float | None, values) -> tuple[list, float, dict, list]:
    """What a diverging colour view needs: the values drawn (a signed log scale after an explosion), their ±range,
    the colour bar's ticks, and the colour scale (the same red-white-blue as the other pages' charts)."""
    shown, bound, ticks = diverging_colour(values, bound)
    if not ticks:
        ticks = dict(tickvals=[-bound, -bound / 2, 0.0, bound / 2, bound])
        ticks["ticktext"] = [f"{value:.3g}".replace("-", "−") for value in ticks["tickvals"]]
    return shown, float(bound), {"values": ticks["tickvals"], "texts": ticks["ticktext"]}, DIVERGING


def _grid(values: np.ndarray) -> list[list]:
    """Rows of numbers for JSON, NaN as null (a cell drawn grey)."""
    return [_values(row) for row in np.round(np.asarray(values, dtype=float), 3)]


def live_loss_figure(rows, perplexity: bool = False, height: int = HEIGHT) -> dict:
    """The loss at every step (pale, jumpy: each batch differs), smoothed (the trend), and held-out (dots).

    What to see: the smoothed line falling means the model is learning; the held-out loss should fall
    with it. For character data the title reads the trend as perplexity, e^loss: how many symbols the
    model is still choosing between. A drag zooms in (kept while training goes on), a double click out.
    """
    title = "Loss"
    if not rows:
        return _canvas_note("Press Train or Step: the loss of each step appears here.", title, height)
    steps = np.fromiter((row["step"] for row in rows), dtype=float, count=len(rows))
    loss = np.fromiter((row["loss"] for row in rows), dtype=float, count=len(rows))
    held = np.fromiter((row["val_loss"] for row in rows), dtype=float, count=len(rows))
    trend = smoothed(pd.Series(loss)).to_numpy()
    keep = _thinned(len(rows))
    series = [dict(name="loss (each step)", x=steps[keep].tolist(), y=_values(loss[keep]), colour=RAW_COLOUR,
                   width=1.5, markers=0, dash=False),
              dict(name="smoothed", x=steps[keep].tolist(), y=_values(trend[keep]), colour=SMOOTH_COLOUR, width=3.5,
                   markers=0, dash=False)]
    checked = np.flatnonzero(np.isfinite(held))
    if checked.size:
        checked = checked[_thinned(checked.size)]
        series.append(dict(name="held-out", x=steps[checked].tolist(), y=_values(held[checked]), colour=ACCENT,
                           width=2, markers=8, dash=False))
    latest = float(trend[-1])
    title = f"Loss · {latest:.3g} at step {int(steps[-1])}"
    if perplexity and math.isfinite(latest) and latest < 50:
        title += f" · perplexity {math.exp(latest):.3g}"
    return _canvas("lines", title, height, series=series, x_title="training step", y_title="loss", y_log=False,
                   zoom=True, hover="step {x}: {y}")


def live_step_grad_figure(grad_norms, grad_norms_last=None, step: int | None = None, height: int = HEIGHT,
                          clipping: tuple[float, float] | None = None) -> dict:
    """‖∂L/∂h_t‖ at each time step t of the latest logged batch, one colour per layer, on a log scale.

    What to see: the solid line is the whole loss's gradient, the dashed one the last step's loss only.
    Read the dashed line from right to left: falling by orders of magnitude, the error at the end barely
    reaches the early steps (vanishing gradients); climbing, it explodes. `clipping`: the latest step's whole
    gradient norm before and after clipping, shown in the title when clipping changed it.
    """
    title = "Gradient at each time step"
    if grad_norms is None:
        return _canvas_note("Press Train or Step: the gradients of a batch appear here.", title, height)
    total = as_array(grad_norms)
    last = None if grad_norms_last is None else as_array(grad_norms_last)
    steps = list(range(1, total.shape[1] + 1))
    series = []
    for layer in range(total.shape[0]):
        colour = layer_colour(layer)
        series.append(dict(name=f"layer {layer + 1}: all", x=steps, y=_values(positive(total[layer])),
                           colour=colour, width=3, markers=7, dash=False))
        if last is not None:
            series.append(dict(name=f"layer {layer + 1}: L_T only", x=steps, y=_values(positive(last[layer])),
                               colour=colour, width=2.5, markers=0, dash=True))
    legend = None  # with several layers: a colour per layer and a dash per kind, fewer entries than lines
    if total.shape[0] > 1:
        legend = [dict(name=f"layer {layer + 1}", colour=layer_colour(layer), width=3, dash=False)
                  for layer in range(total.shape[0])]
        if last is not None:
            legend += [dict(name="all", colour="#666", width=3, dash=False),
                       dict(name="L_T only", colour="#666", width=2.5, dash=True)]
    if step is not None:
        title += f" · step {step}"
    if clipping is not None and clipping[1] < clipping[0] * 0.999:
        title += f" · ‖g‖ {clipping[0]:.3g} clipped to {clipping[1]:.3g}"
    return _canvas("lines", title, height, series=series, legend=legend, x_title="time step t", y_title="‖∂L/∂h_t‖",
                   y_log=True, hover="t = {x}: {y}")


def live_hidden_figure(hidden, labels: list[str], prefix_len: int | None = None, bound: float | None = 1.0,
                       height: int = HEIGHT, title: str = "Hidden state") -> dict:
    """h_t of every unit (rows) at every step (columns) while the model reads the prefix and then writes,
    one panel per layer. What to see: red is positive, blue negative; a unit that keeps its colour along
    its row carries memory. After the dashed line the model reads its own predictions back in."""
    values = as_array(hidden)
    if values.size == 0:
        return _canvas_note("Nothing to show yet.", title, height)
    layers, steps, _ = values.shape
    values, bound, ticks, scale = _colours(bound, values)
    # each panel's name, and a shorter one for a panel too low to hold it (several layers in a small chart)
    panels = [dict(name=f"unit (layer {layer + 1})" if layers > 1 else "unit",
                   short=f"layer {layer + 1}" if layers > 1 else "unit", z=_grid(values[layer].T))
              for layer in range(layers)]
    divider = prefix_len if prefix_len is not None and 0 < prefix_len < steps else None
    return _canvas("grid", title, height, panels=panels, x_labels=[readable(label) for label in labels],
                   x_title="time step (the symbol read there)", scale=scale, bound=bound, ticks=ticks,
                   scale_title="h", divider=divider, hover="t = {x} ({label}), unit {y}: h = {z}")


def live_strip_figure(hidden, inputs: list[str], outputs: list[str], prefix_len: int | None = None,
                      cell: str = "rnn", max_units: int = 16, bound: float | None = 1.0, height: int = 300,
                      title: str = "The recurrence unrolled on your prefix") -> dict:
    """One box per time step, all the same cell with the same weights: x_t enters from below, h_{t−1} comes
    in from the left, h_t (the top layer's first units) is the colour column above the box, and y_t, the
    symbol the model finds most likely next, is written on top.

    `hidden` is [num_layers, T, H]. What to see: the same cell repeated; columns that keep their colour
    from step to step carry memory. After the dashed line the model reads its own predictions back in.
    """
    values = as_array(hidden)
    steps = min(values.shape[1] if values.ndim == 3 else 0, len(inputs), len(outputs))
    if steps == 0:
        return _canvas_note("Type a prefix to see the recurrence unrolled on it.", title, height)
    top = values[-1, :steps]
    units = min(top.shape[1], max_units)
    top, bound, _, scale = _colours(bound, top)
    name = CELL_NAMES.get(cell, cell.upper())
    divider = prefix_len if prefix_len is not None and 0 < prefix_len < steps else None
    return _canvas("strip", f"{title}: the same {name} cell at every step, hₜ above it, yₜ on top", height,
                   cell=name, z=_grid(top[:, :units].T), scale=scale, bound=bound, divider=divider,
                   inputs=[f"x{str(t).translate(SUBSCRIPT)} {fitted(readable(inputs[t]))}" for t in range(steps)],
                   outputs=[fitted(str(outputs[t])) for t in range(steps)],
                   cell_fill=CELL_FILL, written_fill=GENERATED_FILL, cell_line=CELL_LINE,
                   hover="step {x}, unit {y}: h = {z}")


EARLIER_COLOUR, TRUE_COLOUR = "rgba(90, 100, 115, 0.35)", "#111111"


def live_series_figure(prefix, continuation, truth=None, earlier=(), step: int | None = None, error=None,
                       height: int = HEIGHT) -> dict:
    """A series prefix (blue) and the model's continuation now (orange), the true continuation dashed beside it,
    and the continuations at earlier weight snapshots as faint grey curves; each value shows on hover.

    `earlier`: (label, values) pairs, oldest first. What to see: before training the continuation wanders off;
    as the model learns, the orange line settles onto the dashed one, each faint curve a little nearer than the last.
    """
    title = "The continuation against the true curve"
    if not len(prefix):
        return _canvas_note("Type a prefix: its continuation is drawn here.", title, height)
    k = len(prefix)
    ahead = lambda values: (list(range(k, k + len(values) + 1)), _values([prefix[-1], *values]))  # noqa: E731
    series = [dict(name=label, x=ahead(values)[0], y=ahead(values)[1], colour=EARLIER_COLOUR, width=2, markers=0,
                   dash=False) for label, values in earlier if len(values)]
    if truth:
        x, y = ahead(truth)
        series.append(dict(name="true", x=x, y=y, colour=TRUE_COLOUR, width=2.5, markers=0, dash=True))
    series.append(dict(name="prefix", x=list(range(1, k + 1)), y=_values(prefix), colour=SMOOTH_COLOUR, width=3,
                       markers=8, dash=False))
    if len(continuation):
        x, y = ahead(continuation)
        series.append(dict(name="now", x=x, y=y, colour=ACCENT, width=3.5, markers=7, dash=False))
    legend = [dict(name="prefix", colour=SMOOTH_COLOUR, width=3, dash=False),
              dict(name="now", colour=ACCENT, width=3.5, dash=False)]
    if truth:
        legend.append(dict(name="true", colour=TRUE_COLOUR, width=2.5, dash=True))
    if earlier:
        legend.append(dict(name="earlier", colour=EARLIER_COLOUR, width=2, dash=False))
    if step is not None:
        title += f" · step {step}"
    if error is not None and math.isfinite(error):
        title += f" · RMSE {error:.3g}"
    return _canvas("lines", title, height, series=series, legend=legend, x_title="time step", y_title="value",
                   y_log=False, hover="t = {x}: {y}")
