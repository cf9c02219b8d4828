"""Hidden states: what each unit holds at each step, per layer, with gates, at any saved point of training."""

import streamlit as st

from rnnviz import charts
from rnnviz.views import sequence
from ui import drawing, replay, state

SOURCES = {"your prefix and its continuation": "prefix", "a training sample": "sample"}
INSIDE = {
    "rnn": "The pre-activation a_t before the nonlinearity: far from 0 (deep red or blue), tanh is flat, its "
           "slope tanh′ is near 0, and little gradient gets through that step.",
    "lstm": "Where the forget gate stays green (near 1) the cell state keeps its colour along the row: memory "
            "held. Where the input gate opens, the cell takes in the candidate.",
    "gru": "The update gate chooses, unit by unit, between keeping h_{t−1} (near 1) and taking the new "
           "candidate (near 0); the reset gate decides how much of h_{t−1} the candidate sees.",
}

st.title("Hidden states")
st.caption("Every hidden unit (rows) at every time step (columns) while the model reads a sequence. Pick an "
           "earlier training step to see the same sequence through the model as it was then.")
experiment = state.experiment()
snapshot = replay.replay_control(experiment)
left, right = st.columns([5, 1])
source = left.radio("Read", list(SOURCES), key="hidden_source", horizontal=True, persist_state="session")
# Forget choices the current model does not have (fewer layers or units after a reset).
layers, units_all = experiment.model.num_layers, list(range(experiment.model.hidden_size))
for key, fits in (("hidden_layer", lambda value: value <= layers),
                  ("hidden_units", lambda value: set(value) <= set(units_all))):
    if key in st.session_state and not fits(st.session_state[key]):
        del st.session_state[key]
layer = 1
if layers > 1:
    layer = right.number_input("Layer", min_value=1, max_value=layers, key="hidden_layer", persist_state="session")
units = st.multiselect("Units to draw as lines", units_all, default=units_all[:3], key="hidden_units",
                       persist_state="session")


def live_views(experiment):
    model = replay.model_at(experiment, snapshot)
    traced = drawing.unless_refused(sequence.sequence_trace, experiment, SOURCES[source], model=model, max_steps=80)
    if traced is None:
        return
    result, labels, prefix_len = traced
    drawing.chart(charts.hidden_heatmap_figure(result.hidden[:, 0], labels, prefix_len=prefix_len,
                                               bound=sequence.hidden_bound(experiment),
                                               title=f"Hidden state h_t {replay.step_words(experiment, snapshot)}"),
                  "hidden_chart",
                  "Red is positive, blue negative. A row that keeps its colour is a unit holding on to something; "
                  "after the dashed line the model reads its own predictions.")
    drawing.chart(charts.units_figure(result.hidden[layer - 1, 0], units, labels), "units_chart",
                  f"The chosen units of layer {layer}: look for one that switches at a particular symbol.")
    gates = {name: values[layer - 1, 0] for name, values in result.gates.items()}
    cell = None if result.cell is None else result.cell[layer - 1, 0]
    drawing.chart(charts.gates_figure(gates, labels, cell=cell, title=f"Inside the cell, layer {layer}"),
                  "gates_chart", INSIDE[experiment.config.cell])


drawing.live(lambda experiment: None)  # trains, with the status line; the views below redraw once a second
drawing.live(live_views, trains=False)
