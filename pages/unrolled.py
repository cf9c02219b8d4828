"""Unrolled recurrence: one cell, used again at every time step, animated on the trained model."""

import streamlit as st

from rnnviz import charts
from rnnviz.insight import carried
from rnnviz.views import sequence
from rnnviz.views.labels import labels_for
from ui import drawing, replay, state, training

EQUATIONS = {
    "rnn": r"h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh}), \qquad y_t = W_{hy}\,h_t + b_y",
    "lstm": r"\begin{aligned} i,f,g,o &= \sigma,\sigma,\tanh,\sigma\,(W_{ih}x_t + b_{ih} + W_{hh}h_{t-1} + b_{hh})\\"
            r" c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)\end{aligned}",
    "gru": r"\begin{aligned} r,z &= \sigma(W_{i\{r,z\}}x_t + b + W_{h\{r,z\}}h_{t-1} + b)\\"
           r" n &= \tanh(W_{in}x_t + b_{in} + r \odot (W_{hn}h_{t-1} + b_{hn})), \qquad"
           r" h_t = (1-z)\odot n + z \odot h_{t-1}\end{aligned}",
}
SOURCES = {"your prefix and its continuation": "prefix", "a training sample": "sample"}
CARRIED = "the next training batch, from the carried state"
ANIMATION_INTERVAL = 2.0  # seconds between the animation's new numbers while training: time to watch a step

st.title("Unrolled recurrence")
st.caption("Left, the network as it is built: one cell per layer and a loop that feeds h back in. Right, the same "
           "cell unrolled over time. Press ▶ Play or drag the slider: at each step x_t enters, h_{t−1} flows in "
           "from the left, h_t appears as a colour strip, and y_t shows the most likely next symbols.")
drawing.live(lambda experiment: None)  # the status line
experiment = state.experiment()
sources = dict(SOURCES)
if experiment.config.carry_state and not experiment.dataset.fixed_length:
    sources[CARRIED] = "carried"
if st.session_state.get("unrolled_source") not in sources:
    st.session_state.pop("unrolled_source", None)
source = st.radio("Run the model on", list(sources), key="unrolled_source", horizontal=True, persist_state="session")
snapshot = replay.replay_control(experiment)


def animation(experiment):
    """Follows the model while it trains (unless replaying a snapshot): the chart stays mounted and takes the
    new numbers in place."""
    start, start_label = None, ""
    with training.model_lock(experiment):
        if sources[source] == "carried":
            chain = carried.next_chain(experiment, max_steps=sequence.MAX_UNROLLED)
            result, labels = chain.result, labels_for(experiment.dataset, chain.items)
            start = chain.start
            start_label = (f"h<sub>0</sub>: the last h<br>of batch {chain.batch - 1}" if chain.carried
                           else "h<sub>0</sub>=0: nothing<br>carried yet")
        else:
            result, labels, _ = sequence.sequence_trace(experiment, sources[source], max_steps=sequence.MAX_UNROLLED,
                                                        model=replay.model_at(experiment, snapshot))
    figure = charts.unrolled_figure(result.hidden[:, 0], labels, sequence.step_outputs(experiment.dataset, result),
                                    cell=experiment.config.cell, bound=sequence.hidden_bound(experiment),
                                    carried_h=start, carried_label=start_label)
    if snapshot is None or start is not None:  # the carried chain is the live model's
        named = replay.named_step(experiment, None)
        caption = ("The model as it is now (its step is in the status line); while it trains, the numbers follow "
                   "it every few seconds." if named is None else f"The model as it is at training step {named}.")
    else:
        caption = f"The model as it was after training step {snapshot} (training goes on meanwhile)."
    if start is not None:
        caption += (" Carried state: the chain starts from the h the previous batch ended with (the strip on the "
                    "left), not from zeros; gradients stop there (the state is detached).")
    st.caption(caption)
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

