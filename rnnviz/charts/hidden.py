"""What the network remembers: hidden states (and LSTM/GRU gates) as units × time heatmaps, and chosen units."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.charts.style import HIDDEN_SCALE, TICK_SIZE, as_array, diverging_colour, layer_colour, note_figure, styled

GATE_MEANING = {
    "input": "input gate i (0 = ignore the new candidate, 1 = write it)",
    "forget": "forget gate f (0 = forget the cell, 1 = keep it)",
    "candidate": "candidate (the new content, −1 to 1)",
    "output": "output gate o (how much of the cell shows in h)",
    "reset": "reset gate r (how much of h_{t−1} the candidate sees)",
    "update": "update gate z (1 = keep h_{t−1}, 0 = take the candidate)",
    "preactivation": "pre-activation a_t = W_ih x_t + W_hh h_{t−1} + b",
    "cell": "cell state c_t (the LSTM's long-term memory)",
}
GATES_0_TO_1 = {"input", "forget", "output", "reset", "update"}


TICK_CHARACTERS = 70  # characters of tick labels that fit along a half-width chart at 1280 px without touching


def label_stride(labels) -> int:
    """Label every n-th step so the labels never run into each other: a symbol per step fits 30 or so,
    values such as "-0.31" about a dozen."""
    widest = max((len(str(label)) for label in labels), default=1)
    fit = max(4, TICK_CHARACTERS // (widest + 1))
    return max(1, -(-len(labels) // fit))


def _time_axis(fig, labels, rows: int) -> None:
    """Label time steps with the symbols read there (numbers on the axis, so repeats stay apart)."""
    steps = list(range(len(labels)))
    every = label_stride(labels)
    for row in range(1, rows + 1):
        fig.update_xaxes(tickvals=steps[::every], ticktext=list(labels)[::every], tickangle=0, row=row, col=1)
    fig.update_xaxes(title="time step (the symbol read there)", row=rows, col=1)


def hidden_heatmap_figure(hidden, labels: list[str], prefix_len: int | None = None, bound: float | None = 1.0,
                          title: str = "Hidden state", uirevision: str = "hidden") -> go.Figure:
    """h_t for every unit (rows) at every time step (columns), one panel per layer.

    `hidden` is [num_layers, T, H]. What to see: red units are positive, blue negative. A unit that
    keeps its colour over many steps is carrying memory; units that flip with every symbol are reacting
    to the input. After the dashed line the model reads its own predictions back in.
    """
    values = as_array(hidden)
    if values.size == 0:
        return note_figure("Nothing to show yet.", title, uirevision)
    layers, steps, units = values.shape
    shown, bound, ticks = diverging_colour(values, bound)
    fig = make_subplots(rows=layers, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[f"layer {layer + 1}" for layer in range(layers)] if layers > 1 else None)
    hover_labels = np.tile(np.array(list(labels), dtype=object), (units, 1))
    for layer in range(layers):
        fig.add_heatmap(z=shown[layer].T, x=np.arange(steps), y=np.arange(units), customdata=hover_labels,
                        text=np.vectorize(lambda v: f"{v:.4g}")(values[layer].T), coloraxis="coloraxis",
                        name=f"layer {layer + 1}",
                        hovertemplate="t = %{x}, read %{customdata}<br>unit %{y}: h = %{text}<extra></extra>",
                        row=layer + 1, col=1)
        fig.update_yaxes(title="unit", row=layer + 1, col=1)
        if prefix_len is not None and 0 < prefix_len < steps:
            fig.add_vline(x=prefix_len - 0.5, line=dict(color="#222", width=3, dash="dash"), row=layer + 1, col=1)
    _time_axis(fig, labels, layers)
    fig.update_layout(coloraxis=dict(colorscale=HIDDEN_SCALE, cmin=-bound, cmax=bound,
                                     colorbar=dict(title="h", **ticks)))
    return styled(fig, title, uirevision, height=max(330, min(260, 40 + 2 * units) * layers + 110))


def gates_figure(gates: dict, labels: list[str], cell=None, title: str = "Inside the cell",
                 uirevision: str = "gates") -> go.Figure:
    """Each gate of one layer (and the LSTM cell state) as units × time heatmaps.

    `gates` maps a gate name to [T, H]; `cell` is [T, H] or None. What to see in an LSTM: where the
    forget gate stays near 1 the cell state keeps its colour along the row (memory held); where the
    input gate opens, the cell changes.
    """
    panels = dict(gates)
    if cell is not None:
        panels["cell"] = cell
    names = list(panels)
    fig = make_subplots(rows=len(names), cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        subplot_titles=[GATE_MEANING.get(name, name) for name in names])
    panel_ticks = []
    for row, name in enumerate(names, start=1):
        raw = as_array(panels[name]).T
        if name in GATES_0_TO_1:
            z, scale, low, high, ticks = np.where(np.isfinite(raw), raw, np.nan), "Greens", 0.0, 1.0, {}
        else:
            z, bound, ticks = diverging_colour(raw, 1.0 if name == "candidate" else None)
            scale, low, high = HIDDEN_SCALE, -bound, bound
        panel_ticks.append(ticks)
        fig.add_heatmap(z=z, x=np.arange(z.shape[1]), y=np.arange(z.shape[0]), colorscale=scale, zmin=low,
                        zmax=high, name=name, text=np.vectorize(lambda v: f"{v:.4g}")(raw),
                        hovertemplate=f"{name}<br>t = %{{x}}, unit %{{y}}: %{{text}}<extra></extra>",
                        row=row, col=1)
        fig.update_yaxes(title="unit", row=row, col=1)
    _time_axis(fig, labels, len(names))
    # One colour bar per panel, beside it: the gates run 0 to 1, the others around 0.
    for row, (trace, ticks) in enumerate(zip(fig.data, panel_ticks), start=1):
        low, high = fig.layout[f"yaxis{row if row > 1 else ''}"].domain
        trace.update(colorbar=dict(y=(low + high) / 2, len=(high - low) * 1.05, yanchor="middle", thickness=16,
                                   tickfont=dict(size=TICK_SIZE), **ticks))
    return styled(fig, title, uirevision, height=130 + 190 * len(names))


def units_figure(hidden, units: list[int], labels: list[str], uirevision: str = "units") -> go.Figure:
    """The chosen units of one layer over time, as lines.

    `hidden` is [T, H]. What to see: a unit that switches sign at a particular symbol, or ramps up
    through a run, has learned something you can name.
    """
    values = as_array(hidden)
    title = "Chosen units over time"
    if not units:
        return note_figure("Pick one or more units above to draw them here.", title, uirevision)
    fig = go.Figure()
    steps = np.arange(values.shape[0])
    for k, unit in enumerate(units):
        fig.add_scatter(x=steps, y=values[:, unit], name=f"unit {unit}", mode="lines+markers",
                        line=dict(color=layer_colour(k), width=3), marker=dict(size=8),
                        customdata=list(labels),
                        hovertemplate=f"unit {unit}<br>t = %{{x}}, read %{{customdata}}: %{{y:.3f}}<extra></extra>")
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    every = label_stride(labels)
    fig.update_xaxes(tickvals=list(steps[::every]), ticktext=list(labels)[::every], title="time step", tickangle=0)
    fig.update_yaxes(title="h")
    return styled(fig, title, uirevision)
