"""Train: press Train and watch the continuation, the loss, the gradients, the hidden state and the unrolled
recurrence change together, on one screen."""

import streamlit as st

from rnnviz.views import train_board
from ui import drawing
from ui.live_feed import live_text, serving
from ui.training import CHART_INTERVAL, STATUS_INTERVAL

PREFIX = "prefix"  # the prefix box's key

drawing.one_screen()
st.title("Train")
drawing.lesson_note()


def text_views(experiment, shown):
    """The prefix and its continuation, then and now."""
    texts = train_board.texts(experiment, shown)
    left, right = st.columns([3, 2])
    with left:
        drawing.prefix_box(PREFIX)
        live_text(texts["continuation"], "continuation", shown.version)
    with right:
        live_text(texts["milestones"], "milestones", shown.version)


def chart_views(experiment, shown):
    """The four live charts, each kept in place with only its data changed."""
    figures = train_board.figures(experiment, shown)
    columns = dict(zip(train_board.CHARTS, st.columns(3)))
    for key in train_board.CHARTS:
        if key not in figures:
            continue
        with columns.get(key) or st.container():  # the strip: below the three, the page's full width
            drawing.live_chart(figures[key], key, version=shown.version)


if serving():  # the app's route answers: one live panel, which owns Train/Pause and the prefix box
    drawing.live_panel()
else:  # a server without the route (AppTest, main.py alone): the sidebar's Train/Pause and timed fragments
    drawing.live_board(drawing.status, STATUS_INTERVAL, shows_status=True)
    drawing.live_boards(text_views, chart_views, CHART_INTERVAL)
