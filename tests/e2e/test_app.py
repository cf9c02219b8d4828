"""The app in a real Chromium: what AppTest cannot see (fragments ticking, charts, animation)."""

import re
import time

import pytest

from .browser import CHART, open_app, screenshot

L0_ANSWER = "2 3 4 5 6 7 8 9"
PAGES = ["Train", "Unrolled recurrence", "Hidden states", "Gradients", "Predict"]


@pytest.fixture
def page(browser, app_url):
    page = open_app(browser, app_url)
    yield page
    page.close()


def continuation(page) -> str:
    return page.locator(".st-key-continuation").inner_text(timeout=30_000)


def wait_for_text(page, selector: str, pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = page.locator(selector).inner_text(timeout=30_000)
        if re.search(pattern, text):
            return text
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never matched {pattern!r}; last text: {text!r}")


def click_key(page, key: str) -> None:
    page.locator(f".st-key-{key} button").first.click()


def go_to(page, title: str) -> None:
    page.locator('.st-key-page_links a', has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    page.wait_for_timeout(300)
    page.wait_for_selector(CHART, timeout=60_000)


def set_prefix(page, text: str) -> None:
    box = page.locator(".st-key-prefix input")
    box.fill(text)
    box.press("Enter")


def test_l0_preset_learns_to_count(page):
    click_key(page, "preset_L0")
    page.wait_for_timeout(500)
    before = continuation(page)
    assert before.split("\n")[0] != L0_ANSWER
    click_key(page, "train_toggle")
    wait_for_text(page, ".st-key-continuation", re.escape(L0_ANSWER), timeout=60)
    screenshot(page, "train_l0_after")
    click_key(page, "train_toggle")  # pause


def test_every_page_shows_its_charts(page):
    click_key(page, "preset_L0")
    page.locator(".st-key-step_count input").fill("30")
    click_key(page, "step")
    page.wait_for_timeout(1500)
    for title in PAGES:
        go_to(page, title)
        page.wait_for_timeout(1500)
        charts = page.locator(CHART)
        assert charts.count() >= 1, f"{title} shows no chart"
        # A drawn chart has SVG marks inside, not just an empty frame.
        assert page.locator(CHART + " .main-svg").count() >= 1
        assert page.locator('[data-testid="stException"]').count() == 0, f"{title} shows an exception"
        screenshot(page, "page_" + title.lower().replace(" ", "_"))


def test_unrolled_animation_plays(page):
    click_key(page, "preset_L4")
    page.locator(".st-key-step_count input").fill("50")
    click_key(page, "step")
    page.wait_for_timeout(1000)
    go_to(page, "Unrolled recurrence")
    chart = page.locator(".st-key-unrolled_chart .js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    active = "el => (el._fullLayout.sliders && el._fullLayout.sliders[0]) ? el._fullLayout.sliders[0].active : -1"
    start = chart.evaluate(active)
    chart.locator(".updatemenu-button", has_text=re.compile("Play|▶")).first.click()
    page.wait_for_timeout(2500)
    assert chart.evaluate(active) != start, "the time slider did not move when Play was pressed"
    screenshot(page, "unrolled_playing")


def test_typing_a_prefix_while_training_keeps_training(page):
    click_key(page, "preset_L0")
    click_key(page, "train_toggle")
    wait_for_text(page, ".st-key-continuation", re.escape(L0_ANSWER), timeout=60)
    step_before = int(re.search(r"step\s+(\d+)", page.locator(".st-key-train_status").inner_text()).group(1))
    set_prefix(page, "5 6")
    wait_for_text(page, ".st-key-continuation", r"^5 6 7 8", timeout=30)
    page.wait_for_timeout(1500)
    step_after = int(re.search(r"step\s+(\d+)", page.locator(".st-key-train_status").inner_text()).group(1))
    assert step_after > step_before, "training stopped or reset when the prefix changed"
    assert page.locator(".st-key-train_toggle button").inner_text().strip() == "Pause"
    screenshot(page, "train_new_prefix")
    click_key(page, "train_toggle")
