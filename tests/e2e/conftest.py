import os
from pathlib import Path

import pytest

from .browser import CHROMIUM, launch_chromium, running_app

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
