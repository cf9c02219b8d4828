"""Each lesson link in a real Chromium: it opens the app on the lesson, ready to train, and the lesson pages draw."""

import re

import pytest

from rnnviz.lessons import LESSONS, lesson_query

from .browser import DRAWN, one_text, open_app, screenshot

# The lesson page each link is checked on (besides Train), and the charts that page must draw.
LESSON_PAGES = {
    "L0": ("Side by side", ["compare_loss_chart", "compare_prediction_chart"]),
    "L1": ("Gradients", ["spectral_chart", "grad_heatmap_chart"]),
    "L1b": ("Sequence → label", ["one_label_spread_chart", "one_label_hidden_chart"]),
    "L2": ("Inside the model", ["connectivity_chart", "unit_symbols_chart"]),
    "L3": ("Worked maths", ["worked_chart", "step_terms_chart", "bptt_chart"]),
    "L4": ("Worked maths", ["worked_chart", "bptt_chart"]),
    "L5": ("Gradients", ["spectral_chart", "grad_heatmap_chart"]),
    "M1": ("Memory tasks", ["memory_model_chart", "memory_lag_chart", "memory_profile_chart"]),
    "M2": ("Inside the model", ["connectivity_chart", "connectivity_matrix_chart"]),
    "M3": ("Side by side", ["compare_loss_chart", "compare_step_grad_chart"]),
}


def go_to(page, title: str) -> None:
    page.locator('.st-key-page_links a', has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    page.wait_for_timeout(300)


def assert_drawn(page, keys: list[str]) -> None:
    for key in keys:
        chart = page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first
        chart.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("key", list(LESSONS))
def test_lesson_link_opens_the_lesson_ready_to_train(browser, app_url, key):
    page = open_app(browser, app_url, query=lesson_query(key)[1:])
    try:
        lesson = LESSONS[key].config
        page.wait_for_selector(DRAWN, timeout=60_000)
        assert page.locator(".st-key-dataset input").input_value(timeout=30_000) == lesson.dataset
        assert page.locator(".st-key-hidden_size input").input_value() == str(lesson.hidden_size)
        status = one_text(page, ".st-key-train_status")
        assert re.search(r"step 0\b", status), status
        toggle = page.locator(".st-key-train_toggle button")
        assert toggle.inner_text().strip() == "Train" and toggle.is_enabled()
        primary = [other for other in LESSONS if page.locator(f'.st-key-preset_{other} [kind="primary"]').count()]
        assert primary == [key]  # the lesson's button is the one marked
        assert page.locator('[data-testid="stException"]').count() == 0
        title, keys = LESSON_PAGES[key]
        go_to(page, title)
        assert_drawn(page, keys)
        page.wait_for_timeout(800)
        screenshot(page, f"lesson_link_{key}_{title.lower().replace(' ', '_')}")
    finally:
        page.close()
