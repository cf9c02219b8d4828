"""The class board in the class load test: the board every session joins, the one screen that follows it, and the
summary of runs with it against runs without it (`--compare-board`).

Two ways to follow it. `BoardOnScreen` is the board page in Chromium at 1600×1000, as on a projector, and takes
docs/class-board.png. `BoardOverWire` is the same page spoken over the websocket (tests/e2e/wire.py): the server
does all it does for a projector (a session, the page's full run, the live part rerun every second from one store
read, its chart and table sent), but nothing draws it. A projector's browser runs on the teacher's computer, not on
the server, so `--compare-board` follows the board over the wire: on this 2-core machine a Chromium renderer
drawing 30 curves every second takes its CPU from the server under test.
"""

from __future__ import annotations

import re
import time

from .browser import ROOT, page_scrolls
from .wire import WireSession

BOARD_PAGE = "class_board"


def board_code(data_folder: str) -> str:
    """A new board for L0 in the server's own store (the SQLite file in the folder its RNNVIZ_DATA names)."""
    from rnnviz.serving.store import open_store

    store = open_store("sqlite", data_folder)
    try:
        return store.create_board("L0")
    finally:
        store.close()


class BoardOnScreen:
    """The board page in Chromium at 1600×1000, open while the class trains, and one screenshot
    (docs/class-board.png) once most runs are on it and training is well under way."""

    def __init__(self, browser, url: str, code: str, results: dict):
        self.results, self.taken = results, False
        self.page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        self.page.goto(f"{url}/{BOARD_PAGE}?board={code}")

    def tick(self, trained_at: float) -> None:
        if self.taken:
            return
        runs = self.page.locator(".st-key-board_table tr.board-run").count()
        self.results["board_runs_seen"] = max(runs, self.results.get("board_runs_seen", 0))
        training = time.monotonic() - trained_at
        seconds = self.results["train_seconds"]
        drawn = self.page.locator(".js-plotly-plot .scatterlayer .trace").count() >= runs > 0
        if drawn and runs >= self.results["sessions"] - 2 and training > 0.4 * seconds or training > 0.75 * seconds:
            self.page.screenshot(path=str(ROOT / "docs" / "class-board.png"))
            self.results["board_runs_in_screenshot"], self.taken = runs, True
            self.results["board_page_scrolls"] = page_scrolls(self.page)

    def close(self) -> None:
        self.page.context.close()


class BoardOverWire:
    """The board page's session over the websocket, its live part rerun every second by its own timer as a
    browser's would be. `open`, `close`: coroutines for the load test's wire loop; `tick`: from any thread."""

    def __init__(self, url: str, code: str, results: dict):
        self.results = results
        self.session = WireSession(url, f"board={code}", page=BOARD_PAGE)
        self.refreshes = 0

    async def open(self) -> None:
        await self.session.open()
        await self.session.until(lambda: self.runs() is not None, 120)

    def runs(self) -> int | None:
        """How many runs the board's table shows now (None before the page drew its table)."""
        tables = [body.body for kind, body in self.session.inside("board_table") if kind == "html"]
        return len(re.findall(r'class="board-run\b', tables[-1])) if tables else None

    def tick(self, trained_at: float) -> None:
        del trained_at
        runs = self.runs() or 0
        self.results["board_runs_seen"] = max(runs, self.results.get("board_runs_seen", 0))
        if self.session.closed_by_server or self.session.exceptions:
            raise RuntimeError(self.session.closed_by_server or self.session.exceptions[0])

    async def close(self) -> None:
        await self.session.close()


def follow_board(board: dict, args, browser, url: str, results: dict, wire):
    """With a board, its screen: over the websocket when comparing runs with and without it (tests/e2e/load_board.py
    says why), else in Chromium for the screenshot."""
    if not board:
        return None
    results["board_followed_by"] = "websocket" if args.compare_board else "chromium"
    if not args.compare_board:
        return BoardOnScreen(browser, url, board["board"], results)
    viewer = BoardOverWire(url, board["board"], results)
    wire.start([viewer.open()]).result(timeout=150)
    return viewer


def board_against_none(runs: list[dict]) -> str:
    """The comparison --compare-board is for: per side, the median Train → answer and the server's cores busy, each
    averaged over that side's runs, and with the board against without."""
    def side(with_board: bool, figure) -> float:
        values = [figure(run) for run in runs if run["board"] == with_board]
        return sum(values) / len(values)

    lines = ["the class board against none (means over the runs of each side):"]
    for label, figure in (("median Train → answer, s", lambda run: run["answer_seconds"]["median"]),
                          ("server cores busy", lambda run: run["cores_busy_server"]),
                          ("training steps per second, all sessions together",
                           lambda run: sum(tab.get("steps_per_second", 0) for tab in run["tabs"])),
                          ("server CPU seconds per training second per session",
                           lambda run: run["cores_busy_server"] / run["sessions"])):
        without, board = side(False, figure), side(True, figure)
        lines.append(f"  {label}: without {without:.3f}, with {board:.3f}, ratio {board / without:.3f}")
    lines.append("  each run: " + "; ".join(
        f"{'board' if run['board'] else 'none'} {run['answer_seconds']['median']} s, {run['cores_busy_server']} cores, "
        f"{run['error_count']} errors, {len(run['mixed_up_sessions'])} mixed up, "
        f"{run.get('board_runs_seen', '-')} on the board" for run in runs))
    return "\n".join(lines)
