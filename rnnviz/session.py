"""One browser session's experiment, the sidebar that steers it, and the training tick.

The only module of the library that imports Streamlit. It owns st.session_state: one Experiment
per session (built once, never on a rerun), the running flag, and the sidebar's widgets. Every
widget value passes through `Config.checked`, so a bad value becomes a notice, not a traceback.
Settings that define the model wait for a reset (or apply at once while nothing is trained yet);
the others reach the next training step through `Experiment.update`.

Training runs in bounded ticks: `live(draw)` wraps a page's live views in a fragment that
re-runs every TICK_INTERVAL seconds while training, draws, then calls `train_tick`, the one
place the app trains; `live(draw, trains=False)` redraws the charts about once a second.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

import streamlit as st

from .charts.text import continuation_html, table_html
from .config import CHOICES, DATASET_DEFAULTS, LIMITS, Config
from .config import defaults_for as dataset_defaults
from .device import available_devices, pick_device
from .errors import InputError
from .experiment import LAGGED, Experiment
from .lessons import LESSONS
from .views import status_text

EXPERIMENT, RUNNING, LESSON, MESSAGES, WRITTEN = "experiment", "running", "lesson", "messages", "widgets_written"
TICK_SECONDS = 0.15  # one tick's training budget: with drawing, a tick fits in the 0.25 s interval
TICK_STEPS = 100_000  # a tick is bounded by its time, not by this count
TICK_INTERVAL = 0.25
SLOW_INTERVAL = 1.0  # how often the slower views redraw while training
STEP_SECONDS = 20.0  # the Step button never holds the session longer than this
CELL_CHOICES = {"RNN (tanh)": ("rnn", "tanh"), "RNN (relu)": ("rnn", "relu"), "LSTM": ("lstm", "tanh"),
                "GRU": ("gru", "tanh")}
NEEDS_UPLOAD = {"csv"}  # datasets whose data comes from an upload, not from a sidebar widget
# sidebar widget key → Config field; the "cell" widget sets both cell and nonlinearity
WIDGET_FIELDS = {name: name for name in ("dataset", "text", "lag", "hidden_size", "num_layers", "forget_bias", "seed",
                                         "device", "optimizer", "lr", "batch_size", "seq_len", "clip", "carry_state")}
WIDGET_FIELDS["step_count"] = "steps"
PLOTLY_CONFIG = {"displaylogo": False, "scrollZoom": False}


# -- the session's state -------------------------------------------------------------------------------
def experiment() -> Experiment:
    """This session's Experiment, built on first use from lesson L0."""
    if EXPERIMENT not in st.session_state:
        st.session_state[EXPERIMENT] = Experiment(LESSONS["L0"].config)
        st.session_state[LESSON] = "L0"
    return st.session_state[EXPERIMENT]


def is_running() -> bool:
    return bool(st.session_state.get(RUNNING, False))


_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def model_lock(experiment: Experiment) -> threading.RLock:
    """The lock to hold while training or tracing `experiment`'s model.

    Streamlit starts a new script run at once when the page reruns ("fast reruns") while the old run's
    thread finishes its current work, so two threads of one session can reach the same model. Training
    while another thread backpropagates through it would corrupt both.
    """
    with _locks_guard:
        return _locks.setdefault(experiment, threading.RLock())


def train_tick(experiment: Experiment, steps: int = TICK_STEPS, max_seconds: float = TICK_SECONDS) -> list[dict]:
    """One bounded chunk of training (as many steps as fit in `max_seconds`): the one place the app trains."""
    with model_lock(experiment):
        return experiment.train(steps, max_seconds=max_seconds)


def train_now(experiment: Experiment, steps: int, max_seconds: float = STEP_SECONDS) -> int:
    """Train `steps` steps at once, tick by tick, for at most `max_seconds`; returns the steps done."""
    done, deadline = 0, time.perf_counter() + max_seconds
    while done < steps and time.perf_counter() < deadline:
        rows = train_tick(experiment, steps - done, min(TICK_SECONDS, max(deadline - time.perf_counter(), 0.01)))
        if not rows:
            break
        done += len(rows)
    return done


def _say(message: str, kind: str = "info") -> None:
    """Keep a message for the top of the next page drawn (kind: info, warning or error)."""
    st.session_state.setdefault(MESSAGES, []).append((kind, message))


def _widget_values(config: Config) -> dict:
    values = {key: getattr(config, field) for key, field in WIDGET_FIELDS.items()}
    values["cell"] = next(label for label, pair in CELL_CHOICES.items() if pair == (config.cell, config.nonlinearity))
    return values


def _seed_widgets(config: Config, force: bool = False) -> None:
    """Give each sidebar widget its value from `config` (all of them when `force`, else the missing ones)."""
    for key, value in _widget_values(config).items():
        if force or key not in st.session_state:
            _write(key, value)


def _write(key: str, value) -> None:
    """Set a widget's value from code (before the widget is drawn in this run)."""
    st.session_state[key] = value
    st.session_state.setdefault(WRITTEN, set()).add(key)


def default(key: str, initial=None, blank=None):
    """The default to create widget `key` with: its current value, unless code wrote it for this run.

    The value lives in session state, but a widget the browser mounts afresh (when something above it
    appeared or went) starts from its default, so the default must be the value. A value written by
    code reaches the browser anyway; then the widget gets `blank`, its own "no default" ("min" for a
    number, "" for text), since a real default beside it would only make Streamlit warn.
    `initial` seeds a widget that has no value yet.
    """
    if key not in st.session_state and initial is not None:
        _write(key, initial)
    written = st.session_state.setdefault(WRITTEN, set())
    if key in written:
        written.discard(key)
        return blank
    return st.session_state.get(key)


def _config_from_widgets() -> tuple[Config, list[str]]:
    """The settings the sidebar shows, checked; a new dataset starts from its own lesson defaults."""
    current = experiment().config
    values = {field: st.session_state[key] for key, field in WIDGET_FIELDS.items() if key in st.session_state}
    values["cell"], values["nonlinearity"] = CELL_CHOICES.get(st.session_state.get("cell"), ("rnn", "tanh"))
    dataset = values.get("dataset", current.dataset)
    base = current if dataset == current.dataset else dataset_defaults(dataset)
    return Config.checked(base, **values)


def _install(new: Experiment, message: str, seed_widgets: bool) -> None:
    st.session_state[EXPERIMENT] = new
    st.session_state[RUNNING] = False
    for key in [k for k in st.session_state if str(k).endswith("_prefix_error")]:
        del st.session_state[key]
    if seed_widgets:  # only from a callback: widgets drawn in this run cannot be set any more
        _seed_widgets(new.config, force=True)
    _say(message)


def _build(config: Config, message: str, seed_widgets: bool = True) -> bool:
    """Replace the experiment with a new one; on refused settings keep the old one and say why."""
    try:
        _install(Experiment(config), message, seed_widgets)
        return True
    except InputError as error:
        _say(str(error), "error")
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
    _seed_widgets(experiment().config, force=True)


def _toggle() -> None:
    if not experiment().trainer.diverged:
        st.session_state[RUNNING] = not is_running()


def _step() -> None:
    exp = experiment()
    wanted = int(st.session_state.get("step_count", 1))
    done = train_now(exp, wanted)
    if done < wanted and not exp.trainer.diverged:
        _say(f"Trained {done} of {wanted} steps in {STEP_SECONDS:g} s; press Step again or Train to go on.")


def _dataset_changed() -> None:
    """A new dataset brings its lesson's sizes and rates into the widgets; cell, layers and seed stay."""
    defaults = dataset_defaults(st.session_state["dataset"])
    for key in ("text", "lag", "hidden_size", "lr", "batch_size", "seq_len", "carry_state", "step_count"):
        _write(key, getattr(defaults, WIDGET_FIELDS[key]))


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
        _say(notice, "warning")


def apply_settings(**values) -> None:
    """Apply settings that keep the model (length, temperature, …) from a page's widgets."""
    exp = experiment()
    config, notices = Config.checked(exp.config, **values)
    exp.update(config)
    for notice in notices:
        _say(notice, "warning")


# -- the sidebar -----------------------------------------------------------------------------------------
def controls() -> None:
    """The shared sidebar (lessons, Train/Pause, Step, Reset, settings) and the notices above every page."""
    exp = experiment()
    _seed_widgets(exp.config)
    with st.sidebar:
        st.markdown("#### Lessons")
        for key, lesson in LESSONS.items():
            st.button(lesson.title, key=f"preset_{key}", on_click=_apply_preset, args=(key,), help=lesson.look_for,
                      width="stretch", type="primary" if st.session_state.get(LESSON) == key else "secondary")
        st.markdown("#### Training")
        left, right = st.columns(2)
        left.button("Pause" if is_running() else "Train", key="train_toggle", on_click=_toggle, type="primary",
                    disabled=bool(exp.trainer.diverged), width="stretch")
        right.button("Reset", key="reset", on_click=_reset, width="stretch",
                     help="A new model from the settings below, trained from scratch.")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        _number("Steps", "step_count", step=10, container=left)
        right.button("Step", key="step", on_click=_step, width="stretch", help="Train this many steps now.")
        _settings(exp)
    config, notices = _config_from_widgets()
    changed = exp.needs_reset(config)
    # One container, always there, holds the notices: the page below keeps its place in the layout, so
    # its widgets are not re-mounted (and their values not lost) when a notice comes or goes.
    with st.container():
        if changed and exp.step == 0 and not is_running():
            _build(config, "Nothing was trained yet, so the new settings built a new model at once.",
                   seed_widgets=False)
        elif changed:
            _pending(changed)
        elif config != exp.config:
            try:
                exp.update(config)
            except InputError as error:
                notices.append(str(error))
        _messages(notices, experiment())


def _settings(exp: Experiment) -> None:
    with st.expander("Data and model", expanded=True):
        datasets = [d for d in CHOICES["dataset"] if d in DATASET_DEFAULTS and d not in NEEDS_UPLOAD]
        if exp.config.dataset not in datasets:  # e.g. data uploaded or opened from a link
            datasets.append(exp.config.dataset)
        _choice("Dataset", datasets, "dataset", on_change=_dataset_changed)
        if st.session_state.get("dataset") == "text":
            st.text_area("Your text", value=default("text", blank=""), key="text", height=120,
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
        st.checkbox("Carry the hidden state between batches", value=bool(default("carry_state")), key="carry_state")


def _number(label: str, key: str, container=st, **options) -> None:
    kind, low, high = LIMITS[WIDGET_FIELDS[key]]
    container.number_input(label, value=default(key, blank="min"), key=key, min_value=kind(low), max_value=kind(high),
                           **options)


def _choice(label: str, options: list, key: str, **more) -> None:
    st.selectbox(label, options, index=index_of(options, key), key=key, **more)


def index_of(options: list, key: str) -> int:
    """The default index for a choice widget `key` (see `default`); a new one starts at the first option."""
    value = default(key, options[0])
    return options.index(value) if value in options else 0


def _pending(changed: list[str]) -> None:
    names = ", ".join(name.replace("_", " ") for name in changed)
    st.warning(f"These settings need a new model: **{names}**. Until you apply them, the current model keeps "
               "its settings (and trains with them).")
    left, right, _ = st.columns([1, 1, 3])
    left.button("Apply and reset", key="apply_reset", on_click=_reset, type="primary", width="stretch")
    right.button("Keep the current model", key="keep_model", on_click=_keep_model, width="stretch")


def _messages(notices: list[str], exp: Experiment) -> None:
    for kind, message in st.session_state.pop(MESSAGES, []):
        getattr(st, kind)(message)
    for notice in notices:
        st.warning(notice)
    if exp.trainer.diverged:
        st.error(exp.trainer.diverged)


# -- drawing helpers the pages share ----------------------------------------------------------------------
def lesson_note() -> None:
    """The current lesson's 'what to look for', while the settings are still the lesson's."""
    key = st.session_state.get(LESSON)
    if key in LESSONS and not experiment().needs_reset(LESSONS[key].config):
        st.info(f"**{LESSONS[key].title}.** {LESSONS[key].look_for}")


def prefix_box(key: str = "prefix", label: str = "Prefix for the model to continue") -> None:
    """A text box for the prefix; a prefix the data cannot read shows why and keeps the last good one."""
    exp, error_key = experiment(), f"{key}_prefix_error"
    if error_key not in st.session_state and st.session_state.get(key) != exp.config.prefix:
        _write(key, exp.config.prefix)
    st.text_input(label, value=default(key, blank=""), key=key,
                  on_change=lambda: apply_prefix(st.session_state[key], error_key),
                  help="Press Enter to see the model continue it. Training goes on while you type.")
    if error_key in st.session_state:
        st.error(st.session_state[error_key])


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
        if trains:
            with st.container(key="train_status"):
                st.markdown(f"**{'Training' if is_running() else 'Paused'}** · {status_text(exp)}")
        with model_lock(exp):
            draw(exp)
        if trains and is_running():
            train_tick(exp)
            if exp.trainer.diverged:
                st.session_state[RUNNING] = False
                st.rerun()

    live_views()
