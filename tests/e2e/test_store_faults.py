"""A model store that goes down mid-class never stops training: the app says once that the model cannot be kept,
trains on in memory, and keeps it again once the store is back (a real redis-server, stopped and started)."""

import time

import redis

from deploy.local_replicas import RedisServer

from .browser import click_key, running_app, step_shown, wait_for_step

CANNOT_KEEP = "can't be kept"


def alerts(page) -> str:
    return " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


def kept_records(port: int) -> int:
    return len(redis.Redis(port=port, socket_timeout=1).keys("*"))


def wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_training_goes_on_while_the_store_is_down_and_is_kept_again_after(browser, tmp_path):
    store = RedisServer(tmp_path).start()
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        with running_app({"RNNVIZ_STORE": store.url}) as (url, _process, _started):
            page = context.new_page()
            page.goto(url + "/?dataset=counting")
            page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
            click_key(page, "train_toggle")
            assert wait_until(lambda: kept_records(store.port) > 0, 30)  # the model is kept

            store.stop()
            before = wait_for_step(page, lambda s: s > 0)
            # The next write fails: the next page run says so, once (a press of Pause makes that run).
            time.sleep(3)
            click_key(page, "train_toggle")
            assert wait_until(lambda: CANNOT_KEEP in alerts(page), 30), alerts(page)
            assert alerts(page).count(CANNOT_KEEP) == 1
            click_key(page, "train_toggle")  # and training goes on
            assert wait_for_step(page, lambda s: s > before + 50, 60_000) > before + 50

            store.start()  # the same port, empty: the model is written there again
            assert wait_until(lambda: kept_records(store.port) > 0, 40)
            assert step_shown(page) > before
    finally:
        context.close()
        store.stop()
