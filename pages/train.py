"""Train: press Train and watch the continuation, the loss, the gradients, the hidden state and the unrolled
recurrence change together, on one screen."""

import streamlit as st

from rnnviz.charts import live
from rnnviz.views import continuation, progress, sequence
from rnnviz.views.labels import prediction_labels
from ui import drawing
from ui.messages import show
from ui.training import CHART_INTERVAL, STATUS_INTERVAL

CHART_HEIGHT, STRIP_HEIGHT = 240, 218  # with the text above, one 1600×1000 screen (a projector) holds it all

drawing.one_screen()
st.title("Train")
drawing.lesson_note()


def text_views(experiment, shown):
    """The prefix and its continuation, then and now."""
    left, right = st.columns([3, 2])
    with left:
        drawing.prefix_box()
        if shown.refusal:
            show("warning", shown.refusal)
        elif shown.prediction is not None:
            drawing.written_text(*continuation.split_text(experiment.dataset, shown.prediction), key="continuation")
    with right:
        current = shown.prediction.continuation if shown.prediction is not None else None
        drawing.text_table(progress.milestones_frame(experiment.dataset, shown.milestones, shown.views_step, current,
                                                     last=1), key="milestones")


def chart_views(experiment, shown):
    """Redrawn a few times a second while training, each chart kept in place with only its data changed."""
    ds = experiment.dataset
    latest = shown.latest_gradients or {}
    loss, gradient, hidden = st.columns(3)
    with loss:
        drawing.live_chart(live.live_loss_figure(shown.rows, perplexity=ds.is_tokens, height=CHART_HEIGHT),
                           "loss_chart")
    with gradient:
        last = shown.rows[-1] if shown.rows else None
        drawing.live_chart(live.live_step_grad_figure(latest.get("grad_norms"), latest.get("grad_norms_last"),
                                                      step=latest.get("step"), height=CHART_HEIGHT,
                                                      clipping=last and (last["grad_norm"], last["grad_norm_clipped"])),
                           "step_grad_chart")
    prediction, strip = shown.prediction, shown.strip
    if prediction is None or strip is None:
        return
    with hidden:
        drawing.live_chart(live.live_hidden_figure(prediction.hidden, prediction_labels(ds, prediction),
                                                   prefix_len=len(prediction.prefix),
                                                   bound=sequence.hidden_bound(experiment), height=CHART_HEIGHT,
                                                   title="Hidden state, reading then writing"), "hidden_chart")
    drawing.live_chart(live.live_strip_figure(strip.hidden, list(strip.inputs), list(strip.outputs),
                                              prefix_len=strip.prefix_len, cell=experiment.config.cell,
                                              bound=sequence.hidden_bound(experiment), height=STRIP_HEIGHT),
                       "strip_chart")


drawing.live_board(drawing.status, STATUS_INTERVAL, shows_status=True)
drawing.live_boards(text_views, chart_views, CHART_INTERVAL)
