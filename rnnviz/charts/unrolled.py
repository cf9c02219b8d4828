"""The recurrence as a loop and unrolled in time, animated step by step with Plotly frames.

Left: the folded network, one cell per layer with its loop. Right: the same cells copied along
time. Every copy has the same colour because it *is* the same cell with the same weights. Each
animation frame lights up one time step t: x_t enters from below, h_{t−1} flows in from the left,
h_t appears as a colour strip above the cell, and y_t shows the top predictions. The animation
runs in the browser (frames, a play button and a time slider), so it needs no reruns.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.charts.style import FONT_SIZE, HIDDEN_SCALE, as_array, styled
from rnnviz.choices import CELL_NAMES

DX = 1.5  # distance between time steps
HALF_W, HALF_H = 0.5, 0.34  # half the size of a cell box
LAYER_GAP = 1.7
STRIP_H = 0.15  # half the height of the h_t colour strip
CHAIN_X0 = 4.0  # where the unrolled chain starts; the folded cell sits at x = 0
CELL_FILL, CELL_LINE = "#dbe9f6", "#1f6fb4"
LIGHT = "#e07a1f"
LABEL_CHARS = 5  # a number's label (x_t, y_t) this many characters wide fits in its cell, at 1280 px and up
SHORT_SUFFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def fitted(label: str, width: int = LABEL_CHARS) -> str:
    """A number's label made short enough for its cell: fewer decimals first (0.16, 12.3, 1235), then a
    suffix (12.3k, 4.5M) or a power of ten; a label that fits, or a symbol's, is kept as it is."""
    if len(label) <= width:
        return label
    try:
        value = float(label)
    except ValueError:
        return label
    size = abs(value)
    candidates = [f"{value:.{decimals}f}" for decimals in (2, 1, 0)]
    for above, suffix in SHORT_SUFFIXES:
        if size >= above:
            candidates += [f"{value / above:.{decimals}f}{suffix}" for decimals in (1, 0)]
    candidates += [f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-")]
    for candidate in candidates:
        if len(candidate) <= width and (float(candidate.rstrip("kMG")) != 0 or value == 0):
            return candidate
    return candidates[-1]


def _column(t: int) -> float:
    return CHAIN_X0 + t * DX


def _layer(layer: int) -> float:
    return layer * LAYER_GAP


def _rectangles(centres) -> tuple[list, list]:
    """One scatter path drawing a box around each (x, y) centre, with gaps between boxes."""
    xs, ys = [], []
    for x, y in centres:
        xs += [x - HALF_W, x + HALF_W, x + HALF_W, x - HALF_W, x - HALF_W, None]
        ys += [y - HALF_H, y - HALF_H, y + HALF_H, y + HALF_H, y - HALF_H, None]
    return xs, ys


def _strip_axes(steps: int, units: int) -> np.ndarray:
    """x positions of the strip's cells: `units` per step, with empty columns filling the gaps."""
    width = 2 * HALF_W / units
    xs = []
    for t in range(steps):
        left = _column(t) - HALF_W
        xs += [left - width / 2] + [left + (u + 0.5) * width for u in range(units)] + [left + 2 * HALF_W + width / 2]
    return np.array(xs)


def _strip_values(hidden: np.ndarray, layer: int, upto: int, units: int) -> np.ndarray:
    """The layer's h_t for steps ≤ upto laid out as one row along the strip axis (NaN elsewhere)."""
    steps = hidden.shape[1]
    row = np.full((steps, units + 2), np.nan)
    row[: upto + 1, 1:-1] = hidden[layer, : upto + 1, :units]
    flat = row.reshape(-1)
    return np.vstack([flat, flat])


def _carried_start(fig: go.Figure, start: np.ndarray, units: int, bound: float, label: str) -> None:
    """The state the chain starts from, drawn as an h strip left of the first step, with where it came from."""
    left, right = _column(0) - HALF_W - 1.35, _column(0) - HALF_W - 0.6
    xs = np.linspace(left, right, units)
    for layer in range(start.shape[0]):
        y = _layer(layer)
        fig.add_trace(go.Heatmap(x=xs, y=[y - STRIP_H, y + STRIP_H], z=np.vstack([start[layer, :units]] * 2),
                                 colorscale=HIDDEN_SCALE, zmin=-bound, zmax=bound, showscale=False,
                                 hovertemplate="carried h, unit %{pointNumber[1]}: %{z:.3f}<extra></extra>"))
        fig.add_annotation(x=(left + right) / 2, y=y - STRIP_H - 0.05, text=label, showarrow=False, yanchor="top",
                           font=dict(size=FONT_SIZE - 2, color=LIGHT))


def unrolled_figure(hidden, inputs: list[str], outputs: list[str], cell: str = "rnn", max_units: int = 16,
                    max_steps: int = 16, bound: float | None = 1.0, uirevision: str = "unrolled",
                    carried_h=None, carried_label: str = "") -> go.Figure:
    """The folded loop beside the unrolled chain, animated over time steps.

    hidden: [num_layers, T, H] the states h_t; inputs: what x_t is, per step; outputs: the text of y_t
    (e.g. the top predictions) per step. What to see: the same cell is used at every step; h_t
    depends on x_t and on h_{t−1}, which carries everything read so far. `carried_h` [num_layers, H], when
    given, is a carried state the chain starts from instead of zeros (lesson L4), drawn with `carried_label`.
    """
    values = as_array(hidden)
    layers, steps, hidden_size = values.shape
    steps = min(steps, max_steps, len(inputs), len(outputs))
    inputs, outputs = [fitted(text) for text in inputs], [fitted(text) for text in outputs]
    values = values[:, :steps]
    units = min(hidden_size, max_units)
    if bound is None:
        bound = float(np.nanmax(np.abs(values))) or 1.0
    name = CELL_NAMES.get(cell, cell.upper())
    top = _layer(layers - 1)
    input_y, output_y = -HALF_H - 0.75, top + HALF_H + 2 * STRIP_H + 0.75

    fig = go.Figure()
    # -- static: the cells, the folded loop, the arrows that are always there -----------------------
    for layer in range(layers):
        y = _layer(layer)
        fig.add_shape(type="rect", x0=-HALF_W, x1=HALF_W, y0=y - HALF_H, y1=y + HALF_H, fillcolor=CELL_FILL,
                      line=dict(color=CELL_LINE, width=4), layer="below")
        # The loop: h_t leaves the cell on the right and comes back in as h_{t−1}.
        fig.add_shape(type="path", path=f"M {HALF_W},{y + 0.16} C {HALF_W + 0.95},{y + 0.75} "
                      f"{HALF_W + 0.95},{y - 0.75} {HALF_W + 0.06},{y - 0.2}", line=dict(color=LIGHT, width=4))
        fig.add_annotation(x=HALF_W + 0.02, y=y - 0.18, ax=HALF_W + 0.3, ay=y - 0.42, xref="x", yref="y",
                           axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.4, arrowwidth=3,
                           arrowcolor=LIGHT, text="")
        fig.add_annotation(x=HALF_W + 0.45, y=y + 0.62, text="h<sub>t−1</sub>", showarrow=False,
                           font=dict(color=LIGHT, size=FONT_SIZE))
        for t in range(steps):
            x = _column(t)
            fig.add_shape(type="rect", x0=x - HALF_W, x1=x + HALF_W, y0=y - HALF_H, y1=y + HALF_H,
                          fillcolor=CELL_FILL, line=dict(color=CELL_LINE, width=2), layer="below")
            start = x - DX + HALF_W if t else x - HALF_W - 0.55
            fig.add_annotation(x=x - HALF_W, y=y, ax=start, ay=y, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor="#9aa5b1", text="")
            below = input_y + 0.25 if layer == 0 else _layer(layer - 1) + HALF_H + 2 * STRIP_H
            fig.add_annotation(x=x, y=y - HALF_H, ax=x, ay=below, xref="x", yref="y", axref="x", ayref="y",
                               showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor="#9aa5b1", text="")
        if carried_h is None:
            fig.add_annotation(x=_column(0) - HALF_W - 0.6, y=y, text="h<sub>0</sub>=0", showarrow=False,
                               xanchor="right", font=dict(size=FONT_SIZE - 2, color="#666"))
    if carried_h is not None:
        _carried_start(fig, as_array(carried_h), units, bound, carried_label)
    centres = [(0.0, _layer(layer)) for layer in range(layers)]
    fig.add_scatter(x=[c[0] for c in centres], y=[c[1] for c in centres], mode="text", text=[f"<b>{name}</b>"] * layers,
                    textfont=dict(size=FONT_SIZE), showlegend=False, hoverinfo="text",
                    hovertext=[f"layer {layer + 1}: one cell, its weights W_ih, W_hh, b" for layer in range(layers)])
    for layer in range(layers):
        fig.add_annotation(x=-HALF_W - 0.12, y=_layer(layer), text=f"layer {layer + 1}", showarrow=False,
                           xanchor="right", font=dict(size=FONT_SIZE - 2, color="#555"))
    chain = [(_column(t), _layer(layer)) for layer in range(layers) for t in range(steps)]
    fig.add_scatter(x=[c[0] for c in chain], y=[c[1] for c in chain], mode="text", text=[name] * len(chain),
                    textfont=dict(size=FONT_SIZE - 3, color=CELL_LINE), showlegend=False,
                    hovertext=["the same cell: the same W_ih, W_hh and b at every step"] * len(chain),
                    hoverinfo="text")
    fig.add_annotation(x=0, y=input_y, text="x<sub>t</sub>", showarrow=False, font=dict(size=FONT_SIZE + 2))
    fig.add_annotation(x=0, y=output_y, text="y<sub>t</sub>", showarrow=False, font=dict(size=FONT_SIZE + 2))
    fig.add_annotation(x=(HALF_W + 1.0 + _column(0) - HALF_W - 0.55) / 2, y=top + HALF_H + 0.55,
                       text="unrolled<br>in time ⇒", showarrow=False, font=dict(size=FONT_SIZE - 1, color="#555"))
    fig.add_annotation(x=(_column(0) + _column(steps - 1)) / 2, y=output_y + 0.75, showarrow=False,
                       text=("one cell, the same weights, reused at every time step" if layers == 1 else
                             "one cell per layer, each with its own weights, reused at every time step"),
                       font=dict(size=FONT_SIZE, color=CELL_LINE))

    # -- animated: what changes at step t -------------------------------------------------------------
    strip_x = _strip_axes(steps, units)
    names = [[""] + [f"t = {t + 1}, unit {u}" for u in range(units)] + [""] for t in range(steps)]
    unit_text = np.tile(np.array(sum(names, []), dtype=object), (2, 1))

    def moving(t: int) -> list:
        lit_x, lit_y = _rectangles([(_column(t), _layer(layer)) for layer in range(layers)] + centres)
        flow_x, flow_y = [], []
        for layer in range(layers):
            y = _layer(layer)
            flow_x += [_column(t) - DX + HALF_W if t else _column(t) - HALF_W - 0.55, _column(t) - HALF_W, None]
            flow_y += [y, y, None]
        shown = [f"<b>{text}</b>" if k == t else text for k, text in enumerate(outputs[: t + 1])]
        traces = [
            go.Scatter(x=lit_x, y=lit_y, fill="toself", fillcolor="rgba(224, 122, 31, 0.25)", mode="lines",
                       line=dict(color=LIGHT, width=4), name=f"step t = {t + 1}", hoverinfo="skip"),
            go.Scatter(x=[_column(k) for k in range(steps)], y=[input_y] * steps, mode="text",
                       text=[f"<b>{text}</b>" if k == t else text for k, text in enumerate(inputs[:steps])],
                       textfont=dict(size=[FONT_SIZE + 3 if k == t else FONT_SIZE for k in range(steps)],
                                     color=[LIGHT if k == t else "#777" for k in range(steps)]),
                       name=f"x_{t + 1} enters", hoverinfo="skip"),
            go.Scatter(x=[_column(t), _column(t)], y=[input_y + 0.3, -HALF_H - 0.02], mode="lines+markers",
                       line=dict(color=LIGHT, width=4), marker=dict(symbol="triangle-up", size=[0, 16], color=LIGHT),
                       name="x_t flows in", hoverinfo="skip"),
            go.Scatter(x=flow_x, y=flow_y, mode="lines", line=dict(color=LIGHT, width=5),
                       name="h_{t−1} flows in", hoverinfo="skip"),
            go.Scatter(x=[_column(k) for k in range(t + 1)], y=[output_y] * (t + 1), mode="text", text=shown,
                       textfont=dict(size=FONT_SIZE - 2, color=["#111" if k == t else "#999" for k in range(t + 1)]),
                       name="y_t", hoverinfo="skip"),
        ]
        for layer in range(layers):
            strip_y = _layer(layer) + HALF_H + STRIP_H
            traces.append(go.Heatmap(
                x=strip_x, y=[strip_y - STRIP_H / 2, strip_y + STRIP_H / 2],
                z=_strip_values(values, layer, t, units), text=unit_text, colorscale=HIDDEN_SCALE,
                zmin=-bound, zmax=bound, showscale=layer == 0, hoverongaps=False, name=f"h_t, layer {layer + 1}",
                colorbar=dict(title="h<sub>t</sub>", len=0.6),
                hovertemplate="%{text}: h = %{z:.3f}<extra>layer " + str(layer + 1) + "</extra>"))
        return traces

    first = len(fig.data)
    for trace in moving(0):
        fig.add_trace(trace)
    animated = list(range(first, len(fig.data)))
    fig.frames = [go.Frame(data=moving(t), traces=animated, name=str(t)) for t in range(steps)]
    fig.update_layout(
        showlegend=False,
        xaxis=dict(visible=False, range=[-HALF_W - 1.3, _column(steps - 1) + HALF_W + 0.3]),
        yaxis=dict(visible=False, range=[input_y - 0.6, output_y + 1.0]),
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.02, xanchor="left", yanchor="top",
                          pad=dict(t=10, r=10), showactive=False, buttons=[
                              dict(label="▶ Play", method="animate",
                                   args=[None, {"frame": {"duration": 900, "redraw": True}, "fromcurrent": True,
                                                "transition": {"duration": 0}}]),
                              dict(label="❚❚ Pause", method="animate",
                                   args=[[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                                  "transition": {"duration": 0}}]),
                          ])],
        sliders=[dict(active=0, x=0.0, len=1.0, y=-0.1, yanchor="top", pad=dict(t=10),
                      currentvalue=dict(prefix="time step t = ", font=dict(size=FONT_SIZE), xanchor="right"),
                      steps=[dict(label=str(t + 1), method="animate",
                                  args=[[str(t)], {"frame": {"duration": 0, "redraw": True}, "mode": "immediate",
                                                   "transition": {"duration": 0}}]) for t in range(steps)])],
    )
    title = f"{name} unrolled over {steps} steps"
    if values.shape[2] > units:
        title += f" · strips show the first {units} of {hidden_size} units"
    # The ▶ Play / Pause buttons sit on a row of their own above the slider, whose "time step t =" reads on
    # the right: side by side they covered each other in a half-width chart.
    return styled(fig, title, uirevision, height=390 + 210 * layers,
                  margin=dict(l=20, r=20, t=60, b=160))
