"""Inside a trained model: W_hh's spectral radius over training, connectivity, and one unit's taste in symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.charts.style import ACCENT, SMOOTH_COLOUR, layer_colour, note_figure, readable, styled

# The recurrent block that plays W_hh's part in h_t = f(W_ih x_t + W_hh h_{t-1}) for each cell.
MAIN_BLOCK = {"rnn": "W_hh", "lstm": "candidate", "gru": "candidate"}


def spectral_figure(table: pd.DataFrame | None, cell: str = "rnn", uirevision: str = "spectral") -> go.Figure:
    """W_hh's spectral radius (largest |eigenvalue|, solid) and largest singular value (dashed) over training.

    What to see: each step back in time multiplies the gradient by W_hhᵀ·diag(tanh′). tanh′ is at most
    1, so if the largest singular value is below the line at 1 every product shrinks: over long spans
    the gradient vanishes. A spectral radius above 1 lets some direction grow with every step, and the
    gradient can explode (unless tanh saturates and its slope pulls it back). For LSTM and GRU this is
    the candidate's block; their memory runs through the gates, not through this matrix alone.
    """
    block = MAIN_BLOCK.get(cell, "W_hh")
    title = "W_hh over training" + ("" if cell == "rnn" else f" ({block} block)")
    if table is None or table.empty:
        return note_figure("Press Train or Step: W_hh is measured at every saved snapshot.", title, uirevision)
    rows = table[table["block"] == block]
    fig = go.Figure()
    layers = sorted(rows["layer"].unique())
    for layer in layers:
        mine = rows[rows["layer"] == layer].sort_values("step")
        suffix = f" · layer {layer + 1}" if len(layers) > 1 else ""
        colour = layer_colour(layer)
        fig.add_scatter(x=mine["step"], y=mine["spectral_radius"], name="spectral radius" + suffix,
                        mode="lines+markers", line=dict(color=colour, width=3), marker=dict(size=7),
                        hovertemplate="step %{x}: ρ = %{y:.4f}<extra></extra>")
        fig.add_scatter(x=mine["step"], y=mine["largest_singular"], name="largest singular value" + suffix,
                        mode="lines+markers", line=dict(color=colour, width=2, dash="dash"), marker=dict(size=5),
                        hovertemplate="step %{x}: σ_max = %{y:.4f}<extra></extra>")
    fig.add_hline(y=1.0, line=dict(color="#444", dash="dot", width=2), annotation_text="1",
                  annotation_position="top left", annotation_yshift=4)
    last = rows[rows["step"] == rows["step"].max()].sort_values("layer")
    for row in last.itertuples():
        where = f"layer {row.layer + 1}: " if len(layers) > 1 else ""
        title += f" · {where}ρ {row.spectral_radius:.3g}, σ_max {row.largest_singular:.3g}"
    # Snapshots are dense early and sparse later: a log-like axis would hide step 0, so keep it linear.
    fig.update_xaxes(title="training step (saved snapshots)")
    fig.update_yaxes(title="size", rangemode="tozero")
    return styled(fig, title, uirevision)


def connectivity_figure(result, uirevision: str = "connectivity") -> go.Figure:
    """How strongly each input of the prefix moves the prediction at the chosen step (shares summing to 1).

    What to see: a model with a short memory puts nearly all the weight on the last few inputs; one
    that uses the context spreads it back. For a memory task, a tall bar at the clue means the model
    has learnt where to look.
    """
    steps = len(result.labels)
    target = readable(result.target_label)
    what = {"probability": f"p({target})", "logit": f"the logit of {target}"}.get(result.quantity,
                                                                                   f"the value {target}")
    title = f"Connectivity: what moves {what} · at step {result.position + 1}"
    x = np.arange(1, steps + 1)
    colours = [ACCENT if index == result.position else SMOOTH_COLOUR for index in range(steps)]
    fig = go.Figure()
    fig.add_bar(x=x, y=result.scores, marker_color=colours, customdata=[readable(s) for s in result.labels],
                hovertemplate="step %{x} (%{customdata}): %{y:.1%}<extra></extra>", name="share")
    every = max(1, steps // 40)
    fig.update_xaxes(title="input step (the symbol read there; orange: the chosen step)",
                     tickvals=list(x[::every]), ticktext=[readable(s) for s in result.labels][::every], tickangle=0)
    fig.update_yaxes(title="share of ‖∂output/∂x_t‖", tickformat=".0%", rangemode="tozero")
    return styled(fig, title, uirevision, showlegend=False, title_chars=48)


def connectivity_matrix_figure(matrix, labels: list[str], step: int | None = None,
                               uirevision: str = "connectivity_matrix") -> go.Figure:
    """Connectivity for every output step at once: row s is what moved the prediction made at step s.

    What to see: a bright diagonal is a model that only looks at the symbol it just read; colour
    spreading left of the diagonal is memory in use. Above the diagonal is the future: always empty.
    """
    title = "Connectivity at every step" + ("" if step is None else f" · model at step {step}")
    values = np.asarray(matrix, dtype=float)
    if values.size == 0:
        return note_figure("Type a prefix: its connectivity appears here.", title, uirevision)
    steps = len(labels)
    shown = np.where(np.tril(np.ones_like(values, dtype=bool)), values, np.nan)
    axis = np.arange(1, steps + 1)
    tick_labels = [readable(s) for s in labels]
    fig = go.Figure()
    fig.add_heatmap(z=shown, x=axis, y=axis, colorscale="Blues", zmin=0, zmax=max(float(np.nanmax(shown)), 1e-9),
                    colorbar=dict(title="share", tickformat=".0%"),
                    hovertemplate="prediction at step %{y}, input %{x}: %{z:.1%}<extra></extra>")
    every = max(1, -(-steps // 16))  # at most 16 labels a side, or they overlap
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(tickvals=list(axis[::every]), ticktext=tick_labels[::every], tickangle=0)
    fig.update_xaxes(title="input step")
    fig.update_yaxes(title="prediction at step", autorange="reversed")
    return styled(fig, title, uirevision, height=max(360, min(620, 120 + 12 * steps)), title_chars=24)


def unit_symbols_figure(report, uirevision: str = "unit_symbols", max_symbols: int = 40) -> go.Figure:
    """One hidden unit's mean activation after each input symbol (highest first).

    What to see: a unit with a clear taste fires for a few symbols (long red bars) and stays off or
    negative for the rest (blue). A unit whose bars are all about the same is not about the symbol
    just read: it may track something longer, such as position in a word or how deep a bracket is.
    """
    state = "c" if report.state == "cell" else "h"
    title = f"Unit {report.unit} ({state}, layer {report.layer + 1}): mean after each input"
    frame = report.by_symbol
    if frame.empty:
        return note_figure("No inputs to read.", title, uirevision)
    if len(frame) > max_symbols:
        frame = pd.concat([frame.head(max_symbols // 2), frame.tail(max_symbols // 2)])
        title += f" (top and bottom {max_symbols // 2})"
    colours = ["#d1495b" if value >= 0 else "#1f6fb4" for value in frame["mean"]]
    symbols = [readable(s) for s in frame["symbol"]]
    fig = go.Figure()
    fig.add_bar(y=symbols, x=frame["mean"], orientation="h", marker_color=colours, customdata=frame["count"],
                hovertemplate="after %{y}: mean %{x:.3f} over %{customdata} inputs<extra></extra>", name="mean")
    fig.update_yaxes(autorange="reversed", type="category", title="input symbol")
    fig.update_xaxes(title=f"mean {state} of the unit", zeroline=True, zerolinewidth=2)
    return styled(fig, title, uirevision, height=max(300, min(900, 80 + 26 * len(frame))), showlegend=False,
                  title_chars=30)


def contexts_frame(report) -> pd.DataFrame:
    """The unit's top contexts as a table: activation, what came before, the input it fired after, what followed."""
    width = max((len(row.before) for row in report.top.itertuples()), default=0)
    # Padded on the left, so in a monospace column every firing input lines up after its context.
    rows = [{"activation": f"{row.activation:+.3f}", "before": row.before.rjust(width), "input": readable(row.symbol),
             "after": row.after} for row in report.top.itertuples()]
    return pd.DataFrame(rows, columns=["activation", "before", "input", "after"])
