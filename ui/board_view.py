"""The class board page's side of Streamlit: starting a board, its links and QR code, and the live board, read
from the store once per refresh (any replica's learners show, as every replica writes to the same store)."""

from __future__ import annotations

import functools
from pathlib import Path

import segno
import streamlit as st

from rnnviz.charts.board import board_figure, board_table_html
from rnnviz.lessons import LESSONS
from rnnviz.serving.board import COLOUR_BY, board_from_store, differs_most
from rnnviz.serving.hosting import share_query, share_url
from rnnviz.serving.store import StoreDown
from rnnviz.serving.store_interface import BOARD_HOURS

from . import board_member, drawing, keeper
from .messages import as_text
from .state import LESSON, experiment, say

REFRESH_SECONDS = 1.0
CHART_HEIGHT = 520  # with the header, the chooser and the table beside it: one 1600×1000 projector screen
MOST = "most"  # the chooser's "the setting that differs most"
JOIN_QUERIES = "board_join_queries"  # code → the join link's settings, for a board started by this session
HIDE = "board_hide"
FIT = Path(__file__).parent / "class_board.css"


def fit_screen() -> None:
    """Little room above and under the board, so that it holds one 1600×1000 projector screen."""
    drawing.one_screen()
    st.html(FIT)


def shown_code() -> str | None:
    """The board this session looks at (from its link, or started here); the address names it, for a reload."""
    code = st.session_state.get(board_member.VIEWING)
    if code is not None and st.query_params.get(board_member.BOARD) != code:
        st.query_params.from_dict({board_member.BOARD: code})
    return code


def app_address() -> str:
    """The app's own address (this page's, less its name)."""
    url = st.context.url or ""
    return url[: -len(board_member.BOARD_PAGE)] if url.endswith("/" + board_member.BOARD_PAGE) else url


# -- no board yet ---------------------------------------------------------------------------------------------------
def start_offer() -> None:
    """The button that starts a board for the lesson in use."""
    lesson = st.session_state.get(LESSON)
    what = LESSONS[lesson].title if lesson in LESSONS else "your current settings"
    st.caption("A class board draws every learner's run on one chart, live, for the projector: who learns fast, who "
               "blows up, who answers right. Learners join by a link (or its QR code) and train as usual; the board "
               "shows only the name they choose, their settings, loss and answer.")
    if keeper.store() is None:
        st.warning("This server keeps no models (no model store), so it cannot hold a class board.")
        return
    st.button(f"Start a class board for {what}", key="start_board", on_click=_start, type="primary",
              icon=":material/groups:")


def _start() -> None:
    lesson = st.session_state.get(LESSON)
    config = LESSONS[lesson].config if lesson in LESSONS else experiment().config
    try:
        code = keeper.store().create_board(lesson if lesson in LESSONS else "custom")
    except StoreDown as error:
        say(f"The class board could not be started just now ({error}). Try again in a minute.", "warning")
        return
    st.session_state.setdefault(JOIN_QUERIES, {})[code] = share_query(config, classroom=True)
    st.session_state[board_member.VIEWING] = code


# -- a board --------------------------------------------------------------------------------------------------------
def join_url(code: str, lesson: str) -> str:
    queries = st.session_state.get(JOIN_QUERIES, {})
    config = LESSONS[lesson].config if lesson in LESSONS else experiment().config
    query = queries.get(code) or share_query(config, classroom=True)
    return share_url(app_address(), {**query, board_member.BOARD: code})


@functools.lru_cache(maxsize=64)
def qr_image(url: str) -> str:
    """The link as a QR code (made here, no network), dark on white, for a phone's camera across the room."""
    picture = segno.make(url, error="m").svg_data_uri(scale=4, dark="#111", light="#fff")
    return f'<img src="{picture}" alt="QR code of the join link" style="width:100%;max-width:170px">'


def header(code: str) -> str | None:
    """The board's title, join link and QR code; its lesson, or None (with a clear message) when the code is
    unknown or the board ended."""
    try:
        lesson = keeper.store().board_lesson(code) if keeper.store() is not None else None
    except StoreDown:
        st.warning("The model store cannot be reached just now, so the class board cannot be shown. This page "
                   "tries again when you reload it.")
        return None
    if lesson is None:
        st.error(board_member.UNKNOWN)
        st.session_state.pop(board_member.VIEWING, None)
        start_offer()
        return None
    title = LESSONS[lesson].title if lesson in LESSONS else "your settings"
    url = join_url(code, lesson)
    words, picture = st.columns([6, 1], vertical_alignment="center")
    with words:
        st.markdown(f"### Class board · {as_text(title)}")
        st.caption("Join: scan the code, or open this link. The board lasts "
                   f"{BOARD_HOURS:g} hours after its last change.")
        with st.container(key="board_join_link"):
            st.code(url, language=None, wrap_lines=False)
        own = share_url(app_address() + board_member.BOARD_PAGE, {board_member.BOARD: code})
        st.caption(f"This board's own link, to open it on another screen: {as_text(own)}")
    with picture, st.container(key="board_qr"):
        st.html(qr_image(url))
    return lesson


@st.fragment(run_every=REFRESH_SECONDS)
def live(code: str) -> None:
    """The board itself, redrawn every second from ONE store read: the count, the chart, the table."""
    try:
        board = board_from_store(keeper.store().board(code))
    except StoreDown:
        st.warning("The model store cannot be reached just now; the board comes back when it is.")
        return
    if board is None:
        st.error(board_member.UNKNOWN)
        return
    count, chooser, hider = st.columns([3, 2, 3], vertical_alignment="bottom")
    with count, st.container(key="board_count"):
        runs = f"{len(board.runs)} run{'s' if len(board.runs) != 1 else ''} on the board"
        st.markdown(f"**{as_text(board.count_text() or runs)}**" + (f"  \n{runs}" if board.count_text() else ""))
    options = [MOST, *COLOUR_BY]
    most = differs_most(board.runs)
    picked = chooser.selectbox(
        "Colour by", options, key="board_colour",
        format_func=lambda name: f"what differs most ({COLOUR_BY[most]})" if name == MOST else COLOUR_BY[name])
    _hide_control(hider, code, board)
    chart, table = st.columns([1, 1])
    with chart:
        # Kept mounted and redrawn in place (no blank frame on the projector), and sent as a plain dict.
        drawing.live_chart(board_figure(board, most if picked == MOST else picked, height=CHART_HEIGHT),
                           key="board_chart")
    with table, st.container(key="board_table", height=CHART_HEIGHT + 60, border=False):
        st.html(board_table_html(board))


def _hide_control(container, code: str, board) -> None:
    """A name the teacher hides leaves the board's chart and table (and stays hidden while the board lasts)."""
    names = {run.run_id: run.name for run in board.runs}
    left, right = container.columns([3, 1], vertical_alignment="bottom")
    left.selectbox("Hide a name from the board", list(names), format_func=names.get, key=HIDE, index=None,
                   placeholder=f"{len(board.hidden)} hidden" if board.hidden else "Pick a name")
    right.button("Hide", key="board_hide_button", on_click=_hide, args=(code,), disabled=not names)


def _hide(code: str) -> None:
    run = st.session_state.get(HIDE)
    if run is None:
        return
    try:
        keeper.store().hide_run(code, run)
    except (StoreDown, ValueError) as error:
        say(f"That name could not be hidden just now ({error}).", "warning")
    st.session_state[HIDE] = None
