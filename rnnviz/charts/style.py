"""The look every chart shares: fonts that read on a projector, one palette, a note for empty views."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.choices import VISIBLE, readable  # noqa: F401 - the signs the charts show a space, newline, tab as

FONT_SIZE = 16
TITLE_SIZE = 19
TICK_SIZE = 15  # tick labels read from the back of a room at 14 px or more
HEIGHT = 360
TITLE_CHARS = 38  # a longer title wraps (at " · " or a space): a chart in a half-width column at 1280 px
NOTE_CHARS = 36  # an empty chart's message, line by line
LEGEND_ROW, LEGEND_ROW_WIDTH = 26, 520  # px a legend row takes, and the width it is laid out in
MAX_POINTS = 1500  # longer histories are thinned before drawing; the browser stays quick
LAYER_COLOURS = ("#1f6fb4", "#d1495b", "#2a9d5c", "#8e5fb8")
RAW_COLOUR = "rgba(31, 111, 180, 0.28)"
SMOOTH_COLOUR = "#1f6fb4"
ACCENT = "#e07a1f"
HIDDEN_SCALE = "RdBu_r"  # negative blue, positive red, zero white


def layer_colour(layer: int) -> str:
    return LAYER_COLOURS[layer % len(LAYER_COLOURS)]


def wrap_title(title: str, width: int = TITLE_CHARS) -> list[str]:
    """The title cut into lines of about `width` characters at its " · " separators (a part is cut at
    spaces only when it alone is too long)."""
    lines: list[str] = []
    for part in title.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
            continue
        if len(part) <= width:
            lines.append(part)
            continue
        words, line = re.split(r" (?=[^\d=])", part), ""  # a number stays with its word: "step 3"
        for word in words:
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def legend_rows(fig: go.Figure) -> int:
    """How many rows the horizontal legend below the chart takes (0 when there is no legend)."""
    if fig.layout.showlegend is False:
        return 0
    names = [t.name for t in fig.data if t.type in ("scatter", "bar") and t.showlegend is not False and t.name]
    if len(names) < 2 and fig.layout.showlegend is not True:
        return 0
    width = sum(40 + 0.58 * FONT_SIZE * len(name) for name in names)
    return max(1, math.ceil(width / LEGEND_ROW_WIDTH))


def styled(fig: go.Figure, title: str, uirevision: str, height: int = HEIGHT, **layout) -> go.Figure:
    """Apply the shared look. `uirevision` keeps zoom and legend clicks across live redraws.

    Long titles wrap (at `title_chars` characters: less for a chart in a narrow column); the legend sits
    under the chart (never over the title); tick labels are TICK_SIZE px; a log axis is labelled at whole
    decades (see `decade_ticks`).
    """
    lines = wrap_title(title, layout.pop("title_chars", TITLE_CHARS))
    margin = dict(l=70, r=30, t=60, b=55)
    margin.update(layout.pop("margin", {}))
    margin["t"] += 24 * (len(lines) - 1)
    extra = 24 * (len(lines) - 1)
    if "legend" not in layout:
        rows = legend_rows(fig)
        margin["b"] += LEGEND_ROW * rows
        extra += LEGEND_ROW * rows
    settings = dict(
        title=dict(text="<br>".join(lines), font=dict(size=TITLE_SIZE), x=0.01, xanchor="left",
                   yref="container", y=1.0, yanchor="top", pad=dict(t=12)),
        font=dict(size=FONT_SIZE),
        height=height + extra,
        margin=margin,
        uirevision=uirevision,
        legend=dict(orientation="h", yref="container", y=0.0, yanchor="bottom", xanchor="left", x=0.0,
                    font=dict(size=FONT_SIZE - 1)),
        hoverlabel=dict(font_size=FONT_SIZE),
    )
    settings.update(layout)
    fig.update_layout(**settings)
    # One more update for every axis and colour bar (Plotly's per-axis update calls are slow: a chart is
    # drawn every second while training).
    axes = {name: {"tickfont": {"size": TICK_SIZE}} for name in _axis_names(fig)}
    for name, ticks in _log_axis_ticks(fig).items():
        axes[name].update(ticks)
    if any(trace._props.get("coloraxis") for trace in fig.data):
        axes["coloraxis"] = {"colorbar": {"tickfont": {"size": TICK_SIZE}}}
    fig.update_layout(axes)
    for trace in fig.data:
        if trace.type == "heatmap" and trace._props.get("showscale") is not False and not trace._props.get("coloraxis"):
            trace.update(colorbar=dict(tickfont=dict(size=TICK_SIZE)))
    return fig


def _axis_names(fig: go.Figure) -> list[str]:
    """Every x and y axis of the figure ("xaxis", "yaxis2", ...): those set in its layout and those its traces use."""
    names = {key for key in fig.layout._props if key.startswith(("xaxis", "yaxis"))}
    for trace in fig.data:
        for letter in "xy":
            if letter in trace._props or f"{letter}axis" in trace._props or trace.type in ("scatter", "bar", "heatmap"):
                ref = trace._props.get(f"{letter}axis") or letter
                names.add(f"{letter}axis{ref[1:]}")
    return sorted(names)


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_text(exponent: int) -> str:
    """10^exponent as a learner reads it: 0.01, 1, 1000 written out; 10⁻⁵ and 10⁶ as powers."""
    if -2 <= exponent <= 3:
        return f"{10.0 ** exponent:g}"
    return "10" + str(exponent).translate(SUPERSCRIPT)


def decade_ticks(values) -> tuple[list[float], list[str]] | None:
    """Tick values and labels for a log axis over `values`: whole decades only (every 2nd, 3rd, ... when
    there are many), or 1, 2, 5 times a decade when the values span less than about one decade."""
    values = np.ravel(np.asarray(values, dtype=float))
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return None
    low, high = math.floor(math.log10(values.min())), math.ceil(math.log10(values.max()))
    if high - low <= 1:
        ticks = [m * 10.0 ** e for e in range(low, high + 1) for m in (1, 2, 5)]
        ticks = [t for t in ticks if values.min() / 2.5 <= t <= values.max() * 2.5]
        return ticks, [f"{t:g}" if 1e-3 <= t < 1e5 else f"{t:.0e}" for t in ticks]
    stride = max(1, math.ceil((high - low) / 8))
    exponents = list(range(low, high + 1, stride))
    return [10.0 ** e for e in exponents], [power_text(e) for e in exponents]


def _log_axis_ticks(fig: go.Figure) -> dict[str, dict]:
    """Decade ticks (and the values' span) for every log axis that has no ticks of its own: Plotly's own
    labels print the digits 2…9 between decades ("9 8 7 6 5 4 3"), a smear from the back of the room."""
    result = {}
    for name, axis in fig.layout._props.items():
        if not name.startswith(("xaxis", "yaxis")) or axis.get("type") != "log" or axis.get("tickvals") is not None:
            continue
        letter, ref = name[0], name[0] + name[5:]  # "yaxis2" → "y2"
        values = [np.ravel(np.asarray(trace._props[letter], dtype=float)) for trace in fig.data
                  if (trace._props.get(f"{letter}axis") or letter) == ref and trace._props.get(letter) is not None]
        for shape in fig.layout._props.get("shapes", ()):
            if shape.get(f"{letter}ref") in (ref, f"{ref} domain") and shape.get(f"{letter}0") is not None:
                values.append(np.array([shape[f"{letter}0"]], dtype=float))
        values = np.concatenate(values) if values else np.array([])
        ticks = log_axis(values, spanned=axis.get("range") is None)
        if ticks:
            result[name] = ticks
    return result


def log_axis(values, spanned: bool = True) -> dict | None:
    """A log axis's settings for `values`: decade ticks (see `decade_ticks`) and, with `spanned`, a range over the
    values' own span, so the ticks chosen for it are the ones in view. None when no value is positive."""
    values = np.asarray(values, dtype=float).ravel()
    ticks = decade_ticks(values)
    if not ticks:
        return None
    axis = {"tickvals": ticks[0], "ticktext": ticks[1], "minor": {"showgrid": False}}
    if spanned:
        logs = np.log10(values[np.isfinite(values) & (values > 0)])
        pad = 0.05 * (logs.max() - logs.min()) + 0.1
        axis["range"] = [float(logs.min() - pad), float(logs.max() + pad)]
    return axis


def note_figure(message: str, title: str, uirevision: str, height: int = HEIGHT) -> go.Figure:
    """A chart with nothing to plot yet, saying what to do to fill it."""
    fig = go.Figure()
    # Wrapped, so the whole message shows in a half-width column too.
    fig.add_annotation(text="<br>".join(wrap_title(message, NOTE_CHARS)), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False,
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
    # Above the line, lifted clear of it, on a pale box so a curve passing behind does not hide it.
    fig.add_annotation(x=0, xref="paper", y=float(np.log10(value)), yref="y", text=text, showarrow=False,
                       xanchor="left", yanchor="bottom", yshift=4, bgcolor="rgba(255, 255, 255, 0.8)",
                       font=dict(color="#444"))


SIGNED_LOG_ABOVE = 100.0  # a diverging colour range wider than ±this is drawn on a signed log scale


def diverging_colour(values, bound: float | None = None) -> tuple[np.ndarray, float, dict]:
    """What to draw for values centred on 0 (red positive, blue negative), its ±range and colour bar ticks.

    Within ±SIGNED_LOG_ABOVE the values are drawn as they are, over ±`bound` (or their largest finite
    size). Beyond it (weights thrown far out by an explosion) one colour bar in plain units would read
    "500T" and wash everything else out to white, so the colours follow sign·log₁₀(1 + |v|) and the
    bar is labelled at decades in the values' own units (−10⁶ … 0 … 10⁶).
    """
    values = as_array(values)
    finite = np.abs(values[np.isfinite(values)])
    if bound is None:
        bound = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    shown = np.where(np.isfinite(values), values, np.nan)
    if bound <= SIGNED_LOG_ABOVE:
        return shown, bound, {}
    top = math.ceil(math.log10(bound))
    stride = max(1, math.ceil(top / 4))
    exponents = list(range(top, 0, -stride))[::-1]
    tickvals = [-math.log10(1 + 10.0 ** e) for e in reversed(exponents)] + [0.0] + \
        [math.log10(1 + 10.0 ** e) for e in exponents]
    ticktext = ["−" + power_text(e) for e in reversed(exponents)] + ["0"] + [power_text(e) for e in exponents]
    return (np.sign(shown) * np.log10(1 + np.abs(shown)), math.log10(1 + bound),
            dict(tickvals=tickvals, ticktext=ticktext))
