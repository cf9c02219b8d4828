"""Inside the model: which earlier inputs move a prediction (connectivity), and what one hidden unit responds to."""

import streamlit as st

from rnnviz.charts import analysis as charts
from rnnviz.insight.connectivity import connectivity
from rnnviz.views import sequence, unit_explorer
from rnnviz.views.connectivity import connectivity_matrix
from ui import drawing, state

QUANTITIES = {"its probability": "probability", "its logit (before softmax)": "logit"}
ORDERS = {"most active": "high", "least active": "low", "largest either way": "abs"}
STATES = {"hidden state h": "hidden", "cell state c": "cell"}

st.title("Inside the model")
st.caption("Two ways to look inside the model you are training: which earlier inputs a prediction depends on, and "
           "what a single hidden unit has learnt to respond to. Both follow the model as it trains.")
drawing.live(lambda experiment: None)  # trains, with the status line; the views below redraw once a second
experiment = state.experiment()
ds, model = experiment.dataset, experiment.model

# -- connectivity --------------------------------------------------------------------------------------------
st.subheader("Connectivity: what the prediction at a step depends on")
drawing.prefix_box(key="inside_prefix")
inputs, labels = drawing.unless_refused(sequence.prefix_steps, experiment) or (None, [])
steps = len(labels)
for key, low, high in (("inside_position", 1, steps), ("inside_unit", 0, model.hidden_size - 1),
                       ("inside_layer", 1, model.num_layers)):
    if key in st.session_state and not low <= st.session_state[key] <= high:
        del st.session_state[key]
if st.session_state.get("inside_state") == "cell state c" and model.cell != "lstm":
    del st.session_state["inside_state"]
left, right = st.columns([3, 2])
position = steps
if steps > 1:
    position = left.slider("The prediction made after step", 1, steps, value=steps, key="inside_position",
                           persist_state="session")
quantity = "probability"
if ds.is_tokens:
    choice = right.radio("Differentiate the predicted symbol's", list(QUANTITIES), horizontal=True,
                         key="inside_quantity", persist_state="session")
    quantity = QUANTITIES[choice]


def connectivity_views(experiment):
    if inputs is None:
        return
    result = drawing.unless_refused(connectivity, experiment.model, experiment.dataset,
                                    experiment.config.prefix, position=position - 1, quantity=quantity)
    if result is None:
        return
    every_step = drawing.unless_refused(connectivity_matrix, experiment, quantity=quantity)
    if every_step is None:
        return
    matrix, matrix_step = every_step
    left, right = st.columns([3, 2])
    with left:
        drawing.chart(charts.connectivity_figure(result), "connectivity_chart",
                      "Each bar is one input's share in moving the chosen prediction (they add up to 100%). Weight "
                      "only on the last few bars is a short memory; bars far back mean the model uses the context.")
    with right:
        drawing.chart(charts.connectivity_matrix_figure(matrix, result.labels, step=matrix_step),
                      "connectivity_matrix_chart",
                      "Every step's prediction at once, one row each: colour left of the diagonal is memory in use.")


drawing.live(connectivity_views, trains=False)

# -- unit explorer -------------------------------------------------------------------------------------------
st.subheader("Unit explorer: what one hidden unit responds to")
first, second, third, fourth = st.columns([1, 1, 2, 2])
unit = first.number_input("Unit", min_value=0, max_value=model.hidden_size - 1, key="inside_unit",
                          persist_state="session")
layer = 1
if model.num_layers > 1:
    layer = second.number_input("Layer", min_value=1, max_value=model.num_layers, key="inside_layer",
                                persist_state="session")
which_state = "hidden"
if model.cell == "lstm":
    which_state = STATES[third.radio("Read", list(STATES), key="inside_state", persist_state="session")]
order = ORDERS[fourth.radio("Contexts where it is", list(ORDERS), key="inside_order", persist_state="session")]


def unit_views(experiment):
    report = drawing.unless_refused(unit_explorer.unit_report, experiment, int(unit), layer=int(layer) - 1,
                                    state=which_state, order=order)
    if report is None:
        return
    left, right = st.columns([2, 3])
    with left:
        drawing.chart(charts.unit_symbols_figure(report), "unit_symbols_chart",
                      "Red: the unit is on after this input, blue: off. A few long bars is a unit with a taste; "
                      "even bars mean it tracks something longer than one symbol.")
    with right:
        st.markdown(f"**Where unit {report.unit} is {next(k for k, v in ORDERS.items() if v == order)}** "
                    "(the input it just read in the middle)")
        drawing.text_table(charts.contexts_frame(report), key="unit_contexts")
        st.caption("Read the text before each input: what do the contexts where it fires have in common?")


drawing.live(unit_views, trains=False)
