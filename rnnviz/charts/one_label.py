"""The many-to-one lesson's charts: the last hidden state of each example, and held-out rows' h_T spread in 2-D."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.charts.style import ACCENT, HIDDEN_SCALE, SMOOTH_COLOUR, styled


def last_hidden_figure(readout, uirevision: str = "one_label_hidden") -> go.Figure:
    """One row per example: h_T, all the Linear head sees. Rows that climb come to share a pattern."""
    hidden = np.asarray(readout.last_hidden, dtype=float)
    rows = [f"{text} → {said} ({p:.0%})" for text, said, p in zip(readout.examples, readout.said, readout.p_yes)]
    bound = max(float(np.abs(hidden).max()), 1e-6)
    fig = go.Figure(go.Heatmap(z=hidden, y=rows, x=[str(u + 1) for u in range(hidden.shape[1])], zmin=-bound,
                               zmax=bound, colorscale=HIDDEN_SCALE, colorbar=dict(title="h_T"),
                               hovertemplate="%{y}<br>unit %{x}: %{z:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="hidden unit", type="category", nticks=min(hidden.shape[1], 16))
    fig.update_yaxes(autorange="reversed", type="category")
    return styled(fig, "Last hidden state h_T → Linear → yes / no", uirevision, height=120 + 36 * len(rows),
                  margin=dict(l=260, r=30, t=60, b=60))


def held_out_figure(readout, uirevision: str = "one_label_spread") -> go.Figure:
    """Held-out rows' h_T on the two directions that spread them most: a trained model pulls the climbing rows apart."""
    points, truth = np.asarray(readout.held_out_points, dtype=float), np.asarray(readout.held_out_truth, dtype=bool)
    fig = go.Figure()
    for mask, name, colour, symbol in ((truth, "climbs (yes)", SMOOTH_COLOUR, "circle"),
                                       (~truth, "does not (no)", ACCENT, "x")):
        fig.add_trace(go.Scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", name=name,
                                 marker=dict(color=colour, size=10, symbol=symbol, opacity=0.75)))
    fig.update_xaxes(title_text="1st direction of h_T (PCA)")
    fig.update_yaxes(title_text="2nd direction")
    return styled(fig, f"{len(points)} held-out rows, by their last hidden state", uirevision, height=420,
                  legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"))
