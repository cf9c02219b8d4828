"""Share links: the URL carries the settings (rnnviz.serving.hosting).

A link opened is applied on the session's first run (`open_link`), and the address bar, with the sidebar's
share box, follows the model's settings from then on (`sync_link`).
Not `bind="query-params"`: the URL must show the model's settings, not a widget's value waiting for a reset,
and a bad link value must become Config's notice, where a bound widget drops it silently.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.config import Caution
from rnnviz.config import defaults_for as dataset_defaults
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.serving.checkpoints import open_shared
from rnnviz.serving.checkpoints import share_model as keep_shared
from rnnviz.serving.hosting import MODEL, left_out, lesson_of, link_settings, share_query, share_url
from rnnviz.serving.store import StoreDown, valid_model_id

from . import board_member
from .keeper import store, store_key
from .reconnect import SECRET
from .state import CLASSROOM, LESSON, LINK_READ, SHARE_SLOT, classroom, experiment, register, say
from .workers import timed_run

SHARED = "shared_model"  # (id, step) of the last model this session shared


def open_link() -> None:
    """On the session's first run: build the first model from the settings the link carries, if any."""
    if LINK_READ in st.session_state:
        return
    st.session_state[LINK_READ] = True
    params = st.query_params.to_dict()
    model_id = params.pop(MODEL, None)
    board = params.pop(board_member.BOARD, None)  # a class board's code: to join, or to show on its page
    config, focused, notices = link_settings(params)
    st.session_state[CLASSROOM] = focused
    if model_id is not None:  # a trained model's link: its settings are the model's own
        config = None
        _open_shared(str(model_id))
    if config is not None:
        try:
            opened = Experiment(config)
            register(opened)
        except InputError as error:
            notices.append(f"{error} Opened lesson L0 instead.")
        else:  # a lesson's own link still shows what to look for
            notices += _readable_prefix(opened)
            st.session_state[LESSON] = lesson_of(config)
    changes = [notice for notice in notices if not isinstance(notice, Caution)]
    if changes:
        say("Some settings in the link could not be used as they were, so they were changed or left out:\n"
            + "\n".join(f"- {notice}" for notice in changes), "warning")
    if focused:  # a risky value used as it was: the settings panel cautions on every run, but it is hidden here
        for notice in notices:
            if isinstance(notice, Caution):
                say(notice, "warning")
    board_member.from_link(board)


def _open_shared(model_id: str) -> None:
    """A copy of a shared model for this session, paused at its step; a clear message when it cannot be had."""
    kept = store()
    if kept is None and valid_model_id(model_id):
        say("This server keeps no models, so it cannot open a shared one. Here is lesson L0 instead.", "warning")
        return
    try:
        opened, _ = open_shared(kept, model_id)  # a malformed id is refused before the store is asked
        register(opened)
    except StoreDown:
        say("The model store cannot be reached just now, so the shared model cannot be opened: try the link again "
            "in a minute. Here is lesson L0 meanwhile.", "warning")
        return
    except InputError as error:
        say(f"{error} Here is lesson L0 instead.", "warning")
        return
    st.session_state[LESSON] = lesson_of(opened.config)
    say(f"A copy of a shared model, paused at step {opened.step:,} with its history: it is yours to train "
        "further; the original stays as it was.")


def share_model() -> None:
    """The Share button: keep a copy of the model as it is now under a new id, and show its link."""
    kept = store()
    if kept is None:
        say("This server keeps no models, so it cannot share one: export it from the page *Your data* instead.",
            "warning")
        return
    exp = experiment()
    secret = st.session_state.get(SECRET)
    try:
        model_id = keep_shared(kept, exp, owner=store_key(secret) if secret else "tab:?")
    except (StoreDown, InputError) as error:
        say(f"The model could not be shared just now ({error}). Export it from the page *Your data* instead.",
            "warning")
        return
    st.session_state[SHARED] = (model_id, exp.step)


def _readable_prefix(opened: Experiment) -> list[str]:
    """A link's prefix that its data cannot read is replaced by the dataset's usual one, with a notice."""
    prefix = opened.config.prefix
    try:
        opened.dataset.parse_prefix(prefix)
        return []
    except InputError as error:
        usual = dataset_defaults(opened.config.dataset).prefix
        try:
            opened.dataset.parse_prefix(usual)
        except InputError:
            return [str(error)]
        opened.update(opened.config.replace(prefix=usual))
        return [f"Ignored prefix {prefix[:40]!r}: {error} Using {usual!r}."]


def sync_link() -> None:
    """Keep the address bar, and the share box, on the settings of the model now in use."""
    if board_member.on_board_page():
        return  # the class board's address names its board, not a model
    config = experiment().config
    wanted = share_query(config, classroom())
    if board_member.address_code() is not None:  # a reload finds the class board again, on any server
        wanted[board_member.BOARD] = board_member.address_code()
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    slot = st.session_state.get(SHARE_SLOT)
    if slot is None or classroom() or timed_run():
        return  # a fragment's run cannot write into the sidebar drawn by the full run
    base = st.context.url or ""
    with slot.container():
        st.caption("Anyone who opens this link starts from these settings, with a new model to train. "
                   "Copy it with the button at the box's right.")
        st.code(share_url(base, share_query(config)), language=None, wrap_lines=True)
        st.caption("The same with the settings panel hidden: a focused view to hand out to a class.")
        st.code(share_url(base, share_query(config, classroom=True)), language=None, wrap_lines=True)
        _shared_link(base)
        for name in left_out(config):
            st.caption(f":material/warning: Your {name} is too long for a link, so the link leaves it out: "
                       "share a model file from the page *Your data* instead.")


def _shared_link(base: str) -> None:
    """The trained model's own link, once made: a copy of it, at its step, for whoever opens it."""
    shared = st.session_state.get(SHARED)
    if shared is None or store() is None:
        return
    model_id, step = shared
    days = store().share_seconds / 86400
    st.caption(f"A copy of this model at step {step:,}, kept for {days:g} days. Whoever opens the link gets a copy "
               "of their own.")
    st.code(share_url(base, {MODEL: model_id}), language=None, wrap_lines=True)


def share_button() -> None:
    """Drawn once a run, under the share box: it makes the trained model's link."""
    if store() is None:
        return
    st.button("Share this trained model", key="share_model", on_click=share_model, icon=":material/share:",
              help="A link that opens a copy of this model as it is now, with its history, for anyone. "
                   "Training the copy never changes yours.")
