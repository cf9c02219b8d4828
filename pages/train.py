"""Train: press Train and watch the continuation, the loss, the gradients, the hidden state and the unrolled
recurrence change together, on one screen."""

import streamlit as st

from rnnviz.experiment import Experiment
from rnnviz.views import train_board
from ui import drawing
from ui.live_feed import live_text
from ui.state import experiment, install
from ui.training import CHART_INTERVAL, STATUS_INTERVAL

PREFIX = "prefix"  # the prefix box's key: Enter in it is sent to the page's feed too
SERIES = "series_chart"  # a series' continuation, drawn beside the prefix box instead of written out


def clip_and_start_again() -> None:
    """The way out of an explosion in one click: the same settings with the gradient norm clipped at 1.0."""
    install(Experiment(experiment().config.replace(clip=1.0)),
            "Clipping on (clip 1.0): a new model with the same settings, ready to train.", refill_widgets=True)


drawing.one_screen()
st.title("Train")
drawing.lesson_note()
if experiment().trainer.diverged and not experiment().config.clip:
    st.button("Clip at 1.0 and start again", key="clip_restart", on_click=clip_and_start_again, type="primary",
              help="Every update's gradient norm is capped at 1.0: the same run, tamed.")


def text_views(experiment, shown):
    """The prefix and its continuation, then and now: written out, or for a series drawn as curves."""
    texts = train_board.texts(experiment, shown)
    series = train_board.draws_series(experiment.dataset)
    left, right = st.columns([2, 3] if series else [3, 2])
    with left:
        drawing.prefix_box(PREFIX)
        live_text(texts["continuation"], "continuation", shown.version)
    with right:
        if series:
            drawing.live_chart(train_board.series_figure(experiment, shown), SERIES, version=shown.version)
        else:
            live_text(texts["milestones"], "milestones", shown.version)


def chart_views(experiment, shown):
    """The four live charts, each kept in place with only its data changed."""
    figures = train_board.figures(experiment, shown)
    columns = dict(zip(train_board.CHARTS, st.columns(3)))
    for key in train_board.CHARTS:
        if key not in figures or key == SERIES:  # the series chart sits with the prefix, above
            continue
        with columns.get(key) or st.container():  # the strip: below the three, the page's full width
            drawing.live_chart(figures[key], key, version=shown.version)


fed = drawing.live_feed(train_board.TEXTS + train_board.CHARTS, typed=PREFIX)  # while training: the views move in place
drawing.live_board(drawing.status, STATUS_INTERVAL, shows_status=True, fed=fed)
drawing.live_boards(text_views, chart_views, CHART_INTERVAL, fed=fed)
