"""Two replicas behind HAProxy (deploy/local_replicas.py), sharing one Redis as their model store: one stops while
sessions train on both.

The survivor's sessions carry on untouched; the stopped one's tabs reconnect by themselves to the survivor and
get their own models back from the store, at most one checkpoint behind, with a notice; new sessions land on the
survivor. Real Chromium, one browser context per learner (each its own cookies), real HAProxy: skipped where
HAProxy is not installed, and failed there when RNNVIZ_REQUIRE_BROWSER is set (CI installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest

from deploy.local_replicas import COOKIE, HAPROXY, ReplicaSet

from .browser import CONNECTED, screenshot

STATUS = ".st-key-train_status"
CHECKPOINT_SECONDS = 10.0  # the model store is written at most this often while a model trains


def need_haproxy() -> None:
    if shutil.which(HAPROXY):
        return
    if os.environ.get("RNNVIZ_REQUIRE_BROWSER"):
        # CI installs Debian's haproxy: a missing one there is a failure, not a skip.
        pytest.fail(f"{HAPROXY} is missing but RNNVIZ_REQUIRE_BROWSER is set")
    pytest.skip("HAProxy is not installed")


def settings_of(index: int) -> dict:
    return {"dataset": "counting", "hidden_size": 16 + 4 * index, "seed": 100 + index}


def replica_of(page) -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == COOKIE), "")


def step_of(page) -> int:
    found = re.search(r"step\s+(\d+)", page.locator(STATUS).inner_text(timeout=30_000))
    return int(found.group(1)) if found else -1


def alerts(page) -> str:
    return " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


def open_learner(browser, url: str, index: int):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    query = "&".join(f"{key}={value}" for key, value in settings_of(index).items())
    page.goto(f"{url}/?{query}")
    page.wait_for_selector(CONNECTED, timeout=90_000)
    page.wait_for_selector(STATUS, timeout=90_000)
    page.wait_for_selector(".st-key-train_toggle button", timeout=90_000)
    return page


def wait_until(check, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def replicas():
    need_haproxy()
    with ReplicaSet(2, env={"RNNVIZ_MAX_TRAINERS": "2"}, redis=True) as replica_set:
        yield replica_set


def test_losing_a_replica_moves_its_tabs_models_to_the_survivor(replicas, browser):
    pages = []
    try:
        while len({replica_of(p) for p in pages}) < 2:  # learners on both replicas
            assert len(pages) < 6, "HAProxy never spread the learners over both replicas"
            pages.append(open_learner(browser, replicas.url, len(pages)))
        on = {index: replica_of(page) for index, page in enumerate(pages)}
        for page in pages:
            page.locator(".st-key-train_toggle button").first.click()
        assert wait_until(lambda: all(step_of(p) > 0 for p in pages), 60)
        seen = {index: [] for index in on}  # (time, step) of each tab while both replicas train
        started = time.monotonic()
        while time.monotonic() - started < CHECKPOINT_SECONDS + 4:  # past one checkpoint of each model
            for index, page in enumerate(pages):
                seen[index].append((time.monotonic(), step_of(page)))
            time.sleep(0.5)

        stopped_at = time.monotonic()
        replicas.stop_replica("r1")  # killed outright, as a crashed machine goes
        stopped = [i for i, name in on.items() if name == "r1"]
        kept = [i for i, name in on.items() if name == "r2"]
        before = {i: step_of(pages[i]) for i in kept}

        # The stopped replica's tabs come back on their own, on r2, with their own models from the store.
        for index in stopped:
            page = pages[index]
            assert wait_until(lambda page=page: "model store" in alerts(page), 90), alerts(page)
            page.wait_for_selector(CONNECTED, timeout=30_000)
            assert replica_of(page) == "r2"
            assert f"hidden_size={settings_of(index)['hidden_size']}" in page.url
            hidden = page.locator(".st-key-hidden_size input").first
            assert wait_until(lambda hidden=hidden, i=index: hidden.input_value() == str(settings_of(i)["hidden_size"]),
                              30)
            # No more than one checkpoint interval of training behind what the tab showed before the stop.
            floor = max(step for at, step in seen[index] if at <= stopped_at - CHECKPOINT_SECONDS - 2)
            assert wait_until(lambda page=page, floor=floor: step_of(page) >= max(floor, 1), 30), \
                (floor, step_of(page))
            assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(pages[stopped[0]], "replica_stopped_tab_restored")

        # The survivor's tabs trained on, untouched: no message, connected, further along, their own settings.
        for index in kept:
            page = pages[index]
            assert page.locator(CONNECTED).count() == 1
            assert "model store" not in alerts(page)
            assert wait_until(lambda page=page, i=index: step_of(page) > before[i], 30)
            assert f"hidden_size={settings_of(index)['hidden_size']}" in page.url

        # A new learner lands on the survivor.
        newcomer = open_learner(browser, replicas.url, len(pages))
        pages.append(newcomer)
        assert replica_of(newcomer) == "r2" and "model store" not in alerts(newcomer)
    finally:
        for page in pages:
            page.context.close()
