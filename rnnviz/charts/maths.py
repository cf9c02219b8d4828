"""The worked maths drawn: one step's terms unit by unit, and the chain of Jacobians BPTT multiplies."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.charts.style import ACCENT, SMOOTH_COLOUR, log_line, note_figure, positive, styled

STEP_COLOURS = ("#93bfe3", "#1f6fb4", "#0b3c6b")
PART_COLOURS = {"x": "#1f6fb4", "h": "#d1495b", "bias": "#9aa5b1"}
PART_NAMES = {"x": "W_xh·x_t (the input)", "h": "W_hh·h_{t−1} (the memory)", "bias": "b (the biases)"}
GATE_COLOURS = {"input": "#2a9d5c", "forget": "#c9a227", "candidate": "#8e5fb8", "output": "#1f6fb4",
                "reset": "#e07a1f", "update": "#2a9d5c"}


def worked_figure(steps, uirevision: str = "worked") -> go.Figure:
    """LESSONS L3's example: h_t for each of the three units and y_t, at t = 1, 2, 3 (numbers on the bars).

    What to see: each step adds W_hh·h_{t−1} to the new input's part, so the hidden units climb
    towards tanh's ceiling of 1 and y_t grows with them: the memory piling up, step by step.
    """
    title = "The worked example: h_t and y_t at each step"
    if not steps:
        return note_figure("No steps to show.", title, uirevision)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.72, 0.28], horizontal_spacing=0.1,
                        subplot_titles=["h_t, unit by unit", "y_t = W_hy·h_t"])
    units = [f"unit {u + 1}" for u in range(len(steps[0].h))]
    for index, terms in enumerate(steps):
        colour = STEP_COLOURS[index % len(STEP_COLOURS)]
        fig.add_bar(x=units, y=terms.h, name=f"t = {terms.step}", marker_color=colour, legendgroup=str(terms.step),
                    text=[f"{v:.3f}" for v in terms.h], textposition="outside", textfont=dict(size=14),
                    hovertemplate="%{x}: h = %{y:.8f}<extra>t = " + str(terms.step) + "</extra>", row=1, col=1)
        fig.add_bar(x=[f"y_{terms.step}"], y=[float(terms.y[0])], name=f"y_{terms.step}", marker_color=colour,
                    legendgroup=str(terms.step), showlegend=False, text=[f"{terms.y[0]:.3f}"], textposition="outside",
                    textfont=dict(size=14),
                    hovertemplate="y = %{y:.8f}<extra></extra>", row=1, col=2)
    top = max(max(float(np.max(s.h)) for s in steps), max(float(s.y[0]) for s in steps))
    fig.update_yaxes(range=[0, top * 1.2], row=1, col=1, title="value")
    fig.update_yaxes(range=[0, top * 1.2], row=1, col=2)
    return styled(fig, title, uirevision, barmode="group", height=440, margin=dict(l=70, r=30, t=80, b=110),
                  legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0.0))


def step_terms_figure(terms, labels: list[str] | None = None, uirevision: str = "step_terms") -> go.Figure:
    """One step of the learner's model, for the units shown: what each term adds, and what comes out.

    RNN: the stacked bars are W_xh·x_t (the input), W_hh·h_{t−1} (the memory) and the biases; the
    diamond is their sum a_t and the circle h_t = tanh(a_t). What to see: whether this unit's value
    comes from what it reads now or from what it remembers. LSTM/GRU: each gate's value per unit
    (0 = shut, 1 = open) beside h_t.
    """
    read = f" (reads {labels[terms.step - 1]})" if labels and terms.step <= len(labels) else ""
    title = f"Step t = {terms.step}{read}: the terms of each shown unit"
    units = [f"unit {u}" for u in terms.units]
    fig = go.Figure()
    if terms.cell == "rnn":
        part = terms.parts["a"]
        for key in ("x", "h", "bias"):
            values = part[key][terms.units]
            fig.add_bar(x=units, y=values, name=PART_NAMES[key], marker_color=PART_COLOURS[key],
                        hovertemplate="%{x}: %{y:.4f}<extra>" + PART_NAMES[key] + "</extra>")
        fig.add_scatter(x=units, y=part["pre"][terms.units], name="a_t (their sum)", mode="markers", cliponaxis=False,
                        marker=dict(symbol="diamond", size=16, color="#222", line=dict(color="white", width=2)))
        barmode = "relative"
    else:
        for name, values in terms.gates.items():
            fig.add_bar(x=units, y=values[terms.units], name=f"{name} gate" if name != "candidate" else "candidate",
                        marker_color=GATE_COLOURS.get(name, SMOOTH_COLOUR),
                        hovertemplate="%{x}: %{y:.4f}<extra>" + name + "</extra>")
        barmode = "group"
    fig.add_scatter(x=units, y=terms.h[terms.units], name="h_t", mode="markers", cliponaxis=False,
                    marker=dict(symbol="circle", size=16, color=ACCENT, line=dict(color="white", width=2)))
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    fig.update_yaxes(title="value")
    return styled(fig, title, uirevision, barmode=barmode, height=420, margin=dict(l=70, r=30, t=60, b=120),
                  legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0.0))


def bptt_figure(chain, labels: list[str] | None = None, uirevision: str = "bptt") -> go.Figure:
    """The BPTT chain along a sequence (log scale).

    Bars: ‖∂h_t/∂h_{t−1}‖ at each step t, the largest factor by which one step back can stretch a
    gradient (for the RNN, ‖W_hhᵀ·diag(tanh′(a_t))‖). Line: ‖∂h_T/∂h_t‖, the product of all the
    factors from t to the end. What to see: bars mostly below the dashed line at 1 make the line fall
    towards the left (the last step barely reaches the first: vanishing); bars above 1 can make it
    climb (exploding). For an LSTM the state is h and c together: a forget gate near 1 keeps the
    factors near 1, so the line stays level.
    """
    if chain is None or chain.steps == 0:
        return note_figure("Type a prefix: its chain appears here.", "The BPTT chain", uirevision)
    state = "s" if chain.cell == "lstm" else "h"  # an LSTM's state is h and c together
    title = f"The BPTT chain: ∂{state}_t/∂{state}_{{t−1}} step by step"
    steps = chain.steps
    norms = chain.norms.detach().cpu().numpy()
    reach = np.append(chain.span_norms(), 1.0)  # ‖∂s_T/∂s_t‖ for t = 0..T (the identity at T)
    x_steps = np.arange(1, steps + 1)
    fig = go.Figure()
    # Markers, not bars: a bar on a log axis starts at an arbitrary bottom and its height means nothing.
    fig.add_scatter(x=x_steps, y=positive(norms), name=f"‖∂{state}_t/∂{state}_{{t−1}}‖ (one step back)",
                    mode="markers", marker=dict(symbol="square", size=11, color=SMOOTH_COLOUR),
                    hovertemplate="t = %{x}: one step back stretches by at most %{y:.4g}<extra></extra>")
    fig.add_scatter(x=np.arange(0, steps + 1), y=positive(reach),
                    name=f"‖∂{state}_{steps}/∂{state}_t‖ (back from the end)",
                    mode="lines+markers", line=dict(color=ACCENT, width=3), marker=dict(size=7),
                    hovertemplate="t = %{x}: ‖∂s_T/∂s_t‖ = %{y:.3g}<extra></extra>")
    log_line(fig, 1.0, "1")
    if labels:
        shown = [f"{t}<br>{labels[t - 1]}" if t - 1 < len(labels) else str(t) for t in x_steps]
        every = max(1, steps // 30)
        fig.update_xaxes(tickvals=list(x_steps[::every]), ticktext=shown[::every])
    fig.update_xaxes(title="time step t (the symbol read there)" if labels else "time step t")
    fig.update_yaxes(title="norm (log)", type="log", exponentformat="power")
    title += f" · ‖∂{state}_{steps}/∂{state}_0‖ = {reach[0]:.3g}"
    return styled(fig, title, uirevision)
