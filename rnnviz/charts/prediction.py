"""What the model predicts: the candidates at each generated step, and the path its hidden state takes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.charts.style import ACCENT, SMOOTH_COLOUR, as_array, note_figure, readable, styled

RANK_COLOURS = ("#1f6fb4", "#5d9bd1", "#93bfe3", "#c3dbef", "#e3eef8")


def candidates_figure(prediction, k: int = 5, max_steps: int = 12, uirevision: str = "candidates") -> go.Figure:
    """For each generated step, the k most likely next symbols stacked by probability (the first
    `max_steps` steps: more bars than that squeeze below what a projector can show).

    What to see: a tall dark bar is a confident model; probability spread over many candidates is a
    model still guessing. The symbol it took is outlined (at temperature 0 always the most likely).
    """
    title = "Top candidates at each generated step"
    top = prediction.top(k)
    if not top:
        return note_figure("This data has values, not symbols: see the continued curve.", title, uirevision)
    top = top[:max_steps]
    chosen = [prediction.symbols[int(i)] for i in prediction.generated[:len(top)]]
    steps = [f"{i + 1}: {readable(symbol)}" for i, symbol in enumerate(chosen)]
    fig = go.Figure()
    ranks = len(top[0])
    for rank in range(ranks):
        symbols = [row[rank][0] for row in top]
        probs = [row[rank][1] for row in top]
        picked = [symbol == chosen[i] for i, symbol in enumerate(symbols)]
        fig.add_bar(x=steps, y=probs, name=f"choice {rank + 1}", text=[readable(s) for s in symbols],
                    textposition="inside", insidetextanchor="middle", textangle=0, textfont=dict(size=16),
                    marker=dict(color=RANK_COLOURS[rank % len(RANK_COLOURS)],
                                line=dict(color=["#e07a1f" if p else "rgba(0,0,0,0)" for p in picked],
                                          width=[4 if p else 0 for p in picked])),
                    customdata=[readable(s) for s in symbols],
                    hovertemplate="%{customdata}: %{y:.1%}<extra>choice " + str(rank + 1) + "</extra>")
    if len(prediction.generated) > len(top):
        title += f" · first {len(top)} of {len(prediction.generated)}"
    fig.update_xaxes(title="generated step: the symbol taken", type="category")
    fig.update_yaxes(title="probability", range=[0, 1], tickformat=".0%")
    # Labels that do not fit their segment are hidden rather than shrunk out of reach.
    return styled(fig, title, uirevision, barmode="stack", showlegend=False, uniformtext=dict(minsize=13, mode="hide"))


def _projection(values: np.ndarray) -> tuple[np.ndarray, str]:
    """The two directions along which the hidden states differ most (PCA), for a flat picture."""
    if values.shape[1] == 1:
        return np.column_stack([np.arange(len(values)), values[:, 0]]), "one unit: h against time"
    centred = values - values.mean(axis=0)
    _, spread, directions = np.linalg.svd(centred, full_matrices=False)
    share = spread[:2] ** 2 / max(float((spread ** 2).sum()), 1e-12)
    return centred @ directions[:2].T, f"PCA, {share.sum():.0%} of the spread"


def trajectory_figure(prediction, labels: list[str], layer: int = -1, uirevision: str = "trajectory") -> go.Figure:
    """The hidden state's path while the model reads the prefix and then writes its continuation.

    Each point is h_t flattened onto the two directions where the states differ most. What to see:
    a trained model on repeating data comes back to the same places (loops); similar symbols land near
    each other.
    """
    title = "Hidden-state path"
    values = as_array(prediction.hidden[layer])
    if values.shape[0] < 2:
        return note_figure("A trajectory needs at least two steps.", title, uirevision)
    points, how = _projection(values)
    if points.shape[1] < 2:
        points = np.column_stack([points[:, 0], np.zeros(len(points))])
    cut = len(prediction.prefix)
    fig = go.Figure()
    for name, part, colour in (("reading the prefix", slice(0, cut), SMOOTH_COLOUR),
                               ("writing the continuation", slice(max(cut - 1, 0), None), ACCENT)):
        fig.add_scatter(x=points[part, 0], y=points[part, 1], name=name, mode="lines+markers+text",
                        text=list(labels)[part], textposition="top center", cliponaxis=False,
                        line=dict(color=colour, width=2.5),
                        marker=dict(size=11, color=colour))
    fig.update_xaxes(title="direction 1", zeroline=False)
    fig.update_yaxes(title="direction 2", zeroline=False)
    return styled(fig, f"{title} · {how}", uirevision)


def series_figure(prediction, uirevision: str = "series") -> go.Figure:
    """The values typed as a prefix and the values the model continues with.

    What to see: a trained model continues the wave smoothly from where the prefix ends.
    """
    prefix, generated = list(prediction.prefix), list(prediction.generated)
    fig = go.Figure()
    fig.add_scatter(x=list(range(len(prefix))), y=prefix, name="prefix", mode="lines+markers",
                    line=dict(color=SMOOTH_COLOUR, width=3), marker=dict(size=9))
    start = len(prefix) - 1
    fig.add_scatter(x=list(range(start, start + len(generated) + 1)), y=prefix[-1:] + generated,
                    name="continuation", mode="lines+markers", line=dict(color=ACCENT, width=3, dash="dot"),
                    marker=dict(size=9))
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="value")
    return styled(fig, "Prefix and continuation", uirevision)
