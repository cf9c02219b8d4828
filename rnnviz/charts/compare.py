"""Side by side: several models' loss, gradients and predictions on the same axes, one colour each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.charts.prediction import RANK_COLOURS
from rnnviz.charts.style import log_line, note_figure, positive, readable, styled, thin
from rnnviz.charts.training import smoothed

MODEL_COLOURS = ("#d1495b", "#1f6fb4", "#2a9d5c")


def model_colour(index: int) -> str:
    return MODEL_COLOURS[index % len(MODEL_COLOURS)]


def compare_loss_figure(histories: pd.DataFrame, labels: list[str], uirevision: str = "compare_loss") -> go.Figure:
    """Every model's loss on one axis: the smoothed trend bold, each step's loss pale behind it.

    What to see: the models read the same batches in the same order, so where one line drops
    sooner, that model's one different setting is what made it learn faster.
    """
    title = "Loss, side by side"
    if histories is None or histories.empty:
        return note_figure("Press Train side by side or Step: every model's loss appears here.", title, uirevision)
    fig = go.Figure()
    latest = []
    for index, label in enumerate(labels):
        rows = histories[histories["model"] == label]
        if rows.empty:
            continue
        trend = smoothed(rows["loss"])
        shown = thin(rows.assign(trend=trend))
        colour = model_colour(index)
        fig.add_scatter(x=shown["step"], y=shown["loss"], mode="lines", line=dict(color=colour, width=1),
                        opacity=0.3, showlegend=False, legendgroup=label, hoverinfo="skip")
        fig.add_scatter(x=shown["step"], y=shown["trend"], mode="lines", name=label, legendgroup=label,
                        line=dict(color=colour, width=3.5),
                        hovertemplate="step %{x}: %{y:.4g}<extra>" + label + "</extra>")
        latest.append(f"{label} {float(trend.iloc[-1]):.3g}")
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="loss (smoothed)")
    return styled(fig, title + " · " + ", ".join(latest), uirevision)


def compare_grad_norm_figure(histories: pd.DataFrame, labels: list[str], clips: list[float | None] | None = None,
                             uirevision: str = "compare_grad_norm") -> go.Figure:
    """Each model's whole-gradient norm ‖g‖ per training step, before clipping (log scale).

    What to see: spikes are exploding gradients. With clipping on vs off, both models see the
    same spikes at first; the clipped one's updates are capped at θ (its dashed line), so it does
    not jump away, while the unclipped one may.
    """
    title = "Gradient norm per step, side by side"
    if histories is None or histories.empty:
        return note_figure("Press Train side by side or Step: every model's ‖g‖ appears here.", title, uirevision)
    fig = go.Figure()
    for index, label in enumerate(labels):
        rows = thin(histories[histories["model"] == label])
        if rows.empty:
            continue
        colour = model_colour(index)
        fig.add_scatter(x=rows["step"], y=positive(rows["grad_norm"]), mode="lines", name=label,
                        line=dict(color=colour, width=2),
                        hovertemplate="step %{x}: ‖g‖ = %{y:.3g}<extra>" + label + "</extra>")
    # One dashed line per distinct threshold, named by the models that use it.
    thresholds: dict[float, list[str]] = {}
    for label, clip in zip(labels, clips or []):
        if clip:
            thresholds.setdefault(float(clip), []).append(label)
    for clip, users in thresholds.items():
        who = "all" if len(users) == len(labels) else ", ".join(users)
        log_line(fig, clip, f"clip θ = {clip:g} ({who})")
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="‖g‖ before clipping (log)", type="log", exponentformat="power")
    return styled(fig, title, uirevision)


def compare_step_grad_figure(entries: list[tuple[str, dict | None]],
                             uirevision: str = "compare_step_grad") -> go.Figure:
    """‖∂L_T/∂h_t‖ of each model's latest logged batch against t (top layer, log scale).

    What to see: read right to left. The model whose line stays level still hears the last step's
    error at the first step; a line that falls by orders of magnitude has a vanishing gradient.
    """
    title = "Gradient at each time step (last step's loss), side by side"
    logged = [(label, entry) for label, entry in entries if entry is not None]
    if not logged:
        return note_figure("Press Train side by side or Step: a logged batch's gradients appear here.", title,
                           uirevision)
    fig = go.Figure()
    for index, (label, entry) in enumerate(entries):
        if entry is None:
            continue
        values = np.asarray(entry["grad_norms_last"], dtype=float)[-1]
        fig.add_scatter(x=np.arange(1, len(values) + 1), y=positive(values), mode="lines+markers", name=label,
                        line=dict(color=model_colour(index), width=3), marker=dict(size=6),
                        hovertemplate="t = %{x}: %{y:.3g}<extra>" + label + f", step {entry['step']}</extra>")
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="‖∂L_T/∂h_t‖ (log)", type="log", exponentformat="power")
    return styled(fig, title, uirevision)


def compare_prediction_figure(predictions: list[tuple[str, object]], k: int = 3, max_steps: int = 12,
                              uirevision: str = "compare_prediction") -> go.Figure:
    """Each model's prediction for the same prefix, one panel each on the same axes.

    Symbols: the top candidates at each generated step stacked by probability (the one taken
    outlined). Values: the prefix and each model's continuation on one curve. What to see: the
    same question, answered by models that differ in one setting.
    """
    title = "Predictions for the same prefix"
    shown = [(label, p) for label, p in predictions if p is not None]
    if not shown:
        return note_figure("No prediction: check the prefix.", title, uirevision)
    if not shown[0][1].top(1):
        return _series_figure(predictions, title, uirevision)
    fig = make_subplots(rows=1, cols=len(predictions), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[label for label, _ in predictions])
    for col, (label, prediction) in enumerate(predictions, start=1):
        if prediction is None:
            continue
        top = prediction.top(k)[:max_steps]
        chosen = [prediction.symbols[int(i)] for i in prediction.generated[:len(top)]]
        steps = [f"{i + 1}: {readable(symbol)}" for i, symbol in enumerate(chosen)]
        for rank in range(len(top[0]) if top else 0):
            symbols = [row[rank][0] for row in top]
            picked = [symbol == chosen[i] for i, symbol in enumerate(symbols)]
            fig.add_bar(x=steps, y=[row[rank][1] for row in top], text=[readable(s) for s in symbols],
                        textposition="inside", insidetextanchor="middle", textangle=0, showlegend=False,
                        marker=dict(color=RANK_COLOURS[rank % len(RANK_COLOURS)],
                                    line=dict(color=["#e07a1f" if p else "rgba(0,0,0,0)" for p in picked],
                                              width=[4 if p else 0 for p in picked])),
                        hovertemplate="%{text}: %{y:.1%}<extra>" + label + "</extra>", row=1, col=col)
        fig.update_xaxes(type="category", row=1, col=col)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(title="probability", row=1, col=1)
    return styled(fig, title, uirevision, barmode="stack", uniformtext=dict(minsize=13, mode="hide"))


def _series_figure(predictions, title: str, uirevision: str) -> go.Figure:
    fig = go.Figure()
    prefix_drawn = False
    for index, (label, prediction) in enumerate(predictions):
        if prediction is None:
            continue
        prefix = [float(v) for v in prediction.prefix]
        generated = [float(v) for v in prediction.generated]
        if not prefix_drawn:
            fig.add_scatter(x=np.arange(len(prefix)), y=prefix, mode="lines+markers", name="prefix",
                            line=dict(color="#444", width=3))
            prefix_drawn = True
        x = np.arange(len(prefix) - 1, len(prefix) + len(generated))
        fig.add_scatter(x=x, y=[prefix[-1], *generated] if prefix else generated, mode="lines+markers", name=label,
                        line=dict(color=model_colour(index), width=3))
    fig.update_xaxes(title="step")
    fig.update_yaxes(title="value")
    return styled(fig, title, uirevision)
