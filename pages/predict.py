"""Predict: continue a prefix greedily or by sampling, and see the choices and the hidden state's path."""

import streamlit as st

from rnnviz import charts
from rnnviz.charts.series_truth import series_truth_figure
from rnnviz.config import LIMITS
from rnnviz.insight import series_truth
from rnnviz.views import continuation
from rnnviz.views.labels import prediction_labels
from ui import drawing, replay, state, workers

st.title("Predict")
st.caption("The model warms its hidden state up on the prefix, then feeds each prediction back in as the next "
           "input. At temperature 0 it always takes the most likely symbol; higher temperatures sample, and more "
           "unlikely choices appear.")
experiment = state.experiment()
# Training goes on here too; only the status line is live, so the samples hold still.
drawing.live(lambda experiment: None)
config = experiment.config
snapshot = replay.replay_control(experiment)
left, middle, right, last = st.columns([4, 2, 2, 2])
with left:
    drawing.prefix_box(key="predict_prefix")
# Length and temperature are the model's settings: not kept while another page shows, so they come back
# from the model (a lesson may have changed them).
middle.number_input("Length", min_value=1, max_value=LIMITS["predict_len"][2], value=config.predict_len,
                    key="predict_length")
right.number_input("Temperature (0 = greedy)", min_value=0.0, max_value=LIMITS["temperature"][2], step=0.1,
                   value=config.temperature, key="predict_temperature", format="%g")
MAX_SAMPLES = 5
samples = last.number_input("Samples", min_value=1, max_value=MAX_SAMPLES, value=3, key="predict_samples",
                            persist_state="session")
# Each press draws with seeds no earlier draw used; between presses the samples hold still, whatever reruns.
st.session_state.setdefault("predict_draw", 0)
if st.button("Sample again", key="predict_again",
             help="New samples, from the model as it is now: training goes on while this page shows."):
    st.session_state["predict_draw"] += 1
drawing.apply_settings(predict_len=st.session_state["predict_length"],
                       temperature=st.session_state["predict_temperature"])
config = experiment.config
ds = experiment.dataset
with workers.model_lock(experiment):
    predictions = drawing.unless_refused(continuation.samples, experiment, config.prefix, config.predict_len,
                                         config.temperature, count=1 if config.temperature == 0 else int(samples),
                                         seed=MAX_SAMPLES * st.session_state["predict_draw"],
                                         model=replay.model_at(experiment, snapshot)) or []
if predictions:
    if snapshot is not None:
        st.caption(f"The model as it was after training step {snapshot}.")
    elif workers.worker(experiment).running:
        st.caption("These samples are from the model as it was when this page last ran, and training goes on. "
                   "Press Sample again for the model now.")
    if config.temperature == 0:
        st.caption("Greedy: every sample would be the same, so one is shown. Raise the temperature to sample.")
    for number, prediction in enumerate(predictions, start=1):
        drawing.written_text(*continuation.split_text(ds, prediction), key=f"sample_{number}")
    first = predictions[0]
    left, right = st.columns(2)
    with left:
        if ds.is_tokens:
            drawing.continuation_chart(first, ds, "predict_candidates_chart",
                                       "The first sample's top candidates at each step; the one taken is outlined.",
                                       "")
        else:  # a series: the model's continuation against what really follows the prefix in the data
            with workers.model_lock(experiment):
                truth, rows = series_truth.before_and_now(experiment, first)
            # The second row is the model the samples came from: the chosen snapshot, or the model now (the status
            # line carries its step, which moves on while it trains).
            rows = [rows[0], (replay.step_words(experiment, snapshot), rows[1][1])]
            drawing.chart(series_truth_figure(first.prefix, rows, truth), "predict_candidates_chart",
                          "Dashed: what follows the prefix in the data. Orange: the model now; dotted grey: before "
                          "training." if truth is not None else "The prefix is not a stretch of the data, so there "
                          "is no true continuation to compare with.")
            drawing.text_table(series_truth.before_after_table(rows, truth), key="predict_before_after")
    with right:
        drawing.chart(charts.trajectory_figure(first, prediction_labels(ds, first)), "trajectory_chart",
                      "The top layer's hidden state flattened to 2-D: blue while reading, orange while writing.")
