"""What the pages draw with: one chart per view, texts shown exactly, the prefix box, and `live`.

`live(draw)` wraps a page's live views in a fragment that re-runs every TICK_INTERVAL seconds while
training, draws, then calls `train_tick`, the one place the app trains; `live(draw, trains=False)`
redraws the charts about once a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from rnnviz import charts
from rnnviz.charts.text import continuation_html, table_html
from rnnviz.config import Config
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from rnnviz.views import status_text

from .messages import show
from .sharing import sync_link
from .state import LESSON, PRESSES_DRAWN, RUNNING, default, experiment, is_running, presses, say, write
from .training import SLOW_INTERVAL, TICK_INTERVAL, model_lock, timed_run, train_tick, waiting_text

PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False}
Result = TypeVar("Result")


def lesson_note() -> None:
    """The current lesson's 'what to look for', while the settings are still the lesson's."""
    key = st.session_state.get(LESSON)
    if key in LESSONS and not experiment().needs_reset(LESSONS[key].config):
        st.info(f"**{LESSONS[key].title}.** {LESSONS[key].look_for}")


def prefix_box(key: str = "prefix", label: str = "Prefix for the model to continue") -> None:
    """A text box for the prefix; a prefix the data cannot read shows why and keeps the last good one."""
    exp, error_key = experiment(), f"{key}_prefix_error"
    if error_key not in st.session_state and st.session_state.get(key) != exp.config.prefix:
        write(key, exp.config.prefix)
    st.text_input(label, value=default(key, blank=""), key=key,
                  on_change=lambda: apply_prefix(st.session_state[key], error_key),
                  help="Press Enter to see the model continue it. Training goes on while you type.")
    if error_key in st.session_state:
        show("error", st.session_state[error_key])


def apply_prefix(text: str, error_key: str) -> None:
    """Use `text` as the prefix to continue if the data can read it; otherwise keep the old one and say why."""
    exp = experiment()
    config, notices = Config.checked(exp.config, prefix=text)
    try:
        exp.dataset.parse_prefix(config.prefix)
    except InputError as error:
        st.session_state[error_key] = f"{error} Still showing the continuation of {exp.config.prefix!r}."
        return
    st.session_state.pop(error_key, None)
    exp.update(config)
    for notice in notices:
        say(notice, "warning")


def apply_settings(**values) -> None:
    """Apply settings that keep the model (length, temperature, …) from a page's widgets."""
    exp = experiment()
    config, notices = Config.checked(exp.config, **values)
    exp.update(config)
    for notice in notices:
        say(notice, "warning")
    sync_link()


def unless_refused(compute: Callable[..., Result], *args, **options) -> Result | None:
    """`compute(*args, **options)`, or None when it refuses the input: the refusal shows as a warning instead."""
    try:
        return compute(*args, **options)
    except InputError as error:
        show("warning", error)
        return None


def written_text(typed: str, written: str, key: str) -> None:
    """The prefix and what the model wrote after it, in a container with `key`."""
    with st.container(key=key):
        st.html(continuation_html(typed, written))


def text_table(frame, key: str) -> None:
    """A small table of texts (such as continuations) shown exactly, in a container with `key`."""
    with st.container(key=key):
        st.html(table_html(frame))


def chart(figure, key: str, caption: str | None = None) -> None:
    """One view: its caption (what to look for), then the chart under a stable key."""
    if caption:
        st.caption(caption)
    st.plotly_chart(figure, key=key, config=PLOTLY_CONFIG, width="stretch")


def continuation_chart(prediction, dataset, key: str, symbols_caption: str, series_caption: str) -> None:
    """A continuation's chart, with the caption that fits the data: for symbols, the top candidates at each
    generated step, the one taken outlined; for a series, the prefix and the values the model continues it with."""
    if dataset.is_tokens:
        chart(charts.candidates_figure(prediction), key, symbols_caption)
    else:
        chart(charts.series_figure(prediction), key, series_caption)


def live(draw: Callable[[Experiment], None], trains: bool = True) -> None:
    """Draw `draw(experiment)` in a fragment that redraws on its own while training runs.

    With `trains`, the fragment also trains: every TICK_INTERVAL it draws, then runs one tick (drawing
    first, so a typed prefix shows its continuation at once). Without it, the fragment only redraws,
    every SLOW_INTERVAL: for the charts, since Streamlit 1.67 rebuilds a Plotly chart from scratch
    whenever its data changes (its element id hashes the figure), and several rebuilds a tick would
    keep the browser busy. A page has one training fragment.
    """
    interval = TICK_INTERVAL if trains else SLOW_INTERVAL

    @st.fragment(run_every=interval if is_running() else None)
    def live_views() -> None:
        exp = experiment()
        status = st.container(key="train_status") if trains else None  # filled after the tick
        with model_lock(exp):
            draw(exp)
        if trains and timed_run() and (not is_running() or st.session_state.get(PRESSES_DRAWN) != presses()):
            # A tick timed before the pause: the browser may then lose what the pause's full run drew
            # outside this fragment (a Streamlit race, seen with many sessions). Or this run was the first
            # to see a press of a sidebar button (ui.sidebar.action_button): the sidebar must show the new
            # button. Draw the page again.
            st.rerun(scope="app")
        waiting = False
        if trains and is_running():
            waiting = train_tick(exp) is None
            if exp.trainer.diverged:
                st.session_state[RUNNING] = False
                st.rerun()
        if status is not None:
            status.markdown(waiting_text(exp) if waiting else
                            f"**{'Training' if is_running() else 'Paused'}** · {status_text(exp)}")

    live_views()
