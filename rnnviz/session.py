"""One browser session's experiment, the sidebar that steers it, and the training tick.

The only module of the library that imports Streamlit. It owns st.session_state: one Experiment
per session (built once, never on a rerun), the running flag, and the sidebar's widgets. Every
widget value passes through `Config.checked`, so a bad value becomes a notice, not a traceback.
Settings that define the model wait for a reset (or apply at once while nothing is trained yet);
the others reach the next training step through `Experiment.update`.

Training runs in bounded ticks: `live(draw)` wraps a page's live views in a fragment that
re-runs every TICK_INTERVAL seconds while training, draws, then calls `train_tick`, the one
place the app trains; `live(draw, trains=False)` redraws the charts about once a second.

On a shared server (rnnviz.limits): a tick trains only with one of the process's few turns
(`TURNS`), and a session that finds them all taken says it is waiting instead of slowing
everyone; each session's Experiment is also held in `SESSIONS`, where a background keeper
marks connected sessions as seen and lets the others' models go after the time-to-live.
The URL carries the settings (rnnviz.hosting): a link opened is applied on the session's
first run, and the address bar follows the model's settings from then on.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable

import streamlit as st
from streamlit import runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .charts.text import continuation_html, table_html
from .config import CHOICES, DATASET_DEFAULTS, LIMITS, Config
from .config import defaults_for as dataset_defaults
from .device import available_devices, pick_device
from .errors import InputError
from .experiment import LAGGED, Experiment
from .hosting import (
    keep_sessions,
    left_out,
    let_go,
    link_settings,
    models_in_memory,
    return_memory,
    same_model,
    share_query,
    share_url,
    was_let_go,
)
from .lessons import LESSONS
from .limits import SESSIONS, TURNS, configure_torch_threads
from .views import status_text

EXPERIMENT, RUNNING, LESSON, MESSAGES, WRITTEN = "experiment", "running", "lesson", "messages", "widgets_written"
SESSION_KEY, LINK_READ, CLASSROOM, SHARE_SLOT, CLICKS = "session_key", "link_read", "classroom", "share_slot", "clicks"
KEEP_EVERY = 10.0  # seconds between the keeper's rounds: sessions closed are let go within the TTL plus this
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
    """This session's Experiment, built on first use from lesson L0 (or from the link that opened the app)."""
    current = st.session_state.get(EXPERIMENT)
    if current is not None and SESSIONS.get(session_key()) is current:
        return current
    if LINK_READ not in st.session_state:
        _reroute()
    try:
        if current is None:
            _register(Experiment(LESSONS["L0"].config))
            st.session_state.setdefault(LESSON, "L0")
        elif not was_let_go(current):  # a new registry: Streamlit reloaded the app's modules (a file changed)
            _register(current)
        else:  # the keeper let it go while this session was away
            _register(Experiment(current.config))
            _say("This tab was away longer than the server keeps an idle model, so its model was let go. "
                 "Here is a new one with the same settings, untrained.", "warning")
    except InputError as error:  # the server is full
        st.error(str(error))
        st.stop()
    return st.session_state[EXPERIMENT]


def _reroute() -> None:
    """A page drawn without app.py (its controls never ran): run the app again, through app.py.

    A fresh server whose first request is a page's address (a share link to /predict, a reload
    after a restart) runs that page file alone: Streamlit's old `pages/` folder mode stays on until
    some run calls st.navigation. Turning it off and rerunning draws the same page through app.py.
    """
    if st.session_state.get("rerouted"):
        return  # once: never loop
    st.session_state["rerouted"] = True
    PagesManager.uses_pages_directory = False
    st.rerun()


def session_key() -> tuple[str, str]:
    """This session's key in SESSIONS: Streamlit's session id (to ask whether it is still connected) and
    an id of our own (AppTest gives every session the same Streamlit id)."""
    if SESSION_KEY not in st.session_state:
        context = get_script_run_ctx()
        st.session_state[SESSION_KEY] = (context.session_id if context else "", uuid.uuid4().hex)
    return st.session_state[SESSION_KEY]


_held: dict = {}  # session key → weakrefs to every Experiment the session made (its own, side by side)
_keeper_started = threading.Event()


def _register(new: Experiment) -> None:
    """Make `new` this session's Experiment, in session state and in SESSIONS (which may refuse: full)."""
    key = session_key()
    SESSIONS.put(key, new)
    _hold(key, [new])
    st.session_state[EXPERIMENT] = new


def _hold(key, experiments) -> None:
    """Remember (weakly) that session `key` made `experiments`, so the keeper lets them go with the session."""
    alive = [ref for ref in _held.get(key, []) if ref() is not None]
    _held[key] = alive + [weakref.ref(made) for made in experiments]


def _is_connected(key) -> bool:
    return runtime.exists() and runtime.get_instance().is_active_session(key[0])


def keep_round(is_connected: Callable = _is_connected) -> list:
    """One round of the keeper: connected sessions are seen; those unseen for the TTL are swept and let go."""
    gone = keep_sessions(SESSIONS, is_connected)
    for key in gone:
        for reference in _held.pop(key, []):
            held = reference()
            if held is not None and not was_let_go(held):
                with model_lock(held):
                    let_go(held)
    if gone:
        return_memory()
        models, size = models_in_memory()
        print(f"rnnviz: let go of {len(gone)} closed session(s); {len(SESSIONS)} still open; "
              f"{models} models in memory, {size / 2**20:.1f} MB of tensors", flush=True)
    return gone


def _start_keeper() -> None:
    """Once per server process: the thread that lets closed sessions' models go. Only under a real server
    (AppTest has no runtime, and its sessions never connect)."""
    if _keeper_started.is_set() or not runtime.exists():
        return
    _keeper_started.set()
    # Keep a closed tab's model as long as Streamlit keeps its session for a reconnect, and no longer.
    SESSIONS.ttl = float(st.get_option("server.disconnectedSessionTTL"))

    def keep() -> None:
        while True:
            time.sleep(KEEP_EVERY)
            try:
                keep_round()
            except Exception as error:  # noqa: BLE001 - the keeper must outlive one bad round
                print(f"rnnviz: the session keeper failed a round: {error!r}", flush=True)

    threading.Thread(target=keep, name="rnnviz-session-keeper", daemon=True).start()


def classroom() -> bool:
    """Whether this session shows the focused view (opened with ?classroom=1): no settings panel."""
    return bool(st.session_state.get(CLASSROOM, False))


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


def turn_owner(experiment: Experiment) -> tuple[str, int]:
    """Who asks TURNS for a training turn: the Experiment (one per session; a reset starts a new place in line)."""
    return ("experiment", id(experiment))


def train_tick(experiment: Experiment, steps: int = TICK_STEPS, max_seconds: float = TICK_SECONDS,
               wait: float = 0.0) -> list[dict] | None:
    """One bounded chunk of training (as many steps as fit in `max_seconds`): the one place the app trains.

    It trains only with a training turn (limits.TURNS), waiting at most `wait` seconds for one; None
    means every turn was taken, and the session keeps its place in line for the next tick.
    """
    with model_lock(experiment), TURNS.turn(turn_owner(experiment), timeout=wait) as granted:
        if not granted:
            return None
        return experiment.train(steps, max_seconds=max_seconds)


def train_now(experiment: Experiment, steps: int, max_seconds: float = STEP_SECONDS) -> int:
    """Train `steps` steps at once, tick by tick (waiting for turns), for at most `max_seconds`; returns the
    steps done."""
    done, deadline = 0, time.perf_counter() + max_seconds
    while done < steps and (left := deadline - time.perf_counter()) > 0:
        rows = train_tick(experiment, steps - done, min(TICK_SECONDS, max(left, 0.01)), wait=left)
        if rows is None:
            continue  # no turn came in time: the loop's deadline ends it
        if not rows:
            break
        done += len(rows)
    return done


def _leave_line(experiment: Experiment) -> None:
    """Give up a waiting place in line (on pause or reset); a turn being used ends with its tick."""
    owner = turn_owner(experiment)
    if TURNS.place(owner) > 0:
        TURNS.release(owner)


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


def _install(new: Experiment, message: str, seed_widgets: bool) -> None:
    old = st.session_state.get(EXPERIMENT)
    _register(new)
    if old is not None:
        _leave_line(old)
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


def replace_experiment(new: Experiment, message: str, notices: list[str] = ()) -> None:
    """From a page's callback: make `new` (built from uploaded data or a model file) the session's model."""
    _install(new, message, seed_widgets=True)
    st.session_state[LESSON] = None
    for notice in notices:
        _say(notice, "warning")


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


# Streamlit may run a click's callback twice: a fragment's timed rerun that leaves the browser just
# after the click carries the click too, then the click's own full rerun runs it again (seen under
# load: Pause paused, then trained on). The sidebar's buttons are outside every fragment, so their
# callbacks act only in a full run, and on what the button said when it was drawn.
def _toggle(train: bool) -> None:
    """Train (`train`) or pause, as the button showed: running it twice does the same as once."""
    exp = experiment()
    if not exp.trainer.diverged and not _timed_run():
        st.session_state[RUNNING] = train
        if not train:
            _leave_line(exp)


def _once(token: str) -> bool:
    """True the first time a click's token is seen: its callback may go on."""
    seen = st.session_state.setdefault(CLICKS, [])
    if token in seen:
        return False
    seen[:] = [*seen[-9:], token]
    return True


def _step(token: str) -> None:
    if _timed_run() or not _once(token):
        return
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
    _sync_link()


# -- share links ------------------------------------------------------------------------------------------
def _open_link() -> None:
    """On the session's first run: build the first model from the settings the link carries, if any."""
    if LINK_READ in st.session_state:
        return
    st.session_state[LINK_READ] = True
    config, focused, notices = link_settings(st.query_params.to_dict())
    st.session_state[CLASSROOM] = focused
    if config is not None:
        try:
            opened = Experiment(config)
            _register(opened)
        except InputError as error:
            notices.append(f"{error} Opened lesson L0 instead.")
        else:  # a lesson's own link still shows what to look for
            notices += _readable_prefix(opened)
            st.session_state[LESSON] = next((key for key, lesson in LESSONS.items()
                                             if same_model(lesson.config, config)), None)
    if notices:
        _say("Some settings in the link could not be used as they were, so they were changed or left out:\n"
             + "\n".join(f"- {notice}" for notice in notices), "warning")


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


def _sync_link() -> None:
    """Keep the address bar, and the share box, on the settings of the model now in use."""
    config = experiment().config
    wanted = share_query(config, classroom())
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    context = get_script_run_ctx()
    slot = st.session_state.get(SHARE_SLOT)
    if slot is None or classroom() or (context is not None and context.fragment_ids_this_run):
        return  # a fragment's run cannot write into the sidebar drawn by the full run
    base = st.context.url or ""
    with slot.container():
        st.caption("Anyone who opens this link starts from these settings, with a new model to train. "
                   "Copy it with the button at the box's right.")
        st.code(share_url(base, share_query(config)), language=None, wrap_lines=True)
        st.caption("The same with the settings panel hidden: a focused view to hand out to a class.")
        st.code(share_url(base, share_query(config, classroom=True)), language=None, wrap_lines=True)
        for name in left_out(config):
            st.caption(f":material/warning: Your {name} is too long for a link, so the link leaves it out: "
                       "share a model file from the page *Your data* instead.")


# -- the sidebar -----------------------------------------------------------------------------------------
def controls() -> None:
    """The shared sidebar (lessons, Train/Pause, Step, Reset, settings, share link) and the notices above every
    page. The focused view (?classroom=1) keeps only Train/Pause, Step and Reset."""
    configure_torch_threads()
    _start_keeper()
    _open_link()
    exp = experiment()
    _seed_widgets(exp.config)
    focused = classroom()
    with st.sidebar:
        if not focused:
            st.markdown("#### Lessons")
            for key, lesson in LESSONS.items():
                st.button(lesson.title, key=f"preset_{key}", on_click=_apply_preset, args=(key,),
                          help=lesson.look_for, width="stretch",
                          type="primary" if st.session_state.get(LESSON) == key else "secondary")
        st.markdown("#### Training")
        left, right = st.columns(2)
        left.button("Pause" if is_running() else "Train", key="train_toggle", on_click=_toggle,
                    args=(not is_running(),), type="primary",
                    disabled=bool(exp.trainer.diverged), width="stretch")
        right.button("Reset", key="reset", on_click=_reset, width="stretch",
                     help="A new model from the settings below, trained from scratch.")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        _number("Steps", "step_count", step=10, container=left)
        right.button("Step", key="step", on_click=_step, args=(uuid.uuid4().hex,), width="stretch",
                     help="Train this many steps now.")
        if focused:
            st.caption("A focused view: the link you opened set the model up. Train, pause, step, or Reset to "
                       "start again from scratch.")
        else:
            with st.expander("Copy share link", expanded=False, icon=":material/link:"):
                st.session_state[SHARE_SLOT] = st.empty()
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
    _sync_link()


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
        status = st.container(key="train_status") if trains else None  # filled after the tick
        with model_lock(exp):
            draw(exp)
        if trains and not is_running() and _timed_run():
            # A tick timed before the pause: the browser may then lose what the pause's full run drew
            # outside this fragment (a Streamlit race, seen with many sessions). Draw the page again.
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


def _timed_run() -> bool:
    """Whether this run is a fragment's own rerun (the live fragments have no widgets: only timers rerun them)."""
    context = get_script_run_ctx()
    return bool(context is not None and context.fragment_ids_this_run)


def waiting_text(experiment: Experiment) -> str:
    """The status while every training turn is taken: a turn comes by itself, in order of asking."""
    place = TURNS.place(turn_owner(experiment))
    line = f"you are number {place} in line" if place > 0 else "you are next in line"
    return (f"**:material/hourglass_top: Waiting for a turn** · {TURNS.active} of {TURNS.max_concurrent} sessions "
            f"on this server are training now; {line}, and training goes on by itself when a turn is free · "
            f"{status_text(experiment)}")


# -- side by side ---------------------------------------------------------------------------------------------
# Two or three models trained in lockstep on the same data and seed (rnnviz.compare), apart from the session's own
# experiment. Every st.session_state key of this section starts with "compare_". One thing trains at a time: starting
# these pauses the sidebar's model, and pressing the sidebar's Train pauses these.
import contextlib  # noqa: E402  (imports here keep this section in one piece)

from .compare import KINDS as COMPARE_KINDS  # noqa: E402
from .compare import Comparison  # noqa: E402

COMPARE, COMPARE_RUNNING = "compare_comparison", "compare_running"
COMPARE_KIND, COMPARE_STEPS = "compare_kind", "compare_step_count"


def comparison() -> Comparison | None:
    """This session's side-by-side models, built on first use from the sidebar's settings (None if refused)."""
    if COMPARE not in st.session_state:
        build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    return st.session_state.get(COMPARE)


def build_comparison(kind: str) -> str | None:
    """New side-by-side models of `kind` from the sidebar's current settings; the refusal's message, if any."""
    try:
        st.session_state[COMPARE] = going = Comparison.of_kind(kind, experiment().config)
    except InputError as error:
        return str(error)
    _hold(session_key(), going.experiments)
    st.session_state[COMPARE_RUNNING] = False
    return None


def compare_running() -> bool:
    return bool(st.session_state.get(COMPARE_RUNNING, False))


def _compare_rebuild() -> None:
    message = build_comparison(st.session_state.get(COMPARE_KIND, "cells"))
    _say(message or "Side by side: new models from the sidebar's settings, ready to train.",
         "error" if message else "info")


def _compare_toggle() -> None:
    going = comparison()
    if going is None or len(going.diverged) == len(going.entries):
        return
    st.session_state[COMPARE_RUNNING] = not compare_running()
    if compare_running():
        st.session_state[RUNNING] = False  # one thing trains at a time


def compare_tick(going: Comparison, max_seconds: float = TICK_SECONDS) -> int:
    """One bounded chunk of side-by-side training: every model the same number of steps, each under its lock."""
    return going.train(going.steps_for(max_seconds), max_seconds=max_seconds, train=train_tick)


def _compare_step() -> None:
    going = comparison()
    if going is None:
        return
    wanted = int(st.session_state.get(COMPARE_STEPS, 10))
    start, deadline = going.step, time.perf_counter() + STEP_SECONDS
    while going.step < start + wanted and time.perf_counter() < deadline and len(going.diverged) < len(going.entries):
        before = going.step
        going.train(min(start + wanted - going.step, going.steps_for(TICK_SECONDS)), max_seconds=TICK_SECONDS,
                    train=train_tick)
        if going.step == before:
            time.sleep(0.05)  # no training turn free (or a model caught up alone): ask again shortly
    if going.step < start + wanted and len(going.diverged) < len(going.entries):
        _say(f"Trained {going.step - start} of {wanted} steps side by side in {STEP_SECONDS:g} s; press Step again.")


def compare_controls(going: Comparison | None) -> None:
    """What to compare, Train side by side / Pause, Step and Rebuild, in one row."""
    if is_running() and compare_running():
        st.session_state[COMPARE_RUNNING] = False  # the sidebar's Train was pressed: it has the machine now
    kinds = list(COMPARE_KINDS)
    first, second, third, fourth, fifth = st.columns([3, 2, 2, 1, 2], vertical_alignment="bottom")
    first.selectbox("Compare", kinds, index=index_of(kinds, COMPARE_KIND), key=COMPARE_KIND,
                    format_func=lambda kind: COMPARE_KINDS[kind][0], on_change=_compare_rebuild,
                    help="Each model is the sidebar's settings with this one thing changed.")
    dead = going is None or len(going.diverged) == len(going.entries)
    second.button("Pause" if compare_running() else "Train side by side", key="compare_toggle", type="primary",
                  on_click=_compare_toggle, disabled=dead, width="stretch")
    third.number_input("Steps", min_value=1, max_value=5000, step=10, key=COMPARE_STEPS,
                       value=default(COMPARE_STEPS, 50, blank="min"))
    fourth.button("Step", key="compare_step", on_click=_compare_step, disabled=dead, width="stretch",
                  help="Train every model this many steps now.")
    fifth.button("Rebuild", key="compare_rebuild", on_click=_compare_rebuild, width="stretch",
                 help="New models from the sidebar's current settings, trained from scratch.")


def _compare_losses(going: Comparison) -> str:
    parts = []
    for entry in going.entries:
        trainer = entry.experiment.trainer
        if trainer.diverged:
            parts.append(f"{entry.label}: diverged at step {trainer.step + 1}")
        elif trainer.rows:
            parts.append(f"{entry.label}: loss {trainer.rows[-1]['loss']:.4g}")
    return " · ".join(parts) or "not trained yet"


def live_comparison(draw: Callable[[Comparison], None], trains: bool = True) -> None:
    """Like `live`, for the side-by-side models: with `trains`, draw then train one tick every TICK_INTERVAL;
    without, only redraw every SLOW_INTERVAL."""
    interval = TICK_INTERVAL if trains else SLOW_INTERVAL

    @st.fragment(run_every=interval if compare_running() and not is_running() else None)
    def compare_views() -> None:
        going = comparison()
        if going is None:
            return
        if trains:
            state = "Training" if compare_running() else "Paused"
            with st.container(key="compare_status"):
                st.markdown(f"**{state} side by side** · step {going.step} · " + _compare_losses(going))
        with contextlib.ExitStack() as locks:
            for model in going.experiments:
                locks.enter_context(model_lock(model))
            draw(going)
        if trains and compare_running() and not is_running():
            compare_tick(going)
            if len(going.diverged) == len(going.entries):
                st.session_state[COMPARE_RUNNING] = False
                st.rerun()

    compare_views()
