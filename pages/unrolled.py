"""Unrolled recurrence: one cell, used again at every time step, animated on the trained model."""

import streamlit as st

from rnnviz import charts, views
from ui import drawing, state, training

EQUATIONS = {
    "rnn": r"h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh}), \qquad y_t = W_{hy}\,h_t + b_y",
    "lstm": r"\begin{aligned} i,f,g,o &= \sigma,\sigma,\tanh,\sigma\,(W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh})\\"
            r" c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)\end{aligned}",
    "gru": r"\begin{aligned} r,z &= \sigma(W_{i\{r,z\}}x_t + b + W_{h\{r,z\}}h_{t-1} + b)\\"
           r" n &= \tanh(W_{in}x_t + b_{in} + r \odot (W_{hn}h_{t-1} + b_{hn})), \qquad"
           r" h_t = (1-z)\odot n + z \odot h_{t-1}\end{aligned}",
}
SOURCES = {"your prefix and its continuation": "prefix", "a training sample": "sample"}
ANIMATION_INTERVAL = 2.0  # seconds between the animation's new numbers while training: time to watch a step

st.title("Unrolled recurrence")
st.caption("Left, the network as it is built: one cell per layer and a loop that feeds h back in. Right, the same "
           "cell unrolled over time. Press ▶ Play or drag the slider: at each step x_t enters, h_{t−1} flows in "
           "from the left, h_t appears as a colour strip, and y_t shows the most likely next symbols.")
drawing.live(lambda experiment: None)  # the status line
source = st.radio("Run the model on", list(SOURCES), index=state.index_of(list(SOURCES), "unrolled_source"),
                  key="unrolled_source", horizontal=True)


def animation(experiment):
    """Follows the model while it trains: the chart stays mounted and takes the new numbers in place."""
    with training.model_lock(experiment):
        result, labels, _ = views.sequence_trace(experiment, SOURCES[source], max_steps=views.MAX_UNROLLED)
    figure = charts.unrolled_figure(result.hidden[:, 0], labels, views.step_outputs(experiment.dataset, result),
                                    cell=experiment.config.cell, bound=views.hidden_bound(experiment))
    st.caption(f"The model as it is at training step {experiment.step}; while it trains, the numbers follow it "
               "every few seconds.")
    drawing.live_chart(figure, "unrolled_chart")


drawing.live_board(lambda experiment, shown: drawing.unless_refused(animation, experiment), ANIMATION_INTERVAL)
experiment = state.experiment()
st.markdown("**What every copy of the cell computes**")
cell = experiment.config.cell
equation = EQUATIONS[cell]
if cell == "rnn" and experiment.config.nonlinearity == "relu":
    equation = equation.replace(r"\tanh", r"\mathrm{relu}")
st.latex(equation)
count = experiment.model.parameter_count()
st.markdown("**How many weights, shared by every step**")
st.markdown(f"PyTorch counts **{count.pytorch:,}** parameters. The textbook form, with one bias vector per "
            f"layer, has **{count.one_bias:,}**: PyTorch keeps two (b_ih and b_hh), which adds "
            f"{count.extra_biases:,}. Unrolling over more steps adds none: every step uses the same weights.")

