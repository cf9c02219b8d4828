"""How training is going: the loss over steps, and the size of each step's gradient before and after clipping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.charts.style import ACCENT, RAW_COLOUR, SMOOTH_COLOUR, log_line, note_figure, positive, styled, thin

PERPLEXITY_TICKS = (1, 1.2, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)


def smoothed(values: pd.Series) -> pd.Series:
    """An exponential moving average whose window grows with the run, so early steps still show."""
    span = int(min(max(len(values) / 20, 5), 200))
    return values.ewm(span=span, adjust=True).mean()


def loss_figure(history: pd.DataFrame, perplexity: bool = False, uirevision: str = "loss") -> go.Figure:
    """Loss at every training step: raw (pale, jumpy: each batch differs) and smoothed (the trend).

    What to see: the smoothed line falling means the model is learning; where the data has a held-out
    part, its loss (dots) should fall too; if it turns up while the training loss keeps falling, the
    model is memorising, and the title says so. A dotted line marks each change of learning rate. For
    character data the right axis reads the same curve as perplexity, e^loss: how many symbols the
    model is still choosing between. A loss that blew up is drawn on a log axis, so the start still shows.
    """
    title = "Loss"
    if history is None or history.empty:
        return note_figure("Press Train or Step: the loss of each step appears here.", title, uirevision)
    trend = smoothed(history["loss"])
    shown = thin(history.assign(trend=trend))
    fig = go.Figure()
    fig.add_scatter(x=shown["step"], y=shown["loss"], name="loss (each step)", mode="lines",
                    line=dict(color=RAW_COLOUR, width=1.5))
    fig.add_scatter(x=shown["step"], y=shown["trend"], name="smoothed", mode="lines",
                    line=dict(color=SMOOTH_COLOUR, width=3.5))
    held_out = history.dropna(subset=["val_loss"])
    if not held_out.empty:
        held_out = thin(held_out)
        fig.add_scatter(x=held_out["step"], y=held_out["val_loss"], name="held-out loss",
                        mode="lines+markers", line=dict(color=ACCENT, width=2), marker=dict(size=8))
    latest = float(trend.iloc[-1])
    title = f"Loss · smoothed {latest:.3g} at step {int(history['step'].iloc[-1])}"
    if overfitting(history):
        title += " · held-out loss rising while training loss falls: memorising (overfitting)"
    _mark_lr_changes(fig, history)
    finite = history["loss"][np.isfinite(history["loss"])]
    blown_up = not finite.empty and finite.min() > 0 and finite.max() / finite.min() >= BLOWN_UP
    if blown_up:
        fig.update_yaxes(type="log")
    elif perplexity and np.isfinite(latest):
        # A log axis of e^loss over a linear axis of loss draws the same curve, so one line reads as both.
        low, high = _range(pd.concat([shown["loss"], shown["trend"], held_out["val_loss"]]))
        fig.add_scatter(x=shown["step"], y=np.exp(shown["trend"]), name="perplexity", yaxis="y2",
                        mode="lines", line=dict(color=SMOOTH_COLOUR, width=0), showlegend=False,
                        hovertemplate="perplexity %{y:.3g}<extra></extra>")
        # Round perplexities as ticks: Plotly's own log ticks between 1 and 10 read poorly.
        ticks = [p for p in PERPLEXITY_TICKS if np.exp(low) <= p <= np.exp(high)]
        fig.update_layout(
            yaxis=dict(range=[low, high]),
            yaxis2=dict(title="perplexity", overlaying="y", side="right", type="log", showgrid=False,
                        range=[low / np.log(10), high / np.log(10)], tickvals=ticks,
                        ticktext=[f"{p:g}" for p in ticks]),
        )
        title += f" · perplexity {np.exp(latest):.3g}"
    fig.update_xaxes(title="training step")
    fig.update_layout(yaxis_title="loss (log)" if blown_up else "loss")
    right = 90 if perplexity and not blown_up else 30
    return styled(fig, title, uirevision, margin=dict(l=70, r=right, t=60, b=55))


BLOWN_UP = 100.0  # a loss spanning this factor is drawn on a log axis
OVERFIT_RISE = 1.1  # held-out loss this far above its best, while the training loss still falls


def overfitting(history: pd.DataFrame) -> bool:
    """Whether the held-out loss has risen OVERFIT_RISE above its best while the smoothed training loss
    kept falling since then: the model is memorising its training data rather than learning the pattern."""
    held_out = history.dropna(subset=["val_loss"]) if "val_loss" in history else history.iloc[:0]
    if len(held_out) < 3:
        return False
    best = held_out["val_loss"].idxmin()
    if held_out["val_loss"].iloc[-1] < OVERFIT_RISE * held_out["val_loss"].loc[best] or best == held_out.index[-1]:
        return False
    trend = smoothed(history["loss"])
    return bool(trend.iloc[-1] < trend.loc[best])


def _mark_lr_changes(fig: go.Figure, history: pd.DataFrame) -> None:
    """A dotted vertical line, labelled, at each step whose learning rate differs from the step before."""
    if "lr" not in history:
        return
    rates = history["lr"].to_numpy()
    changes = np.flatnonzero(rates[1:] != rates[:-1]) + 1
    for index in changes[-6:]:  # a few are a lesson; dozens would be a fence
        fig.add_vline(x=float(history["step"].iloc[index]) - 0.5, line=dict(color="#666", dash="dot", width=2))
        fig.add_annotation(x=float(history["step"].iloc[index]), xref="x", y=1.0, yref="paper", showarrow=False,
                           text=f"lr {rates[index - 1]:g} → {rates[index]:g}", xanchor="left", yanchor="top",
                           bgcolor="rgba(255, 255, 255, 0.8)", font=dict(color="#444", size=14))


def _range(values: pd.Series) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * 0.05 or 0.1
    return low - pad, high + pad


def grad_norm_figure(history: pd.DataFrame, clip: float | None = None, uirevision: str = "grad") -> go.Figure:
    """‖g‖, the size of the whole gradient at every step, before clipping and after it (log scale).

    What to see: spikes are exploding gradients. With clipping on, the threshold is the dashed line and
    every step above it is scaled down onto it (g → θ·g/‖g‖), so the update never jumps too far.
    """
    title = "Gradient norm per step"
    if history is None or history.empty:
        return note_figure("Press Train or Step: the gradient norm of each step appears here.", title, uirevision)
    shown = thin(history)
    fig = go.Figure()
    fig.add_scatter(x=shown["step"], y=positive(shown["grad_norm"]), name="before clipping", mode="lines",
                    line=dict(color=SMOOTH_COLOUR, width=2))
    if clip:
        fig.add_scatter(x=shown["step"], y=positive(shown["grad_norm_clipped"]), name="after clipping",
                        mode="lines", line=dict(color=ACCENT, width=2))
        log_line(fig, clip, f"clip θ = {clip:g}")
        above = int((history["grad_norm"] > clip).sum())
        title += f" · clipped {above} of {len(history)} steps at θ = {clip:g}"
    else:
        title += " · clipping off"
    fig.update_xaxes(title="training step")
    fig.update_yaxes(title="‖g‖ (log)", type="log")
    return styled(fig, title, uirevision)
