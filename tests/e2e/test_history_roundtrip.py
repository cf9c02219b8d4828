"""A model file brings its loss curve back: export after training, reset, import, and the Train page draws the same."""

import pytest

from .browser import PAGE_LINK, screenshot
from .test_app import click_key, go_to, wait_for_text
from .test_sharing import LINK

# The line the Train page's loss chart last drew (its canvas spec, ui/live_canvas.js).
LOSS_LINE = """() => {
    const box = document.querySelector(':is(.st-key-loss_chart, .rnnviz-view-loss_chart) .rnnviz-live-chart');
    if (!box || !box.__canvas) return null;
    const line = (box.__canvas.spec.series || []).find(s => s.name === 'loss (each step)');
    return line ? {x: line.x, y: line.y} : null;
}"""


def loss_line(page) -> dict:
    for _ in range(100):
        line = page.evaluate(LOSS_LINE)
        if line and line["x"]:
            return line
        page.wait_for_timeout(200)
    raise AssertionError("the Train page drew no loss line")


def test_a_reloaded_export_shows_the_same_loss_curve(open_page, tmp_path):  # noqa: F811
    page = open_page(LINK)
    page.locator(".st-key-step_count input").fill("30")
    click_key(page, "step")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 30\b", timeout=60)
    go_to(page, "Train")
    before = loss_line(page)
    assert before["x"][-1] == 30
    page.locator(PAGE_LINK, has_text="Your data").first.click()  # no chart to wait for
    page.get_by_role("tab", name="Export and import").click()
    with page.expect_download(timeout=60_000) as download:
        click_key(page, "export_model")
    model_file = tmp_path / download.value.suggested_filename
    download.value.save_as(model_file)
    with page.expect_download(timeout=60_000) as download:
        click_key(page, "export_code")
    assert download.value.suggested_filename.endswith("-code.zip")

    click_key(page, "reset")  # a fresh model with no history; the file brings both back
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 0\b", timeout=30)
    page.locator(".st-key-model_file input[type=file]").set_input_files(str(model_file))
    page.wait_for_timeout(1000)
    click_key(page, "load_model")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step 30\b", timeout=30)
    message = page.locator('[data-testid="stAlert"]', has_text="Loaded").first.inner_text()
    assert "an RNN with 12 units" in message and "with its history (30 steps of loss" in message
    assert page.locator('[data-testid="stException"]').count() == 0
    go_to(page, "Train")
    after = loss_line(page)
    assert after["x"] == before["x"]
    assert after["y"] == pytest.approx(before["y"], rel=1e-6, nan_ok=True)
    screenshot(page, "history_reloaded")
