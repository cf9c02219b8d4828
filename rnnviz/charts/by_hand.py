"""The by-hand view's chart (lesson L1): the fused module's h_t as lines, the cell loop's as markers on them."""

from __future__ import annotations

import plotly.graph_objects as go

from rnnviz.charts.style import LAYER_COLOURS, as_array, readable, styled

MAX_UNITS = 4


def by_hand_figure(result, labels: list[str], uirevision: str = "by_hand") -> go.Figure:
    """Each marker (the loop over the cell) sits on its line (the fused module): the same numbers, two ways.

    Only the units that move most are drawn, so the lines stay apart.
    """
    fused, loop = as_array(result.fused), as_array(result.loop)
    spread = fused.max(axis=0) - fused.min(axis=0)
    units = sorted(spread.argsort()[::-1][:MAX_UNITS].tolist())
    steps = [f"{t + 1}·{readable(label)}" for t, label in enumerate(labels[:len(fused)])]
    fig = go.Figure()
    for k, unit in enumerate(units):
        colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
        fig.add_trace(go.Scatter(x=steps, y=fused[:, unit], mode="lines", line=dict(color=colour, width=3),
                                 name=f"unit {unit + 1}, nn.{result.cell.upper()}", legendgroup=str(unit)))
        fig.add_trace(go.Scatter(x=steps, y=loop[:, unit], mode="markers", legendgroup=str(unit),
                                 marker=dict(color=colour, size=12, symbol="circle-open", line=dict(width=3)),
                                 name=f"unit {unit + 1}, cell loop"))
    fig.update_xaxes(title_text="time step · symbol read", type="category")
    fig.update_yaxes(title_text="top layer's h_t")
    return styled(fig, f"Largest difference: {result.largest_difference:.1e}", uirevision, height=400,
                  legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"),
                  margin=dict(l=70, r=30, t=60, b=70))
