"""The look every chart shares: fonts that read on a projector, one palette, a note for empty views."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

FONT_SIZE = 16
TITLE_SIZE = 19
HEIGHT = 360
MAX_POINTS = 1500  # longer histories are thinned before drawing; the browser stays quick
LAYER_COLOURS = ("#1f6fb4", "#d1495b", "#2a9d5c", "#8e5fb8")
RAW_COLOUR = "rgba(31, 111, 180, 0.28)"
SMOOTH_COLOUR = "#1f6fb4"
ACCENT = "#e07a1f"
HIDDEN_SCALE = "RdBu_r"  # negative blue, positive red, zero white


VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥"}


def readable(symbol) -> str:
    """A symbol as it can be seen on a chart: a space, newline or tab gets a visible sign."""
    text = str(symbol)
    return VISIBLE.get(text, text)


def layer_colour(layer: int) -> str:
    return LAYER_COLOURS[layer % len(LAYER_COLOURS)]


def styled(fig: go.Figure, title: str, uirevision: str, height: int = HEIGHT, **layout) -> go.Figure:
    """Apply the shared look. `uirevision` keeps zoom and legend clicks across live redraws."""
    settings = dict(
        title=dict(text=title, font=dict(size=TITLE_SIZE), x=0.01, xanchor="left"),
        font=dict(size=FONT_SIZE),
        height=height,
        margin=dict(l=70, r=30, t=60, b=55),
        uirevision=uirevision,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        hoverlabel=dict(font_size=FONT_SIZE),
    )
    settings.update(layout)
    fig.update_layout(**settings)
    return fig


def note_figure(message: str, title: str, uirevision: str, height: int = HEIGHT) -> go.Figure:
    """A chart with nothing to plot yet, saying what to do to fill it."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=FONT_SIZE + 2, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, title, uirevision, height)


def thin(frame: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Every k-th row (and always the last), so at most about `max_points` rows are drawn."""
    if len(frame) <= max_points:
        return frame
    stride = math.ceil(len(frame) / max_points)
    keep = np.zeros(len(frame), dtype=bool)
    keep[::stride] = True
    keep[-1] = True
    return frame[keep]


def as_array(values) -> np.ndarray:
    """A torch tensor, list or array as a float numpy array."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=float)


def positive(values: np.ndarray) -> np.ndarray:
    """Zeros and negatives become gaps: they have no place on a log axis."""
    values = np.array(values, dtype=float)
    values[~(values > 0)] = np.nan
    return values


def log_line(fig: go.Figure, value: float, text: str) -> None:
    """A dashed horizontal line at `value` on a log y axis, labelled at its left end.

    Plotly's add_hline places its own label at 10**value on a log axis (it reads the value as a
    logarithm) and stretches the axis to reach it, so the label is added by hand.
    """
    fig.add_hline(y=value, line=dict(color="#444", dash="dash", width=2))
    fig.add_annotation(x=0, xref="paper", y=float(np.log10(value)), yref="y", text=text, showarrow=False,
                       xanchor="left", yanchor="bottom", font=dict(color="#444"))
