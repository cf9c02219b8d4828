"""A learner on a class board, and the class board the teacher is looking at: this session's side of
rnnviz.serving.board.

A join link (`board=<code>`, read by ui.sharing.open_link) puts the session's run on the board under a random
two-word name; the sidebar says so, lets the learner change the name or leave. The run is kept on the board by the
process's one BoardWriter, off the training thread. Its id on the board is a digest of the tab's secret, so a
reload of the tab keeps the same run: the keys below are carried over a reload by ui.reconnect, and while the learner
is on a board the address names it, so that a reload after a restart, or on another replica, finds it again.
"""

from __future__ import annotations

import hashlib
import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from rnnviz.errors import InputError
from rnnviz.serving.board import board_from_store
from rnnviz.serving.board_names import MAX_NAME_CHARS, checked_name, random_name
from rnnviz.serving.board_writer import BoardWriter
from rnnviz.serving.store import StoreDown
from rnnviz.serving.store_interface import valid_board_code

from . import keeper
from .messages import as_text
from .state import say

BOARD = "board"  # the link parameter, on a join link and on the board's own link
BOARD_PAGE = "class_board"  # the board page's address
JOINED, NAME, ON, VIEWING = "board_joined", "board_name", "board_on", "board_viewing"
DRAWN = "board_widgets_drawn"  # the sidebar's switch and name box are drawn afresh after each change
CARRIED = (JOINED, NAME, ON, VIEWING, DRAWN)  # what a reload of the tab brings back (ui.reconnect)
NAME_BOX = "board_name_box"
UNKNOWN = ("This class board is not known here: its code is mistyped, or the board ended (boards last 6 hours after "
           "their last change).")

_writers: list[BoardWriter] = []
_writers_lock = threading.Lock()


def writer() -> BoardWriter | None:
    """The process's one writer of runs to their boards; None while there is no model store."""
    kept = keeper.store()
    if kept is None:
        return None
    with _writers_lock:
        if not _writers:
            _writers.append(BoardWriter(kept))
        return _writers[0]


def on_board_page() -> bool:
    """Whether this run draws the class board page (its address and its `board` parameter are its own)."""
    context = get_script_run_ctx()
    if context is None:
        return False
    manager = context.pages_manager
    return (manager.get_pages().get(manager.current_page_script_hash) or {}).get("url_pathname") == BOARD_PAGE


def run_id(secret: str) -> str:
    """The run's id on a board: a digest of the tab's secret, which it never reveals."""
    return hashlib.sha256(("board-run:" + secret).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# -- from a link ----------------------------------------------------------------------------------------------------
def from_link(code) -> None:
    """A link's `board` value, on the session's first run: the board to show on the board page, else the board
    to join. A code that is malformed or unknown gets a clear message, and the session goes on without a board."""
    if code is None:
        return
    if on_board_page():
        st.session_state[VIEWING] = str(code)  # the page says what it finds (a board, or none)
        return
    kept = keeper.store()
    try:
        lesson = kept.board_lesson(code) if kept is not None and valid_board_code(code) else None
    except StoreDown:
        say("The class board cannot be reached just now, so you are not on it: open the join link again in a "
            "minute. You can train as usual meanwhile.", "warning")
        return
    if lesson is None:
        say(UNKNOWN + " You can train as usual.", "warning")
        return
    st.session_state[JOINED], st.session_state[ON], st.session_state[NAME] = code, True, random_name()


def from_reload(code, secret: str | None) -> None:
    """The board a reloaded tab's address names, once its model is back (ui.reconnect): after a restart, or on
    another replica, nothing else remembers it. The run is on that board again under the name it had there."""
    if code is None or str(code) in (st.session_state.get(JOINED), st.session_state.get(VIEWING)):
        return  # a reload in the same process: its session's keys came back with the model
    from_link(code)
    if on_board_page() or st.session_state.get(JOINED) != code or not secret:
        return
    try:
        board = board_from_store(keeper.store().board(code))
    except StoreDown:
        return  # a new name, then: the run itself is the same (its id is the tab's)
    mine = run_id(secret)
    for shown in (board.runs + board.hidden) if board is not None else ():
        if shown.run_id == mine:
            st.session_state[NAME] = shown.name


def address_code() -> str | None:
    """The board the address names while this learner is on it, so that a reload finds the board again."""
    return st.session_state.get(JOINED) if st.session_state.get(ON, True) else None


# -- the sidebar ----------------------------------------------------------------------------------------------------
def membership(secret: str | None) -> None:
    """In the sidebar of a learner on a board (the tab's `secret` names its run): their name there, a box to change
    it, and a switch to leave."""
    if JOINED not in st.session_state:
        return
    name, on = st.session_state.get(NAME, ""), st.session_state.get(ON, True)
    # The switch and the box take their value from ON and NAME, the truth, under a key that changes with it: a
    # browser that does not send a widget's value back (a rerun from a fragment, a reconnect) leaves it as shown.
    drawn = st.session_state.get(DRAWN, 0)
    with st.container(key="class_board_membership"):
        st.markdown("#### Class board")
        st.toggle("On the class board", value=on, key=f"board_switch_{drawn}", on_change=_switch, args=(drawn,),
                  help="Your name, settings, loss curve and answer show on the class's board; nothing else "
                       "about you. Switch off to leave it.")
        if on:
            st.markdown(f"On the class board as **{as_text(name)}**")
            with st.container(key=NAME_BOX):
                st.text_input("Your name on the board", value=name, key=f"{NAME_BOX}_{drawn}",
                              max_chars=MAX_NAME_CHARS, on_change=_rename, args=(drawn,),
                              help=f"Plain text, at most {MAX_NAME_CHARS} characters.")
            kept = writer()
            problem = kept.problem(run_id(secret)) if kept is not None and secret else None
            if problem:
                st.caption(f":material/info: {as_text(problem)}")
        else:
            st.caption("Off the class board: switch on to come back.")


def _switch(drawn: int) -> None:
    st.session_state[ON] = bool(st.session_state.get(f"board_switch_{drawn}"))
    st.session_state[DRAWN] = drawn + 1


def _rename(drawn: int) -> None:
    try:
        st.session_state[NAME] = checked_name(st.session_state.get(f"{NAME_BOX}_{drawn}"))
    except InputError as error:
        say(f"{error} Your name on the board stays {st.session_state.get(NAME)!r}.", "warning")
    st.session_state[DRAWN] = drawn + 1  # the box shows the name kept


def keep_on_board(secret: str | None, experiment) -> None:
    """Each full run: keep this session's model on its board (or take it off, once the learner left)."""
    if JOINED not in st.session_state:
        return
    kept = writer()
    if kept is None or not secret:
        return
    run = run_id(secret)
    if st.session_state.get(ON, True):
        kept.join(run, st.session_state[JOINED], st.session_state.get(NAME) or random_name(), experiment)
    else:
        kept.leave(run)
