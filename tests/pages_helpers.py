"""What the AppTest page tests share: the app run as the server runs it, and ways to read what it drew.

The fixtures built on these (`app`, `server_navigation`, `fresh_server`) are in conftest.py.
"""

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from rnnviz.experiment import Experiment
from rnnviz.serving.live import worker_of
from ui.chart_library import KEY as LIBRARY_KEY
from ui.messages import WORD_JOINER

APP = Path(__file__).resolve().parents[1] / "main.py"


class NavigationOnly(PagesManager):
    """In a server, the first st.navigation call turns Streamlit's old `pages/`-folder mode off for good;
    AppTest turns it back on before every run (the folder exists), and then runs a page without main.py.
    Turning it off again right away makes AppTest run the app as the server does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def open_app(query: dict | None = None, page: str | None = None) -> AppTest:
    """The app opened with the link parameters `query`, then switched to `page`; it must not raise.
    (Use it with the `server_navigation` fixture, or one built on it.)"""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def experiment(at) -> Experiment:
    return at.session_state["experiment"]


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def alert_text(element) -> str:
    """What a learner reads in an alert (st.error, st.warning, st.info): its markdown with the escapes that
    ui.messages.as_text adds undone."""
    return re.sub(r"\\(.)", r"\1", element.value.replace(WORD_JOINER, "")).replace("  \n", "\n")


def alert_texts(elements) -> list[str]:
    return [alert_text(element) for element in elements]


def page_charts(at) -> list:
    """The page's Plotly charts, without the hidden one every page draws first (ui.chart_library)."""
    return [chart for chart in at.get("plotly_chart") if not chart.proto.id.endswith(f"-{LIBRARY_KEY}_chart")]


def live_charts(at) -> dict[str, dict]:
    """The page's live charts (ui.live_chart, kept mounted while training): key → the figure they were sent."""
    return {chart.proto.id.rsplit("-", 1)[-1].removesuffix("_live"): json.loads(json.loads(chart.proto.json)["figure"])
            for chart in at.get("bidi_component") if chart.proto.component_name == "rnnviz.live_chart"
            and not chart.proto.id.endswith(f"-{LIBRARY_KEY}_live")}


def chart_keys(at) -> list[str]:
    """The keys of the page's charts: those sent whole (st.plotly_chart), then the live ones."""
    return [chart.proto.id.rsplit("-", 1)[-1] for chart in page_charts(at)] + list(live_charts(at))


def block_text(at, key: str) -> str:
    """The text inside st.container(key=...): its HTML or markdown children, or its live text's HTML."""
    def find(node):
        if str(getattr(getattr(node, "proto", None), "id", "")).endswith("-" + key):
            return node
        for child in getattr(node, "children", {}).values():
            found = find(child)
            if found is not None:
                return found
        return None

    def text(child) -> str:
        proto = getattr(child, "proto", None)
        if getattr(proto, "component_name", "") == "rnnviz_live_text":  # ui.live_texts.live_text: its HTML
            return json.loads(proto.json)["html"]
        return str(child.value)

    block = find(at._tree)
    assert block is not None, f"no container with key {key!r}"
    return " ".join(text(child) for child in block.children.values())


def step(at, count: int) -> None:
    """Press the sidebar's Step with `count` steps."""
    at.number_input(key="step_count").set_value(count).run()
    action_button(at, "step").click().run()
    assert not at.exception


def lesson_on_every_page(at, key: str, pages) -> Iterator[str]:
    """Press lesson `key`, train 2 steps, then open each of `pages` in turn and yield it: none may raise or show
    an error."""
    at.button(key=f"preset_{key}").click().run()
    step(at, 2)
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (key, page, [e.value for e in at.exception])
        assert not at.error, (key, page, [e.value for e in at.error])
        yield page


def wait_for(condition, timeout: float = 30.0) -> None:
    """Wait until `condition()` holds (work done by a training worker, in its own thread)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.02)


def running(at) -> bool:
    """Whether the session's model is training (its worker says, rnnviz.serving.live)."""
    live = worker_of(experiment(at))
    return live is not None and live.running


def action_button(at, name: str):
    """A sidebar action button (train_toggle, step): its key ends with its presses so far (ui.sidebar.action_button)."""
    presses = at.session_state["presses"] if "presses" in at.session_state else {}
    return at.button(key=f"{name}_{presses.get(name, 0)}")


def train_button(at):
    """The sidebar's Train/Pause button."""
    return action_button(at, "train_toggle")


def address_bar(at) -> dict:
    """The settings the address bar carries (nothing else: the tab's secret never goes in it)."""
    return dict(at.query_params.items())
