import os
from pathlib import Path

import pytest

from .browser import (
    CHROMIUM,
    click_key,
    continuation,
    launch_chromium,
    open_app,
    running_app,
    step_shown,
    wait_for_step,
)

HAVE_BROWSER = Path(CHROMIUM).exists()


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not HAVE_BROWSER:
                if os.environ.get("RNNVIZ_REQUIRE_BROWSER"):
                    # CI installs Chromium: a missing one there is a failure, not a skip.
                    raise pytest.UsageError(f"{CHROMIUM} is missing but RNNVIZ_REQUIRE_BROWSER is set")
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(scope="session")
def app_url():
    with running_app() as (url, _process, _started):
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, app_url):
    """Opens the app (with a link's query) in new tabs, each a new session, ready to train; closes them after."""
    pages = []

    def opener(query: str = ""):
        page = open_app(browser, app_url, query)
        page.wait_for_selector(":is(.st-key-train_status, .rnnviz-view-train_status)", timeout=60_000)
        page.wait_for_selector(".st-key-reset button", timeout=60_000)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


@pytest.fixture
def trained(browser, app_url):
    """A tab on L0 after Step with 60 steps; yields (page, its step, its continuation, its address)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
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
