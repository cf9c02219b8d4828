"""Memory tasks drawn: accuracy against lag for each cell, and how far back the last step's gradient reaches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.charts.style import note_figure, positive, styled
from rnnviz.choices import cell_label

CELL_COLOURS = {"rnn": "#d1495b", "lstm": "#1f6fb4", "gru": "#2a9d5c"}
PROFILE_TITLE = "How far back the answer's gradient reaches"


def lag_accuracy_figure(table: pd.DataFrame | None, chance: float | None = None, task: str = "",
                        uirevision: str = "lag_accuracy") -> go.Figure:
    """The headline accuracy each cell reached, against the lag (steps to remember), one line per cell.

    What to see: at short lags every cell learns. As the lag grows the tanh RNN falls to the chance
    line (dashed): the error at the answer no longer reaches back to the step it needed. The LSTM and
    GRU stay high, because their gates let the state, and the gradient, pass through time unchanged.
    """
    title = "Accuracy against lag" + (f" · {task}" if task else "")
    if table is None or table.empty:
        return note_figure("Press 'Run the sweep': each cell trains at each lag, and its accuracy lands here.",
                           title, uirevision)
    fig = go.Figure()
    for cell, rows in table.groupby("cell", sort=False):
        rows = rows.sort_values("lag")
        hover = [f"{s} steps, {sec:.1f} s" for s, sec in zip(rows["steps"], rows["seconds"])]
        fig.add_scatter(x=rows["lag"], y=rows["headline"], name=cell_label(cell), mode="lines+markers",
                        line=dict(color=CELL_COLOURS.get(cell), width=3), marker=dict(size=11), customdata=hover,
                        hovertemplate="lag %{x}: %{y:.0%} after %{customdata}<extra>" + str(cell) + "</extra>")
    if chance is not None:
        fig.add_hline(y=chance, line=dict(color="#444", dash="dash", width=2),
                      annotation_text=f"chance {chance:.0%}", annotation_position="bottom right")
    lags = sorted(table["lag"].unique())
    fig.update_xaxes(title="lag (steps between the clue and the answer)", type="log", tickvals=lags,
                     ticktext=[str(lag) for lag in lags])
    fig.update_yaxes(title="accuracy", range=[0, 1.05], tickformat=".0%")
    return styled(fig, title, uirevision)


def gradient_profile_figure(profiles: pd.DataFrame | None, current: np.ndarray | None = None,
                            current_label: str = "your model", title: str = PROFILE_TITLE,
                            uirevision: str = "gradient_profile") -> go.Figure:
    """‖∂L_T/∂h_t‖ against t for each cell: how strongly the loss at the answer reaches each earlier step (log).

    What to see: read each line from right (the answer) to left (the clue). The tanh RNN's drops by
    orders of magnitude within a few dozen steps, so the clue at the start gets almost no learning
    signal; the LSTM's stays nearly level. `current`, when given, is the loaded model's own profile.
    """
    if (profiles is None or profiles.empty) and current is None:
        return note_figure("Nothing to show yet.", title, uirevision)
    fig = go.Figure()
    if profiles is not None:
        for cell, rows in profiles.groupby("cell", sort=False):
            values = rows["grad_norm_last"].to_numpy()
            fall = values[0] / values[-1] if values[-1] > 0 else np.nan
            fig.add_scatter(x=rows["t"], y=positive(values), mode="lines", name=cell_label(cell),
                            line=dict(color=CELL_COLOURS.get(cell), width=3),
                            hovertemplate="t = %{x}: %{y:.3g}<extra>" + str(cell) + f", first/last {fall:.2g}</extra>")
    if current is not None:
        values = np.asarray(current, dtype=float)
        fig.add_scatter(x=np.arange(1, len(values) + 1), y=positive(values), mode="lines+markers", name=current_label,
                        line=dict(color="#222", width=2, dash="dot"), marker=dict(size=5))
    fig.update_xaxes(title="time step t (the clue comes first, the answer last)")
    fig.update_yaxes(title="‖∂L_T/∂h_t‖ (log)", type="log", exponentformat="power")
    return styled(fig, title, uirevision)
