"""A trained model's own link: whoever opens it gets a copy at the same step, with the same continuation and
history, paused; training the copy leaves the original as it was. A bad link's model id gets a message."""

import re

from .browser import click_key, continuation, step_shown, wait_for_step

SHARED_LINK = re.compile(r"\?model=[A-Za-z0-9_-]{32}$")


def loss_of(status: str) -> str:
    found = re.search(r"loss\s+([0-9.e+-]+)", status)
    assert found, status
    return found.group(1)


def test_a_shared_model_opens_as_a_copy_elsewhere(trained, browser):
    page, step, text, _ = trained
    status = page.locator(".st-key-train_status").inner_text(timeout=30_000)
    milestones = page.locator(".st-key-milestones").inner_text(timeout=30_000).splitlines()
    page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary', has_text="Copy share link").click()
    click_key(page, "share_model")
    link = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]', has_text="?model=")
    link.first.wait_for(timeout=30_000)
    address = link.first.inner_text().strip()
    assert SHARED_LINK.search(address), address

    other = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        copy = other.new_page()
        copy.goto(address)
        copy.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
        assert wait_for_step(copy, lambda s: s > 0) == step
        assert continuation(copy) == text
        # Its history came too: the latest loss in the status, and the continuation before training and now (the
        # weight snapshots between them are kept within a model file's budget, so fewer may come).
        assert loss_of(copy.locator(".st-key-train_status").inner_text(timeout=30_000)) == loss_of(status)
        copied = copy.locator(".st-key-milestones").inner_text(timeout=30_000).splitlines()
        assert (copied[1], copied[-1]) == (milestones[1], milestones[-1])
        assert "copy of a shared model" in copy.locator('[data-testid="stMainBlockContainer"]').inner_text()
        assert "Train" in copy.locator(".st-key-train_toggle button").inner_text()  # paused
        copy.locator(".st-key-step_count input").fill("40")
        copy.locator(".st-key-step_count input").press("Enter")
        copy.wait_for_timeout(300)
        click_key(copy, "step")
        assert wait_for_step(copy, lambda s: s >= step + 30) >= step + 30
    finally:
        other.close()
    assert step_shown(page) == step  # the original is untouched


def test_a_bad_model_id_gets_a_message_and_a_working_page(open_page):
    for value in ("abc", "x" * 32 + "%00", "../../etc/passwd", "A" * 32):
        page = open_page(f"model={value}")
        text = page.locator('[data-testid="stMainBlockContainer"]').inner_text(timeout=30_000)
        assert "lesson L0 instead" in text, (value, text[:300])
        assert "Traceback" not in text
        assert wait_for_step(page, lambda s: s >= 0) == 0
        page.close()
