"""What the app draws before torch is loaded, and the sidebar's order (training controls first)."""

import subprocess
import sys

from pages_helpers import APP
from streamlit.testing.v1 import AppTest

from rnnviz.config import label
from rnnviz.lessons import LESSONS
from ui.loading import page_text


def test_the_first_frame_and_the_tab_identity_do_not_import_torch():
    script = ("import sys, streamlit; import ui.loading, ui.reconnect, ui.page_links, ui.chart_library;"
              "assert 'torch' not in sys.modules, [m for m in sys.modules if m.startswith(('rnnviz', 'ui'))]")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=APP.parent)


def test_a_page_text_is_its_docstring_read_without_running_it():
    assert page_text(str(APP.parent / "pages" / "train.py")).startswith("Train: press Train")
    assert page_text(str(APP.parent / "pages" / "no_such_page.py")) == ""


def test_the_sidebar_starts_with_training_then_pages_then_lessons(app):
    sidebar = app.sidebar
    labels = [button.label for button in sidebar.button]
    assert labels[:3] == ["Train", "Reset", "Step"]
    assert labels[3].startswith("L0 ·")
    titles = [link.label for link in sidebar.get("page_link")]
    assert titles[:2] == ["Train", "Unrolled recurrence"] and len(titles) == 12  # every page in main.py


def test_the_focused_view_keeps_the_page_links_and_no_lessons(server_navigation):
    from pages_helpers import open_app

    at = open_app({"classroom": "1"})
    assert [button.label for button in at.sidebar.button] == ["Train", "Reset", "Step"]
    assert len(at.sidebar.get("page_link")) == 12


def first_frame(query: dict | None = None, served: bool = False) -> AppTest:
    """ui.loading's first frame alone, as a fresh server draws it before torch has loaded, on the Train page (with
    the app's route, `served`, as app.py serves it)."""

    def script(served):
        import streamlit as st

        from ui import feed_route, loading

        feed_route._served = served
        pages = [st.Page(lambda: None, title="Train", url_path="train", default=True),
                 st.Page(lambda: None, title="Memory tasks", url_path="memory")]
        page = st.navigation(pages, position="hidden")
        try:
            loading.first_sidebar(pages, feed_route.train_in_panel(pages, page))
        finally:
            feed_route._served = False

    at = AppTest.from_function(script, default_timeout=60, args=(served,))
    at.query_params.update(query or {})
    return at.run()


def test_the_first_frame_shows_the_lessons_and_lesson_l0s_settings(server_navigation):
    at = first_frame()
    assert not at.exception
    lessons = [b for b in at.sidebar.button if b.label in {lesson.title for lesson in LESSONS.values()}]
    assert [b.label for b in lessons] == [lesson.title for lesson in LESSONS.values()]
    assert all(b.disabled for b in at.sidebar.button)  # nothing to press until the model's code is loaded
    l0 = LESSONS["L0"].config
    assert [n.value for n in at.sidebar.number_input] == [l0.steps]
    text = "\n".join(m.value for m in at.sidebar.markdown)
    for name, value in (("dataset", "counting"), ("cell", "RNN (tanh)"), ("hidden_size", "256"), ("num_layers", "1"),
                        ("seed", "0"), ("device", "auto"), ("optimizer", "adam"), ("lr", "0.01"),
                        ("batch_size", "50"), ("seq_len", "20"), ("clip", "0.0"), ("carry_state", "false")):
        assert f"{label(name)}: `{value}`" in text
    assert text.index("**Data and model**") < text.index("Dataset:") < text.index("**Training settings**")


def test_the_first_frame_lays_the_train_page_out_as_the_full_sidebar_will(server_navigation):
    # With the app's route the live panel has Train: the first frame shows none, so nothing moves when the page comes.
    assert [b.label for b in first_frame(served=True).sidebar.button][:2] == ["Reset", "Step"]
    assert [b.label for b in first_frame(served=False).sidebar.button][:3] == ["Train", "Reset", "Step"]


def test_the_first_frame_of_a_link_waits_for_its_settings_and_a_focused_view_has_none(server_navigation):
    linked = first_frame({"dataset": "sine", "hidden_size": "7"})
    assert [b.label for b in linked.sidebar.button][3:5] == [LESSONS["L0"].title, LESSONS["L1"].title]
    assert "Dataset:" not in "".join(m.value for m in linked.sidebar.markdown)
    assert "The settings appear with the model." in linked.sidebar.caption[0].value
    focused = first_frame({"classroom": "1"})
    assert [b.label for b in focused.sidebar.button] == ["Train", "Reset", "Step"]
    assert "Dataset:" not in "".join(m.value for m in focused.sidebar.markdown)
