"""What the app draws before torch is loaded, and the sidebar's order (training controls first)."""

import subprocess
import sys

from pages_helpers import APP

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
    assert titles[:2] == ["Train", "Unrolled recurrence"] and len(titles) == 11  # every page in app.py


def test_the_focused_view_keeps_the_page_links_and_no_lessons(server_navigation):
    from pages_helpers import open_app

    at = open_app({"classroom": "1"})
    assert [button.label for button in at.sidebar.button] == ["Train", "Reset", "Step"]
    assert len(at.sidebar.get("page_link")) == 11
