"""Train: press Train and watch the loss, the gradients, the hidden state and the prediction change together."""

import streamlit as st

from rnnviz import charts, views
from rnnviz.errors import InputError
from ui import drawing
from ui.messages import show

st.title("Train")
drawing.lesson_note()
drawing.prefix_box()


def prediction_of(experiment, say: bool = False):
    try:
        return views.live_prediction(experiment)
    except InputError as error:
        if say:
            show("warning", error)
        return None


def prediction_views(experiment):
    """Redrawn with every training tick (text only, so the browser keeps up): the continuation, then and now."""
    prediction = prediction_of(experiment, say=True)
    if prediction is None:
        return
    left, right = st.columns([3, 2])
    with left:
        drawing.written_text(*views.split_text(experiment.dataset, prediction), key="continuation")
        st.caption("The prefix (underlined) and what the model writes after it, updated as it trains.")
    with right:
        st.markdown("**Before and after: the continuation as training went on**")
        drawing.text_table(views.milestone_table(experiment, current=prediction.continuation), key="milestones")


def chart_views(experiment):
    """Redrawn about once a second: Streamlit 1.67 rebuilds a Plotly chart whenever its data changes, which
    is too costly for the browser at every tick."""
    ds = experiment.dataset
    prediction = prediction_of(experiment)
    left, right = st.columns(2)
    if prediction is not None:
        with left:
            drawing.continuation_chart(prediction, ds, "candidates_chart",
                                       "The most likely next symbols at each generated step; the one taken is "
                                       "outlined.",
                                       "The prefix (blue) and the values the model continues it with (orange).")
        with right:
            drawing.chart(charts.hidden_heatmap_figure(prediction.hidden, views.prediction_labels(ds, prediction),
                                                       prefix_len=len(prediction.prefix),
                                                       bound=views.hidden_bound(experiment),
                                                       title="Hidden state: reading the prefix, then writing"),
                          "hidden_chart",
                          "Each row is a hidden unit, each column a step. Units that keep their colour carry memory.")
    history = experiment.trainer.history
    left, right = st.columns(2)
    with left:
        drawing.chart(charts.loss_figure(history, perplexity=ds.is_tokens), "loss_chart",
                      "A falling smoothed line means the model is learning; dots are data it never trains on.")
    with right:
        drawing.chart(charts.grad_norm_figure(history, experiment.trainer.clip), "grad_chart",
                      "Spikes are exploding gradients; clipping scales every step above θ down onto the line.")
    latest = views.latest_gradients(experiment) or {}
    left, right = st.columns(2)
    with left:
        drawing.chart(charts.step_grad_figure(latest.get("grad_norms"), latest.get("grad_norms_last"),
                                              step=latest.get("step")),
                      "step_grad_chart",
                      "Dashed: how much the last step's error reaches each earlier step. Falling to the left "
                      "is the vanishing gradient.")
    with right:
        drawing.chart(charts.grad_heatmap_figure(experiment.trainer.gradient_log), "grad_heatmap_chart",
                      "One row per logged batch: colour fading to the left means the gradient vanishes on its "
                      "way back in time.")


drawing.live(prediction_views)
drawing.live(chart_views, trains=False)
