"""A server killed and started again (same port, same data folder) gives each tab its model back from the
model store, at most one checkpoint behind, with a notice that says so; training goes on from there. A learner who
was on a class board is on it again, under the name they chose, as the same run."""

import os
import signal
import subprocess
import time

from rnnviz.serving.board import board_from_store
from rnnviz.serving.store import open_store

from .browser import click_key, free_port, start_app, step_shown, wait_for_step, wait_healthy
from .test_class_board import rename

CHECKPOINT_SECONDS = 10.0  # the store is written at most this often while training (rnnviz.serving.checkpoints)
NAME = "<b>x</b>"  # test_class_board's name typed as markup


def main_text(page) -> str:
    return page.locator('[data-testid="stMainBlockContainer"]').inner_text()


def board_runs(folder, code: str) -> list[str]:
    """The names on board `code` as the store in `folder` holds them."""
    store = open_store("sqlite", str(folder))
    try:
        board = board_from_store(store.board(code))
        return [run.name for run in board.runs]
    finally:
        store.close()


def membership(page) -> str:
    return page.locator(".st-key-class_board_membership").inner_text()


def test_a_killed_server_gives_the_tab_its_model_and_board_back(browser, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"RNNVIZ_DATA": str(tmp_path)}
    server = start_app(port, env)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        wait_healthy(url)
        store = open_store("sqlite", str(tmp_path))
        code = store.create_board("L0")
        store.close()
        page = context.new_page()
        page.goto(url + f"/?dataset=counting&board={code}")
        page.wait_for_selector(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button", timeout=60_000)
        rename(page, NAME)
        click_key(page, "train_toggle")
        seen = []  # (time, step) while it trains
        started = time.monotonic()
        while time.monotonic() - started < 120:
            step = step_shown(page)
            seen.append((time.monotonic(), step))
            if step >= 300 and time.monotonic() - started > CHECKPOINT_SECONDS + 3:
                break
            page.wait_for_timeout(250)
        killed_at, last_step = time.monotonic(), seen[-1][1]
        assert last_step >= 300
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)

        server = start_app(port, env)
        wait_healthy(url)
        # The tab reconnects by itself; its new session finds the model in the store.
        page.wait_for_function("() => document.body.innerText.includes('model store')", timeout=90_000)
        restored = wait_for_step(page, lambda s: s > 0, 60_000)
        # No more than one checkpoint interval (plus the reading's own lag) of training behind.
        floor = max(step for at, step in seen if at <= killed_at - CHECKPOINT_SECONDS - 2)
        assert floor <= restored <= last_step + 50, (floor, restored, last_step)
        assert "steps" in main_text(page) and "lost" in main_text(page)
        # Nothing in the new process remembered the board: the address named it, the board kept the name.
        page.wait_for_selector(".st-key-class_board_membership", timeout=30_000)
        assert f"On the class board as {NAME}" in membership(page)
        assert f"board={code}" in page.url

        click_key(page, "train_toggle")
        assert wait_for_step(page, lambda s: s > restored + 20, 60_000) > restored + 20
        assert (tmp_path / "models.sqlite3").exists()
        assert board_runs(tmp_path, code) == [NAME]  # the same run, not a second one
    finally:
        context.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
