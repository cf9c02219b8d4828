"""Widget values in a real Chromium: each keeps its value while another page shows (persist_state="session"),
and the snapshot chooser carries its choice from one replaying page straight into the next."""

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .browser import screenshot, view
from .test_app import click_key, go_to, wait_for_text

PATHS = {"Train": r"/\?", "Hidden states": r"/hidden_states\?", "Predict": r"/predict\?"}

SOURCE = "a training sample"


def shown(page, key: str, timeout: float = 30.0):
    """What widget `key` shows once drawn: the checked radio's label, the slider's value, or the input's text."""
    widget = page.locator(view(key))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        checked = widget.locator('[data-testid="stRadioOption"][data-selected="true"]')
        thumb = widget.locator('[data-testid="stSliderThumbValue"]')
        box = widget.locator("input")
        if checked.count():
            return checked.first.inner_text().strip()
        if thumb.count():
            return thumb.first.inner_text().strip()
        if box.count():
            return box.first.input_value()
        page.wait_for_timeout(100)
    raise AssertionError(f"{key} was never drawn")


def visit(page, title: str) -> None:
    """Open page `title` from the sidebar. A click that lands while a run ends can be lost (so it was before
    persist_state too): click again until the address shows the page."""
    for _ in range(3):
        go_to(page, title)
        try:
            page.wait_for_url(re.compile(PATHS[title]), timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"never reached {title}: {page.url}")


def enter(page, key: str, value: str) -> None:
    box = page.locator(f"{view(key)} input")
    box.fill(value)
    box.press("Enter")


def slide_to(page, key: str, place: int, label: str) -> None:
    """Move slider `key` to its option number `place` (from 0) with the keyboard, as a learner can, until it
    shows `label`. A rerun that redraws the slider between two presses can swallow one, so press again."""
    thumb = page.locator(f'.st-key-{key} input[type="range"]')
    for _ in range(3):
        thumb.focus()
        thumb.press("Home")
        for _ in range(place):
            thumb.press("ArrowRight")
        try:
            wait_shown(page, key, label, timeout=10.0)
            return
        except AssertionError:
            continue
    wait_shown(page, key, label)


def wait_shown(page, key: str, value: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and shown(page, key) != value:
        page.wait_for_timeout(100)
    assert shown(page, key) == value, (key, shown(page, key), value)


def test_page_widgets_keep_their_values_across_pages(open_page):
    page = open_page()
    click_key(page, "step")  # L0's 60 steps: snapshots at 0, 1, 2, 5, … to replay
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step\s+60\b")
    visit(page, "Hidden states")
    page.locator('.st-key-hidden_source [data-testid="stRadioOption"]', has_text=SOURCE).click()
    wait_shown(page, "hidden_source", SOURCE)
    slide_to(page, "replay_step", 2, "2")
    wait_for_text(page, '[data-testid="stAppViewContainer"]', "after training step 2")

    # Straight to another replaying page: its own chooser starts on the step chosen here.
    visit(page, "Predict")
    wait_shown(page, "replay_step", "2")
    wait_for_text(page, '[data-testid="stAppViewContainer"]', "after training step 2")
    enter(page, "predict_temperature", "1")  # the model's own setting: it samples now
    page.locator(".st-key-sample_3").wait_for(timeout=30_000)
    enter(page, "predict_samples", "5")
    page.locator(".st-key-sample_5").wait_for(timeout=30_000)  # the server has the value, not only the box

    # Through a page that draws none of them, and back: every value is still there.
    visit(page, "Train")
    visit(page, "Predict")
    wait_shown(page, "predict_samples", "5")
    wait_shown(page, "predict_temperature", "1")  # back from the model
    page.locator(".st-key-sample_5").wait_for(timeout=30_000)
    wait_shown(page, "replay_step", "2")
    visit(page, "Hidden states")
    wait_shown(page, "hidden_source", SOURCE)
    wait_shown(page, "replay_step", "2")
    screenshot(page, "widgets_kept_hidden_states")
