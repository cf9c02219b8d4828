"""The first frame: the sidebar's controls, lessons and settings, and the page's title and text while PyTorch loads.

Importing torch and the model's code takes seconds on a fresh server. The first session's first run draws this
frame, in the places the full page will use, then starts that import in a background thread (`start`), so the
learner reads the page while the model loads; then it reruns as the full app. Later sessions find everything
loaded. This module must not import torch, nor anything that does.
"""

from __future__ import annotations

import ast
import functools
import importlib
import sys
import threading
from pathlib import Path

import streamlit as st
from streamlit import config, runtime

from rnnviz.choices import cell_label
from rnnviz.config import Config, label
from rnnviz.config.checks import to_text
from rnnviz.lessons import LESSONS

from .page_links import page_links

# What the full app imports before it draws: torch, the model, the sidebar and the pages' shared code; numpy and
# pandas first, so that a first frame's Plotly (ui.chart_library) waits for those two only, not for torch.
MODULES = ("numpy", "pandas", "ui.sidebar", "ui.drawing", "rnnviz.charts", "rnnviz.views.sequence", "rnnviz.nn.train")
SWITCH_SECONDS = 0.001  # the interpreter's hand-over between threads: while torch loads, and while a model trains
WAIT_SECONDS = 120.0  # a run waits at most this long for the import before it reruns anyway
# The settings ui.sidebar shows a new session (lesson L0: no text, lag or forget-gate bias), in its order.
SETTINGS = (("Data and model", ("dataset", "cell", "hidden_size", "num_layers", "seed", "device")),
            ("Training settings", ("optimizer", "lr", "batch_size", "seq_len", "clip", "carry_state")))

_started = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None


def _import_all() -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - the full run imports again and shows the real error
        print(f"rnnviz: loading the model's code failed: {error!r}", flush=True)
    finally:
        _done.set()


def served() -> bool:
    """Whether a browser is on the other end: False in AppTest, which runs neither components nor timers
    (and has a Runtime too, in Streamlit 1.67)."""
    return runtime.exists() and not config.get_option("global.appTest")  # AppTest patches `config` only


def start() -> None:
    """Once per process: import the model's code in a background thread (AppTest: at once, in this thread)."""
    global _thread
    if _done.is_set() or not _started.acquire(blocking=False):
        return
    if not served():
        _import_all()
        return
    # The import holds the interpreter in long stretches; a 1 ms hand-over (not 5) lets this run and the server's
    # event loop draw and send the first frame between them.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_SECONDS))
    _thread = threading.Thread(target=_import_all, name="rnnviz-import", daemon=True)
    _thread.start()


def ready() -> bool:
    """Whether the model's code is loaded (or failed to load: then the full run shows why)."""
    return _done.is_set()


def wait() -> None:
    _done.wait(WAIT_SECONDS)


@functools.cache
def page_text(path: str) -> str:
    """A page file's docstring: what the page shows, in a sentence or two, read without running the page."""
    try:
        return ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""


def first_sidebar(pages, train_in_panel: bool = False) -> None:
    """The sidebar's training controls, page links, lessons and settings (usable once the model is loaded), laid
    out as the full sidebar will be: with `train_in_panel` (ui.feed_route.train_in_panel) Train is not here.
    A link's settings (a reloaded tab's too: its address carries them) are known once torch is: until then
    only a plain address shows values, those of the lesson a new session starts on."""
    config = None if st.query_params else LESSONS["L0"].config
    with st.sidebar:
        st.markdown("#### Training")
        left, right = st.columns(2)
        if train_in_panel:
            left.button("Reset", disabled=True, width="stretch")
        else:
            left.button("Train", type="primary", disabled=True, width="stretch")
            right.button("Reset", disabled=True, width="stretch")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        left.number_input("Steps", value=config.steps if config else None, disabled=True)
        right.button("Step", disabled=True, width="stretch")
        page_links(pages)
        if "classroom" in st.query_params:  # the focused view has no lessons or settings
            return
        st.markdown("#### Lessons")
        for lesson in LESSONS.values():  # no hover text yet: its script would hold the sidebar back (first_settings)
            st.button(lesson.title, disabled=True, width="stretch")
        if config is None:
            st.caption("The settings appear with the model.")
        else:
            first_settings(config)


def first_settings(config: Config) -> None:
    """The settings the sidebar will show for `config`, as text: widgets of kinds not yet on the page would each
    fetch their script from a server busy importing torch, and the sidebar waits for all of them."""
    for title, names in SETTINGS:
        st.markdown(f"**{title}**")
        shown = {name: getattr(config, name) for name in names}
        if "cell" in shown:
            shown["cell"] = cell_label(config.cell, config.nonlinearity)
        st.markdown("  \n".join(f"{label(name)}: `{to_text(value)}`" for name, value in shown.items()))


def first_page(page) -> None:
    """The page's title and text, with a note that the model is loading, where the full page draws them."""
    st.container()  # where the full app shows its notices
    st.title(page.title)
    text = page_text(str(getattr(page, "_page", "")))
    if text:
        st.markdown(text)
    st.info("Loading the model: the controls and views fill in within a few seconds.",
            icon=":material/hourglass_top:")
