"""Inside the model: which earlier inputs move a prediction (connectivity), and what one hidden unit responds to."""

import streamlit as st

from rnnviz import analysis, lesson_views, session
from rnnviz.charts import analysis as charts
from rnnviz.errors import InputError

QUANTITIES = {"its probability": "probability", "its logit (before softmax)": "logit"}
ORDERS = {"most active": "high", "least active": "low", "largest either way": "abs"}
STATES = {"hidden state h": "hidden", "cell state c": "cell"}

st.title("Inside the model")
st.caption("Two ways to look inside the model you are training: which earlier inputs a prediction depends on, and "
           "what a single hidden unit has learnt to respond to. Both follow the model as it trains.")
session.live(lambda experiment: None)  # trains, with the status line; the views below redraw once a second
experiment = session.experiment()
ds, model = experiment.dataset, experiment.model

# -- connectivity --------------------------------------------------------------------------------------------
st.subheader("Connectivity: what the prediction at a step depends on")
session.prefix_box(key="inside_prefix")
try:
    inputs, labels = lesson_views.prefix_steps(experiment)
except InputError as error:
    st.warning(str(error))
    inputs, labels = None, []
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
    position = left.slider("The prediction made after step", 1, steps, key="inside_position",
                           value=session.default("inside_position", steps))
quantity = "probability"
if ds.is_tokens:
    choice = right.radio("Differentiate the predicted symbol's", list(QUANTITIES), horizontal=True,
                         key="inside_quantity", index=session.index_of(list(QUANTITIES), "inside_quantity"))
    quantity = QUANTITIES[choice]


def connectivity_views(experiment):
    if inputs is None:
        return
    prefix = experiment.config.prefix
    try:
        result = analysis.connectivity(experiment.model, experiment.dataset, prefix, position=position - 1,
                                       quantity=quantity)
        matrix, matrix_step = lesson_views.connectivity_matrix(experiment, quantity=quantity)
    except InputError as error:
        st.warning(str(error))
        return
    left, right = st.columns([3, 2])
    with left:
        session.chart(charts.connectivity_figure(result), "connectivity_chart",
                      "Each bar is one input's share in moving the chosen prediction (they add up to 100%). Weight "
                      "only on the last few bars is a short memory; bars far back mean the model uses the context.")
    with right:
        session.chart(charts.connectivity_matrix_figure(matrix, result.labels, step=matrix_step),
                      "connectivity_matrix_chart",
                      "Every step's prediction at once, one row each: colour left of the diagonal is memory in use.")


session.live(connectivity_views, trains=False)

# -- unit explorer -------------------------------------------------------------------------------------------
st.subheader("Unit explorer: what one hidden unit responds to")
first, second, third, fourth = st.columns([1, 1, 2, 2])
unit = first.number_input("Unit", min_value=0, max_value=model.hidden_size - 1, key="inside_unit",
                          value=session.default("inside_unit", 0, blank="min"))
layer = 1
if model.num_layers > 1:
    layer = second.number_input("Layer", min_value=1, max_value=model.num_layers, key="inside_layer",
                                value=session.default("inside_layer", 1, blank="min"))
state = "hidden"
if model.cell == "lstm":
    state = STATES[third.radio("Read", list(STATES), key="inside_state",
                               index=session.index_of(list(STATES), "inside_state"))]
order = ORDERS[fourth.radio("Contexts where it is", list(ORDERS), key="inside_order",
                            index=session.index_of(list(ORDERS), "inside_order"))]


def unit_views(experiment):
    try:
        report = lesson_views.unit_report(experiment, int(unit), layer=int(layer) - 1, state=state, order=order)
    except InputError as error:
        st.warning(str(error))
        return
    left, right = st.columns([2, 3])
    with left:
        session.chart(charts.unit_symbols_figure(report), "unit_symbols_chart",
                      "Red: the unit is on after this input, blue: off. A few long bars is a unit with a taste; "
                      "even bars mean it tracks something longer than one symbol.")
    with right:
        st.markdown(f"**Where unit {report.unit} is {next(k for k, v in ORDERS.items() if v == order)}** "
                    "(the input it just read in the middle)")
        session.text_table(charts.contexts_frame(report), key="unit_contexts")
        st.caption("Read the text before each input: what do the contexts where it fires have in common?")


session.live(unit_views, trains=False)
