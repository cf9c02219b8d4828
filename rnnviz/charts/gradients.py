"""Where the gradient goes: ‖∂L/∂h_t‖ at each time step, over training, and per weight matrix."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.charts.style import ACCENT, SMOOTH_COLOUR, as_array, layer_colour, note_figure, positive, power_text, styled

WHICH = {
    "total": "‖∂L/∂h_t‖ (all of the loss)",
    "last": "‖∂L_T/∂h_t‖ (last step's loss only)",
}


def step_grad_figure(grad_norms, grad_norms_last=None, step: int | None = None,
                     uirevision: str = "step_grad") -> go.Figure:
    """The size of ∂L/∂h_t at each time step t of one batch, one colour per layer (log scale).

    What to see: the solid line is the whole loss's gradient; the dashed line is the last step's loss
    only. Read the dashed line from right to left: if it drops by orders of magnitude, the error at the
    end barely reaches the early steps (vanishing gradients); if it climbs, it explodes.
    """
    title = "Gradient at each time step"
    if grad_norms is None:
        return note_figure("Press Train or Step: the gradients of a batch appear here.", title, uirevision)
    total = as_array(grad_norms)
    last = None if grad_norms_last is None else as_array(grad_norms_last)
    steps = np.arange(1, total.shape[1] + 1)
    fig = go.Figure()
    for layer in range(total.shape[0]):
        colour = layer_colour(layer)
        fig.add_scatter(x=steps, y=positive(total[layer]), name=f"layer {layer + 1}: all of L",
                        mode="lines+markers", line=dict(color=colour, width=3), marker=dict(size=7))
        if last is not None:
            fig.add_scatter(x=steps, y=positive(last[layer]), name=f"layer {layer + 1}: L_T only",
                            mode="lines", line=dict(color=colour, width=2.5, dash="dash"))
    if step is not None:
        title += f" · batch at training step {step}"
    fig.update_xaxes(title="time step t")
    fig.update_yaxes(title="‖∂L/∂h_t‖ (log)", type="log", exponentformat="power")
    return styled(fig, title, uirevision)


def grad_heatmap_figure(gradient_log: list[dict], which: str = "last", max_rows: int = 200,
                        uirevision: str = "grad_heatmap") -> go.Figure:
    """log₁₀ of ‖∂L/∂h_t‖ for each logged training step (rows) and time step (columns), per layer.

    What to see: a row is one batch's gradient across time. A colour fading from right to left is a
    gradient that vanishes as it travels back; a row that turns bright all at once is an explosion.
    Reading down the rows shows how this changes while the model learns.
    """
    title = "Gradient over training · " + WHICH[which]
    if not gradient_log:
        return note_figure("Press Train or Step: a row is added every few training steps.", title, uirevision)
    entries = gradient_log
    if len(entries) > max_rows:
        keep = np.linspace(0, len(entries) - 1, max_rows).round().astype(int)
        entries = [entries[i] for i in sorted(set(keep))]
    field = "grad_norms" if which == "total" else "grad_norms_last"
    tables = [as_array(entry[field]) for entry in entries]
    layers = tables[0].shape[0]
    width = max(t.shape[1] for t in tables)  # the sequence length may change during a run
    rows = [entry["step"] for entry in entries]
    logs = []
    fig = make_subplots(rows=layers, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[f"layer {layer + 1}" for layer in range(layers)] if layers > 1 else None)
    for layer in range(layers):
        z = np.full((len(tables), width), np.nan)
        for row, table in enumerate(tables):
            z[row, :table.shape[1]] = table[layer]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_z = np.log10(positive(z))
        log_z[~np.isfinite(log_z)] = np.nan  # an overflowed step is a gap, not the end of the colour scale
        logs.append(log_z)
        fig.add_heatmap(x=np.arange(1, width + 1), y=[str(step) for step in rows], z=log_z, customdata=z,
                        coloraxis="coloraxis", name=f"layer {layer + 1}",
                        hovertemplate="step %{y}, t = %{x}<br>‖∂L/∂h_t‖ = %{customdata:.3g}<extra></extra>",
                        row=layer + 1, col=1)
        # Rows are the logged batches, evenly spaced however far apart their steps are.
        fig.update_yaxes(title="training step", type="category", row=layer + 1, col=1)
    fig.update_xaxes(title="time step t", row=layers, col=1)
    fig.update_layout(coloraxis=dict(colorscale="Viridis", colorbar=dict(title="‖∂L/∂h_t‖", **_decade_bar(logs))))
    return styled(fig, title, uirevision, height=max(360, 220 * layers))


def _decade_bar(logs: list[np.ndarray]) -> dict:
    """Colour bar ticks at whole decades of the gradient (every 2nd, 3rd, ... over a wide range), in its units."""
    finite = np.concatenate([np.ravel(z) for z in logs]) if logs else np.array([])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {}
    low, high = int(np.floor(finite.min())), int(np.ceil(finite.max()))
    stride = max(1, -(-(high - low) // 6))
    exponents = list(range(low, high + 1, stride))
    return dict(tickvals=exponents, ticktext=[power_text(e) for e in exponents])


def param_grad_figure(rows: list[dict], clip: float | None = None, uirevision: str = "param_grad") -> go.Figure:
    """‖∂L/∂W‖ for each weight matrix and bias of the latest batch, before and after clipping (log scale).

    What to see: which weights receive the largest updates. W_hh is the recurrent matrix that BPTT
    multiplies again and again; with clipping on, every bar shrinks by the same factor θ/‖g‖.
    """
    title = "Gradient of each weight"
    if not rows:
        return note_figure("Press Train or Step: the gradients of each weight appear here.", title, uirevision)
    names = [row["name"] for row in rows]
    fig = go.Figure()
    fig.add_bar(y=names, x=positive([row["before"] for row in rows]), orientation="h", name="before clipping",
                marker_color=SMOOTH_COLOUR)
    clipped = any(row["after"] != row["before"] for row in rows)
    if clip and clipped:
        fig.add_bar(y=names, x=positive([row["after"] for row in rows]), orientation="h",
                    name=f"after clipping at θ = {clip:g}", marker_color=ACCENT)
    title += f" · clipped at θ = {clip:g}" if clip and clipped else (" · below the clip threshold" if clip else "")
    fig.update_xaxes(title="‖∂L/∂W‖ (log)", type="log", exponentformat="power")
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title, uirevision, height=max(300, 60 + 34 * len(rows)), barmode="group")
