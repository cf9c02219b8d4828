"""A reload brings back the tab's trained model; a share link, another tab or a duplicated tab does not."""

import re

import pytest

from .browser import one_text, screenshot

STEP = re.compile(r"step\s+(\d+)")


def click_key(page, key: str) -> None:
    page.locator(f".st-key-{key} button").first.click()


def step_shown(page) -> int:
    match = STEP.search(one_text(page, ".st-key-train_status", 60))
    return int(match.group(1)) if match else -1


def wait_for_step(page, wanted, timeout_ms: int = 60_000) -> int:
    """Wait until the status shows a step for which `wanted(step)` holds; returns it."""
    deadline = page.evaluate("Date.now()") + timeout_ms
    while page.evaluate("Date.now()") < deadline:
        if page.locator(".st-key-train_status").count():
            step = step_shown(page)
            if wanted(step):
                return step
        page.wait_for_timeout(200)
    raise AssertionError(f"the status never showed the step wanted; last: {step_shown(page)}")


def continuation(page) -> str:
    return page.locator(".st-key-continuation").inner_text(timeout=60_000).split("\n")[0]


@pytest.fixture
def trained(browser, app_url):
    """A tab on L0 after Step with 60 steps; yields (page, its step, its continuation, its address)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
    click_key(page, "preset_L0")
    page.wait_for_timeout(500)
    page.locator(".st-key-step_count input").fill("60")
    page.locator(".st-key-step_count input").press("Enter")
    page.wait_for_timeout(300)
    click_key(page, "step")
    wait_for_step(page, lambda s: s >= 50)
    page.wait_for_timeout(1500)  # the continuation redraws once the steps are done
    yield page, step_shown(page), continuation(page), page.url
    context.close()


def test_a_reload_brings_back_the_trained_model(trained):
    page, step, text, _ = trained
    page.reload()
    page.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step
    assert continuation(page) == text
    assert "Welcome back" in page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert page.locator('.st-key-preset_L0 [data-testid="stBaseButton-primary"]').count() >= 1  # the lesson too
    screenshot(page, "reload_same_model")
    page.reload()  # and again: the tab still owns it
    page.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
    assert wait_for_step(page, lambda s: s >= 0) == step


def test_a_share_link_elsewhere_opens_a_fresh_model(trained, browser):
    page, step, _, address = trained
    assert "tab" not in address.lower() and len(address) < 400  # the secret never rides in the link
    other = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        elsewhere = other.new_page()
        elsewhere.goto(address)
        elsewhere.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
        assert wait_for_step(elsewhere, lambda s: s >= 0) == 0
    finally:
        other.close()
    assert step_shown(page) == step  # the first tab keeps its own


def test_a_duplicated_tab_starts_afresh_while_its_original_is_open(trained):
    page, step, _, address = trained
    secret = page.evaluate("() => sessionStorage.getItem('rnnviz-tab')")
    assert secret and len(secret) >= 40 and secret not in address
    # Duplicating a tab copies its sessionStorage into the new tab.
    copy = page.context.new_page()
    copy.add_init_script(f"sessionStorage.setItem('rnnviz-tab', {secret!r})")
    copy.goto(address)
    copy.wait_for_selector(".st-key-train_toggle button", timeout=60_000)
    assert wait_for_step(copy, lambda s: s >= 0) == 0
    copy.wait_for_timeout(1500)
    assert copy.evaluate("() => sessionStorage.getItem('rnnviz-tab')") != secret  # it took a secret of its own
    assert step_shown(page) == step
    copy.close()
