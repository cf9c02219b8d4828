"""A series continuation beside the truth (lesson L4): the prefix, what follows it in the data, the model's guesses."""

from __future__ import annotations

import plotly.graph_objects as go

from rnnviz.charts.style import ACCENT, SMOOTH_COLOUR, styled


def series_truth_figure(prefix, rows: list[tuple[str, list[float]]], truth: list[float] | None,
                        uirevision: str = "series_truth") -> go.Figure:
    """The prefix (blue), the true continuation (dashed black) and each model's (orange: now; grey: before).

    A trained model's line lies on the dashed one; before training it wanders off.
    """
    k = len(prefix)
    fig = go.Figure(go.Scatter(x=list(range(1, k + 1)), y=list(prefix), mode="lines+markers", name="prefix",
                               line=dict(color=SMOOTH_COLOUR, width=3), marker=dict(size=8)))
    ahead = [k, *range(k + 1, k + 1 + max(len(v) for _, v in rows))]
    if truth is not None:
        fig.add_trace(go.Scatter(x=ahead[:len(truth) + 1], y=[prefix[-1], *truth], mode="lines", name="true",
                                 line=dict(color="#111", width=3, dash="dash")))
    styles = [dict(color="#9aa5b1", width=2, dash="dot"), dict(color=ACCENT, width=4)]
    for (label, values), line in zip(rows, styles[-len(rows):]):
        fig.add_trace(go.Scatter(x=ahead[:len(values) + 1], y=[prefix[-1], *values], mode="lines+markers",
                                 name=label, line=line, marker=dict(size=7)))
    fig.update_xaxes(title_text="time step", dtick=5 if len(ahead) + k > 24 else 1)
    fig.update_yaxes(title_text="value")
    return styled(fig, "The continuation against the true curve", uirevision, height=400,
                  legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"))
