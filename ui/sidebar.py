"""The sidebar every page shares: Train/Pause, Step, Reset, the page links, lessons, share link and settings.

Every widget value passes through `Config.checked`, so a bad value becomes a notice, not a traceback.
Settings that define the model wait for a reset (or apply at once while nothing is trained yet);
the others reach the next training step through `Experiment.update`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from rnnviz.choices import CELL_CHOICES
from rnnviz.config import CHOICES, DATASET_DEFAULTS, LIMITS, Config, label
from rnnviz.config import defaults_for as dataset_defaults
from rnnviz.errors import InputError
from rnnviz.experiment import LAGGED, Experiment
from rnnviz.lessons import LESSONS
from rnnviz.nn.device import available_devices, pick_device
from rnnviz.serving.threads import configure_torch_threads

from .board_member import keep_on_board, membership
from .feed_route import train_in_panel
from .keeper import checkpoints, keep_in_store, start_keeper
from .messages import show
from .page_links import page_links
from .reconnect import SECRET, offer_back
from .sharing import open_link, share_button, sync_link
from .state import (
    LESSON,
    MESSAGES,
    PRESSES_DRAWN,
    SHARE_SLOT,
    WIDGET_FIELDS,
    classroom,
    experiment,
    install,
    is_running,
    presses,
    say,
    seed_widgets,
    session_key,
)
from .workers import STEP_PRESS_SECONDS, train_now, worker

NEEDS_UPLOAD = {"csv"}  # datasets whose data comes from an upload, not from a sidebar widget

MESSAGE_SECONDS = 8.0  # how long a message survives reruns the learner did not ask for
SHOWN_MESSAGES = "messages_shown"
STORE_PROBLEM_SHOWN = "store_problem_shown"


def controls(pages=(), page=None) -> None:
    """The shared sidebar and the notices above every page. Training controls come first, so Train shows
    without scrolling on a 1280x720 projector; then the page links, lessons, share link and settings.
    The focused view (?classroom=1) keeps only Train/Pause, Step, Reset and the page links.
    On the Train page (`page`, the first of `pages`) Train/Pause is the live panel's (ui.live_panel), where the
    server answers it: one button, acting at once, beside the views it changes."""
    configure_torch_threads()
    start_keeper()
    open_link()
    exp = experiment()
    seed_widgets(exp.config)
    focused = classroom()
    with st.sidebar:
        st.markdown("#### Training")
        left, right = st.columns(2)
        reset_slot = right
        if train_in_panel(pages, page):
            reset_slot = left
        else:
            action_button(left, "train_toggle", "Pause" if is_running() else "Train", _toggle, (not is_running(),),
                          type="primary", disabled=bool(exp.trainer.diverged))
        reset_slot.button("Reset", key="reset", on_click=_reset, width="stretch",
                     help="A new model from the settings below, trained from scratch.")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        _number("Steps", "step_count", step=10, container=left)
        action_button(right, "step", "Step", _step, help="Train this many steps now.")
        if focused:
            st.caption("A focused view: the link you opened set the model up. Train, pause, step, or Reset to "
                       "start again from scratch.")
        page_links(pages)
        membership(st.session_state.get(SECRET))
        if not focused:
            st.markdown("#### Lessons")
            for key, lesson in LESSONS.items():
                st.button(lesson.title, key=f"preset_{key}", on_click=_apply_preset, args=(key,),
                          help=lesson.look_for, width="stretch",
                          type="primary" if st.session_state.get(LESSON) == key else "secondary")
            with st.expander("Copy share link", expanded=False, icon=":material/link:"):
                st.session_state[SHARE_SLOT] = st.empty()
                share_button()
            _settings(exp)
    config, notices = _config_from_widgets()
    changed = exp.needs_reset(config)
    # One container, always there, holds the notices: the page below keeps its place in the layout, so
    # its widgets are not re-mounted (and their values not lost) when a notice comes or goes.
    with st.container():
        if changed and exp.step == 0 and not is_running():
            _build(config, "Nothing was trained yet, so the new settings built a new model at once.",
                   refill_widgets=False)
        elif changed:
            _pending(changed)
        elif config != exp.config:
            try:
                worker(exp).update(config)  # between two slices of training: the worker owns the model
            except InputError as error:
                notices.append(str(error))
        _messages(notices, experiment())
        offer_back()
    keep_in_store(session_key(), st.session_state.get(SECRET), experiment())
    keep_on_board(st.session_state.get(SECRET), experiment())
    sync_link()


def _settings(exp: Experiment) -> None:
    with st.expander("Data and model", expanded=True):
        datasets = [d for d in CHOICES["dataset"] if d in DATASET_DEFAULTS and d not in NEEDS_UPLOAD]
        if exp.config.dataset not in datasets:  # e.g. data uploaded or opened from a link
            datasets.append(exp.config.dataset)
        _choice("Dataset", datasets, "dataset", on_change=_dataset_changed)
        if st.session_state.get("dataset") == "text":
            st.text_area("Your text", key="text", height=120, persist_state="session",
                         help="A character model learns to continue it.")
        if st.session_state.get("dataset") in LAGGED:
            _number("Lag (steps to remember)", "lag")
        _choice("Cell", list(CELL_CHOICES), "cell")
        _number("Hidden size", "hidden_size")
        _number("Layers", "num_layers")
        if st.session_state.get("cell") == "LSTM":
            _number("Forget-gate bias", "forget_bias", step=0.5)
        _number("Seed", "seed")
        _choice("Device", ["auto", *available_devices()], "device")
        st.caption(f"Runs on **{exp.device.type}**" + (f" (auto picked {pick_device('auto').type})"
                                                         if st.session_state.get("device") == "auto" else ""))
    with st.expander("Training settings", expanded=True):
        _choice("Optimizer", list(CHOICES["optimizer"]), "optimizer")
        _number("Learning rate", "lr", step=0.001, format="%g")
        _number("Batch size", "batch_size")
        _number("Sequence length", "seq_len")
        _number("Clip gradient norm at (0 = off)", "clip", step=0.5)
        st.checkbox("Carry the hidden state between batches", key="carry_state", persist_state="session")


# The sidebar's widgets take their values from session state (seed_widgets), never from a default of their own.
def _number(label: str, key: str, container=st, **options) -> None:
    kind, low, high = LIMITS[WIDGET_FIELDS[key]]
    container.number_input(label, key=key, min_value=kind(low), max_value=kind(high), persist_state="session",
                           **options)


def _choice(label: str, options: list, key: str, **more) -> None:
    st.selectbox(label, options, key=key, persist_state="session", **more)


def _pending(changed: list[str]) -> None:
    names = ", ".join(label(name).lower() for name in changed)
    st.warning(f"These settings need a new model: **{names}**. Until you apply them, the current model keeps "
               "its settings (and trains with them).")
    left, right, _ = st.columns([1, 1, 3])
    left.button("Apply and reset", key="apply_reset", on_click=_reset, type="primary", width="stretch")
    right.button("Keep the current model", key="keep_model", on_click=_keep_model, width="stretch")


def _messages(notices: list[str], exp: Experiment) -> None:
    # A message stays through the reruns of its first seconds (a tab's reconnect, a worker that stopped), so
    # the learner sees it; the first rerun after that (usually their next action) clears it.
    _store_problem()
    now = time.monotonic()
    kept = [(kind, message, until) for kind, message, until in st.session_state.get(SHOWN_MESSAGES, []) if until > now]
    kept += [(kind, message, now + MESSAGE_SECONDS) for kind, message in st.session_state.pop(MESSAGES, [])]
    st.session_state[SHOWN_MESSAGES] = kept
    for kind, message, _ in kept:
        show(kind, message)
    for notice in notices:
        show("warning", notice)
    if exp.trainer.diverged:
        show("error", exp.trainer.diverged)


def _store_problem() -> None:
    """The model store's trouble (down, full), said once to each session while it lasts; training goes on."""
    writer = checkpoints()
    problem = writer.problem if writer is not None else None
    if problem and st.session_state.get(STORE_PROBLEM_SHOWN) != problem:
        say(problem, "warning")
    st.session_state[STORE_PROBLEM_SHOWN] = problem


def _config_from_widgets() -> tuple[Config, list[str]]:
    """The settings the sidebar shows, checked; a new dataset starts from its own lesson defaults.
    In the focused view there is no settings panel: the model's own settings."""
    current = experiment().config
    if classroom():
        return current, []
    values = {field: st.session_state[key] for key, field in WIDGET_FIELDS.items() if key in st.session_state}
    values["cell"], values["nonlinearity"] = CELL_CHOICES.get(st.session_state.get("cell"), ("rnn", "tanh"))
    dataset = values.get("dataset", current.dataset)
    base = current if dataset == current.dataset else dataset_defaults(dataset)
    return Config.checked(base, **values)


def _build(config: Config, message: str, refill_widgets: bool = True) -> bool:
    """Replace the experiment with a new one; on refused settings keep the old one and say why."""
    try:
        install(Experiment(config), message, refill_widgets)
        return True
    except InputError as error:
        say(str(error), "error")
        return False


# -- callbacks (they run before the page is drawn, so widgets show what they set) ------------------------
def _apply_preset(key: str) -> None:
    lesson = LESSONS[key]
    config = lesson.config.replace(device=experiment().config.device)
    if _build(config, f"{lesson.title}: a new model, ready to train."):
        st.session_state[LESSON] = key


def _reset() -> None:
    config, _ = _config_from_widgets()
    _build(config, "Reset: a new model with the settings in the sidebar.")


def _keep_model() -> None:
    seed_widgets(experiment().config, force=True)


# A fragment's timed rerun can carry a click too, so two runs may see one press (docs/notes.md): a new key with
# every press (`presses()`) makes a press act once, and a press of an older button do nothing.
def action_button(container, name: str, label: str, action: Callable, args: tuple = (), **options) -> None:
    """A button that runs `action(*args)` once per press, under the key <name>_<presses so far>, inside a
    container keyed `name` (the same on every drawing, for the page's styling and for tests)."""
    drawn_at = presses().get(name, 0)
    st.session_state[PRESSES_DRAWN] = dict(presses())
    with container.container(key=name):
        st.button(label, key=f"{name}_{drawn_at}", on_click=_press, args=(name, drawn_at, action, args),
                  width="stretch", **options)


def _press(name: str, drawn_at: int, action: Callable, args: tuple) -> None:
    """A press of button `name` as drawn after press number `drawn_at`: acts only if no press came since."""
    if drawn_at != presses().get(name, 0):
        return
    presses()[name] = drawn_at + 1
    action(*args)


def _toggle(train: bool) -> None:
    """Train (`train`) or pause, as the button showed when it was drawn."""
    exp = experiment()
    if exp.trainer.diverged:
        return
    if train:
        worker(exp).start()
    else:
        worker(exp).pause()


def _step() -> None:
    exp = experiment()
    wanted = int(st.session_state.get("step_count", 1))
    done = train_now(exp, wanted)
    if done < wanted and not exp.trainer.diverged:
        say(f"Trained {done} of {wanted} steps in {STEP_PRESS_SECONDS:g} s; press Step again or Train to go on.")


def _dataset_changed() -> None:
    """A new dataset brings its lesson's sizes and rates into the widgets; cell, layers and seed stay."""
    defaults = dataset_defaults(st.session_state["dataset"])
    for key in ("text", "lag", "hidden_size", "lr", "batch_size", "seq_len", "carry_state", "step_count"):
        st.session_state[key] = getattr(defaults, WIDGET_FIELDS[key])
