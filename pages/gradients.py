"""Gradients: how far back in time the error reaches, how that changes in training, and what clipping does."""

import streamlit as st

from rnnviz import charts
from rnnviz.charts import analysis as analysis_charts
from rnnviz.nn.train import clip_scale
from rnnviz.views import gradients, spectral_radius
from ui import drawing, replay, state

WHICH = {"the last step's loss only, ∂L_T/∂h_t": "last", "the whole loss, ∂L/∂h_t": "total"}

st.title("Gradients")
st.caption("Backpropagation through time sends the error at each step back through every earlier step. "
           "These views show how much of it arrives.")
snapshot = replay.replay_control(state.experiment())
which = st.radio("Heatmap of", list(WHICH), key="grad_which", horizontal=True, persist_state="session")


def until(experiment):
    """The step the views replay up to: the chosen snapshot's, or all of training so far."""
    return replay.shown_step(experiment, snapshot)


def clipping_views(experiment):
    """The gradient norm of every step and what clipping does to it."""
    trainer = experiment.trainer
    history = trainer.history[trainer.history["step"] <= until(experiment)]
    left, right = st.columns(2)
    with left:
        drawing.chart(charts.grad_norm_figure(history, trainer.clip), "grad_chart",
                      "The effect of clipping: steps above the dashed threshold are scaled down onto it.")
    with right:
        st.markdown("**The formulas behind these numbers**")
        st.latex(r"\begin{aligned}\frac{\partial L}{\partial h_t} &= \frac{\partial L_t}{\partial h_t} + "
                 r"\frac{\partial L}{\partial h_{t+1}}\,\frac{\partial h_{t+1}}{\partial h_t}\\"
                 r"\frac{\partial h_{t+1}}{\partial h_t} &= W_{hh}^\top\,\mathrm{diag}\!\left(\tanh'(a_{t+1})\right)"
                 r"\end{aligned}")
        st.caption("Going back k steps multiplies k such matrices: their size decides whether the gradient "
                   "vanishes (below 1) or explodes (above 1).")
        if history.empty:
            st.latex(r"g \leftarrow \theta\,\frac{g}{\lVert g\rVert} \quad \text{when } \lVert g\rVert > \theta")
            return
        norm = float(history["grad_norm"].iloc[-1])
        # The step named is the snapshot's or, paused, the status line's; while training it moves on: "now".
        named = replay.named_step(experiment, snapshot)
        at = "now" if named is None else f"at step {int(history['step'].iloc[-1])}"
        if trainer.clip:
            scale = clip_scale(norm, trainer.clip)
            st.latex(rf"\lVert g\rVert = {norm:.3g},\ \theta = {trainer.clip:g} \;\Rightarrow\; "
                     rf"g \leftarrow {scale:.3g}\,g")
            st.caption(f"Clipping rescales g to θ·g/‖g‖ when ‖g‖ > θ: {at} it "
                       + ("shrinks the update." if scale < 1 else "leaves it alone (‖g‖ ≤ θ)."))
        else:
            st.latex(rf"\lVert g\rVert = {norm:.3g}\ \text{{{at}; clipping is off}}")
            st.caption("Set 'Clip gradient norm at' in the sidebar to cap ‖g‖ at θ.")


def through_time_views(experiment):
    """Redrawn about once a second: gradients per time step, over training, and per weight."""
    trainer = experiment.trainer
    step = until(experiment)
    if trainer.warning and snapshot is None:
        st.warning(trainer.warning)
    if trainer.diverged:
        st.caption("Training stopped: these views show every step up to the last one that could still be measured.")
    latest = gradients.latest_gradients(experiment, step=step) or {}
    logged = [entry for entry in trainer.gradient_log if entry["step"] <= step]
    left, right = st.columns(2)
    with left:
        drawing.chart(charts.grad_heatmap_figure(logged, which=WHICH[which]), "grad_heatmap_chart",
                      "One row per logged batch, time steps across: watch whether the left side fades or lights up.")
    with right:
        spectral = spectral_radius.spectral_history(experiment)
        spectral = spectral[spectral["step"] <= step]
        drawing.chart(analysis_charts.spectral_figure(spectral, experiment.config.cell), "spectral_chart",
                      "Spectral radius ρ (solid) and largest singular value σ_max (dashed) of W_hh. Each step back "
                      "multiplies the gradient by W_hhᵀ·diag(tanh′), tanh′ ≤ 1: σ_max below 1 shrinks it every step "
                      "(vanishing); ρ above 1 lets some direction grow every step (exploding, unless tanh saturates).")
    left, right = st.columns(2)
    with left:
        named = replay.named_step(experiment, snapshot)  # while training, "the latest batch": no moving number
        drawing.chart(charts.step_grad_figure(latest.get("grad_norms"), latest.get("grad_norms_last"),
                                              step=None if named is None else latest.get("step")), "step_grad_chart",
                      "Log scale. Read the dashed line right to left: each step back multiplies by W_hhᵀ·diag(f′); "
                      "a steady fall is the vanishing gradient.")
    with right:
        weights = (gradients.parameter_grad_norms(experiment) if snapshot is None
                   else gradients.logged_weight_gradients(experiment, step))
        drawing.chart(charts.param_grad_figure(weights, trainer.clip),
                      "param_grad_chart", "Which weights the latest batch pushes hardest.")


drawing.live(lambda experiment: None)  # trains, with the status line; the views below redraw once a second
drawing.live(through_time_views, trains=False)
drawing.live(clipping_views, trains=False)
