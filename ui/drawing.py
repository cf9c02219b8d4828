"""What the pages draw with: one chart per view, texts shown exactly, the prefix box, and the live fragments.

Training runs beside the page (ui.workers.worker); the fragments here only draw. `live(draw)` shows the
training status while training; `live(draw, trains=False)` redraws a page's views about once a second, and
`live_chart` keeps a chart mounted while its data changes. Where the server has the feed's route, the status line
polls for itself (ui.live_texts.live_status) and the Train page is one live panel that does too (`live_panel`,
ui.live_panel): they change in place without a script run. Without the route, fragments redraw on timers (`live`,
`live_board`, `live_boards`) from what the worker last published.
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
from rnnviz.serving.published import Published
from rnnviz.views import train_board

from . import live_chart as mounted
from . import live_panel as panels
from . import live_texts as texts
from .feed_route import serving
from .live_texts import live_text
from .messages import show
from .sharing import sync_link
from .state import LESSON, PRESSES_DRAWN, experiment, is_running, presses, say
from .workers import SLOW_INTERVAL, STATUS_INTERVAL, model_lock, redraw_scale, timed_run, worker

PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False}
Result = TypeVar("Result")


ONE_SCREEN = ("<style>[data-testid=stMainBlockContainer]{padding-top:3.8rem}"
              "[data-testid=stMainBlockContainer] h1{padding-top:0;padding-bottom:0.2rem;font-size:2.3rem}</style>")


def one_screen() -> None:
    """Less room above the page's title (just the header's), so every live view fits one projector screen."""
    st.html(ONE_SCREEN)


def lesson_note() -> None:
    """The current lesson's 'what to look for', while the settings are still the lesson's."""
    key = st.session_state.get(LESSON)
    if key in LESSONS and not experiment().needs_reset(LESSONS[key].config):
        st.info(f"**{LESSONS[key].title}.** {LESSONS[key].look_for}")


def prefix_box(key: str = "prefix", label: str = "Prefix for the model to continue") -> None:
    """A text box for the prefix; a prefix the data cannot read shows why and keeps the last good one."""
    exp, error_key = experiment(), f"{key}_prefix_error"
    if error_key not in st.session_state and st.session_state.get(key) != exp.config.prefix:
        st.session_state[key] = exp.config.prefix
    elif key in st.session_state and not timed_run():  # not on a tick: it would undo what the learner is typing
        st.session_state[key] = st.session_state[key]  # the browser ends on the server's value (state.seed_widgets)
    st.text_input(label, key=key,
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
    worker(exp).update(config)  # the continuation of the new prefix is published at once
    sync_link()  # the address bar now; the share box with the page's next full run
    for notice in notices:
        say(notice, "warning")


def apply_settings(**values) -> None:
    """Apply settings that keep the model (length, temperature, …) from a page's widgets."""
    exp = experiment()
    config, notices = Config.checked(exp.config, **values)
    worker(exp).update(config)
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


def live_chart(figure, key: str, caption: str | None = None, version: int = 0) -> None:
    """A live view: its caption, then the chart, kept mounted under `key` while its data changes (`version`: the
    published version it was made from)."""
    if caption:
        st.caption(caption)
    with st.container(key=key):
        mounted.live_chart(figure, f"{key}_live", version=version)


def status(experiment: Experiment, shown: Published) -> None:
    """The training status line (step, loss, steps per wall-clock second, or the place in line)."""
    live_text(train_board.status_html(shown, experiment.device.type), "train_status", shown.version)


def follow_the_worker() -> None:
    """In a fragment's own run: draw the whole page again when the sidebar must change with it.

    The model stopped training (paused, diverged) while the page showed it training; or this run was the
    first to see a press of a sidebar button (ui.sidebar.action_button), so the sidebar must show the new
    button; or a widget in the fragment changed something the page's other views show while paused (a page
    whose fragment holds the widget and every view it changes, as the Train page's, does not follow).
    """
    if timed_run() and (not is_running() or st.session_state.get(PRESSES_DRAWN) != presses()):
        st.rerun(scope="app")


def every(interval: float, fed: bool = False) -> float | None:
    """A fragment's `run_every`: `interval` slowed down by the server's load (redraw_scale) as of this full run,
    None while paused, or while a component that polls the feed keeps the views current (`fed`). Not followed from a
    fragment's own run: a full rerun from one, with other fragments under way, broke tabs under load ('Bad delta
    path' in the browser)."""
    return interval * redraw_scale() if is_running() and not fed else None


def live_panel() -> None:
    """The Train page's live panel (ui.live_panel), which owns Train/Pause and the prefix box, drawn from what the
    session's worker last published; it polls slower in a crowd."""
    exp = experiment()
    panels.live_panel(exp, worker(exp), redraw_scale())


def live_board(draw: Callable[[Experiment, Published], None], interval: float, shows_status: bool = False,
               fed: bool = False) -> None:
    """Draw `draw(experiment, published)` in a fragment that redraws every `interval` seconds while training,
    from what the worker last published: it never waits for training. With `shows_status`, the fragment also
    follows the worker (see `follow_the_worker`), after drawing; a page has one such fragment, without widgets
    in it (a widget's run while paused would draw the whole page)."""

    @st.fragment(run_every=every(interval, fed))
    def board() -> None:
        exp = experiment()
        draw(exp, worker(exp).published)
        if shows_status:  # after drawing: what the learner typed shows before the rest of the page follows
            follow_the_worker()

    board()


def live_boards(text: Callable[[Experiment, Published], None], charts: Callable[[Experiment, Published], None],
                interval: float, fed: bool = False) -> None:
    """`text` (with the page's widgets) and then `charts`, redrawn every `interval` seconds while training.

    While training they are two fragments, so a widget (a new prefix) redraws the light text at once, without
    making and sending the charts, which follow on their next tick or by the page's feed; paused, one fragment,
    so the widget redraws the charts it changes too, without drawing the whole page. The elements are the same
    either way: the charts stay mounted.
    """
    if is_running():
        live_board(text, interval, fed=fed)
        live_board(charts, interval, fed=fed)
    else:
        live_board(lambda exp, shown: (text(exp, shown), charts(exp, shown)), interval)


def live(draw: Callable[[Experiment], None], trains: bool = True) -> None:
    """Draw `draw(experiment)` in a fragment that redraws on its own while training runs.

    With `trains`, the training status comes first: where the server has the feed's route, one component that
    keeps itself current (ui.live_texts.live_status), with no script run ten times a second; else the fragment
    draws it and redraws every STATUS_INTERVAL. Without `trains`, the fragment redraws `draw` every SLOW_INTERVAL,
    under the model's lock: for the pages whose views trace the live model and are sent whole (st.plotly_chart).
    """
    interval = STATUS_INTERVAL if trains else SLOW_INTERVAL
    fed = trains and serving()
    if fed:
        exp = experiment()
        texts.live_status(exp, worker(exp), redraw_scale())

    @st.fragment(run_every=every(interval, fed))
    def live_views() -> None:
        if trains and not fed:
            follow_the_worker()
        exp = experiment()
        if trains and not fed:
            status(exp, worker(exp).published)
        with model_lock(exp):
            draw(exp)

    live_views()
