"""The class load test (not collected by pytest): `OMP_NUM_THREADS=1 python -m tests.e2e.load_test`.

One `streamlit run app.py` on 127.0.0.1 and 30 sessions (a class): the first few (`--browser-tabs`, 5) are tabs
of one headless Chromium (tests/e2e/load_tabs.py), the rest speak Streamlit's websocket without drawing anything
(tests/e2e/load_wire.py), so that 30 renderers do not take this 2-core machine from the server they test
(tests/e2e/load_server.py starts it and watches its memory and CPU). Each
presses a lesson (L0; L2 for every fifth) and Train, and waits for the lesson's answer; every third types a
prefix, every fourth switches pages while training, three open the heaviest link the work budget allows instead;
then each pauses, exports its model and history (checked to be its own), and every fifth browser tab imports its
model back. Then every session closes and the server is followed until it lets the models go.
`--short` is a quick version (6 tabs, 30 s, a 20 s time-to-live). The run is bounded by `--budget` seconds.
`--board`: every session joins one class board (made in the server's store), and a board page at 1600×1000 follows
it (its screenshot: docs/class-board.png). `--compare-board`: runs without the board and with it, in turns
(`--rounds` pairs), the board followed over the websocket (tests/e2e/load_board.py says why).

Reported (printed as a summary, and in full in artifacts/load_test.json): errors, sessions mixed up, each
session's seconds from Train to its lesson's answer, steps per second per session (min / median), the server's
RSS (idle, one session, all open, peak, per extra session), and whether the closed sessions' models were let go
within the time-to-live.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright

from .browser import CHROMIUM, CHROMIUM_FLAGS, ROOT
from .load_board import BoardOnScreen, board_against_none, board_code, follow_board
from .load_server import MemoryWatch, cpu_seconds, rss_mb, served
from .load_tabs import Learner, heaviest_link
from .load_wire import Wire, WireLearner

# Every tab must tick on time although only one is in front.
BACKGROUND_FLAGS = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                    "--disable-backgrounding-occluded-windows"]
CLOSING = threading.Event()  # set when the test closes its tabs: sockets closing then are expected


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def measure(results, errors, url, pids, playwright, logs, out, args, deadline) -> None:
    time.sleep(2)
    results["rss_idle_mb"] = round(rss_mb(pids), 1)
    watch = MemoryWatch(pids)
    watch.start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_FLAGS + BACKGROUND_FLAGS)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    heavy = heaviest_link()
    results["heaviest_link"] = heavy
    heavy_tabs = set(range(args.sessions - min(3, args.sessions // 2), args.sessions))  # the last three (or fewer)
    tabs = min(args.browser_tabs, args.sessions)
    board = {"board": board_code(args.data)} if args.board else {}
    results["browser_tabs"], results["wire_sessions"] = tabs, args.sessions - tabs
    learners, wired = [], []
    for index in range(tabs):
        learner = Learner(index, context, url, errors, CLOSING, heavy if index in heavy_tabs else None, out)
        learner.query.update(board)
        learner.open()
        learners.append(learner)
        progress(f"tab {index} open ({learner.figures['lesson']})")
        if index == 0:
            time.sleep(2)
            results["rss_one_session_mb"] = round(rss_mb(pids), 1)
    wired = [WireLearner(index, url, errors, CLOSING, heavy if index in heavy_tabs else None, out)
             for index in range(tabs, args.sessions)]
    for learner in wired:
        learner.session.query = "&".join(filter(None, [learner.session.query, *(f"{k}={v}" for k, v in board.items())]))
    wire = Wire()
    if not learners and wired:  # no browser tab: the first wire session alone gives the one session's memory
        wire.each(wired[:1], "open", "did not open")
        time.sleep(2)
        results["rss_one_session_mb"] = round(rss_mb(pids), 1)
    wire.each(wired[0 if learners else 1:], "open", "did not open", stagger=0.5)
    progress(f"{len(wired)} wire sessions open")
    time.sleep(2)
    results["rss_all_open_mb"] = round(rss_mb(pids), 1)
    for learner in learners:
        try:
            learner.prepare()
        except Exception as error:  # noqa: BLE001 - one tab's failure is a finding, not the end of the run
            learner.page.screenshot(path=str(out / f"tab{learner.index:02d}-prepare-failure.png"), full_page=True)
            errors.append(f"tab {learner.index}: its lesson or rate did not apply: {str(error).splitlines()[0]}")
    wire.each(wired, "prepare", "its lesson or rate did not apply")
    shown = follow_board(board, args, browser, url, results, wire)
    progress("every session has its lesson and learning rate; pressing Train")
    cpu_before = (time.monotonic(), cpu_seconds(pids), cpu_seconds())
    for learner in learners:
        learner.train()
    wire.each(wired, "train", "could not press Train")
    watching = wire.start([learner.run(args.seconds) for learner in wired if learner.trained_at])
    while time.monotonic() < deadline and not (all([learner.tick(args.seconds) for learner in learners])
                                                and watching.done()):
        if shown is not None:
            try:
                shown.tick(cpu_before[0])
            except Exception as error:  # noqa: BLE001 - a board that fails is a finding, not the end of the run
                errors.append(f"the class board: {str(error).splitlines()[0]}")
                shown = None
        time.sleep(0.2)
    if isinstance(shown, BoardOnScreen):
        shown.close()
    elif shown is not None:
        wire.start([shown.close()]).result(timeout=30)
    watching.result(timeout=max(deadline - time.monotonic(), 1))
    progress("every session trained and paused; exporting")
    wall = time.monotonic() - cpu_before[0]
    results["cores_busy_server"] = round((cpu_seconds(pids) - cpu_before[1]) / wall, 2)
    results["cores_busy_machine"] = round((cpu_seconds() - cpu_before[2]) / wall, 2)
    results["rss_peak_training_mb"] = round(watch.peak, 1)
    time.sleep(2)
    results["rss_after_training_mb"] = round(rss_mb(pids), 1)
    for learner in learners:
        try:
            if time.monotonic() > deadline:
                raise TimeoutError("the run's budget was spent before this tab's turn to export")
            learner.export_and_check(out)
        except Exception as error:  # noqa: BLE001 - one tab's failure is a finding, not the end of the run
            learner.page.screenshot(path=str(out / f"tab{learner.index:02d}-failure.png"), full_page=True)
            errors.append(f"tab {learner.index}: could not export or import its files: {str(error).splitlines()[0]}")
    wire.each(wired, "export_and_check", "could not export its files", at_once=4)
    tabs = [learner.figures for learner in learners + wired]
    results["tabs"] = tabs
    summarise(results, tabs, args.sessions)
    progress("closing the tabs; following the server until it lets their models go")
    CLOSING.set()
    wire.each(wired, "close", "could not close")
    wire.stop()
    follow_let_go(results, logs, pids, context, browser, args, deadline)
    watch.stopped.set()
    for log in logs:
        for _, line in log.lines:
            if "Traceback" in line or re.search(r"\b(Error|Exception)\b", line) and "rnnviz:" not in line:
                errors.append(f"{log.name}: {line[:200]}")
    results["server_log_tail"] = [f"{log.name}: {line}" for log in logs for _, line in log.lines[-15:]]


def summarise(results: dict, tabs: list[dict], sessions: int) -> None:
    def spread(values):
        values = sorted(values)
        return ({"min": values[0], "median": round(statistics.median(values), 2), "max": values[-1],
                 "count": len(values)}
                if values else None)

    lessons = [tab for tab in tabs if tab["lesson"] != "heaviest link"]
    results["answer_seconds"] = spread([tab["answer_seconds"] for tab in lessons if "answer_seconds" in tab])
    results["never_answered"] = [tab["tab"] for tab in lessons if "answer_seconds" not in tab]
    results["typed_prefix_seconds"] = spread([tab["typed_prefix_seconds"] for tab in tabs
                                              if "typed_prefix_seconds" in tab])
    results["steps_per_second"] = spread([tab["steps_per_second"] for tab in lessons if "steps_per_second" in tab])
    results["steps_per_second_heaviest"] = spread([tab["steps_per_second"] for tab in tabs
                                                   if tab["lesson"] == "heaviest link" and "steps_per_second" in tab])
    results["mixed_up_sessions"] = [tab for tab in tabs if tab.get("problems")]
    results["rates_typed_again"] = {tab["tab"]: tab["retyped_lr"] for tab in tabs if tab.get("retyped_lr")}
    results["rss_per_extra_session_open_mb"] = round(
        (results["rss_all_open_mb"] - results["rss_one_session_mb"]) / max(sessions - 1, 1), 2)
    results["rss_per_session_after_training_mb"] = round(
        (results["rss_after_training_mb"] - results["rss_one_session_mb"]) / max(sessions, 1), 2)


def follow_let_go(results, logs, pids, context, browser, args, deadline) -> None:
    """Close every tab, then follow the server (each replica) until its keeper lets the models go (TTL plus its
    10 s round): the time is when the last of them says it holds no model."""
    closed = time.monotonic()
    context.close()
    browser.close()
    after, said, held, emptied = [], [], {}, {}
    while time.monotonic() - closed < args.ttl + 40 and time.monotonic() < deadline:
        time.sleep(5)
        after.append((round(time.monotonic() - closed), round(rss_mb(pids), 1)))
        said, held, emptied = [], {}, {}  # read afresh from every log: its lines so far
        for log in logs:
            for stamp, line in log.lines:
                count = re.search(r"(\d+) models in memory, ([\d.]+) MB", line) if stamp > closed else None
                if count:  # counted in the server itself: the direct answer, whatever the RSS does
                    held[log.name] = int(count.group(1))
                    said.append(f"{log.name}: {line}")
                    if held[log.name] == 0:
                        emptied.setdefault(log.name, round(stamp - closed, 1))
        if len(emptied) == len(logs):
            break
    results["keeper_said"] = said
    results["models_in_memory_after_let_go"] = sum(held.values()) if held else None
    results["rss_after_close_mb"] = after
    released_at = max(emptied.values()) if len(emptied) == len(logs) else None
    results["seconds_until_models_let_go"] = released_at
    results["ttl_seconds"] = args.ttl
    results["let_go_within_ttl"] = bool(released_at is not None and released_at <= args.ttl + 15
                                        and results["models_in_memory_after_let_go"] == 0)
    results["rss_final_mb"] = after[-1][1] if after else None


def main(args) -> dict:
    deadline = time.monotonic() + args.budget
    out = ROOT / "artifacts" / "load_test"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("tab*"):
        old.unlink()
    errors: list[str] = []
    results: dict = {"sessions": args.sessions, "train_seconds": args.seconds, "cores": os.cpu_count(),
                     "replicas": args.replicas or 1}
    # No file watcher, as on a class's server: an edit during the run would make Streamlit re-import the app.
    env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(args.ttl)}
    args.data = tempfile.mkdtemp(prefix="rnnviz-load-data-")  # the server's store, where --board makes its board
    env["RNNVIZ_DATA"] = args.data
    results["board"] = bool(args.board)
    started = time.monotonic()
    with served(env, args.replicas, out) as (url, pids, logs), sync_playwright() as playwright:
        try:
            measure(results, errors, url, pids, playwright, logs, out, args, deadline)
        finally:
            (out / "server.log").write_text("\n".join(f"{log.name}: {line}" for log in logs for _, line in log.lines))
    results["errors"] = errors
    results["error_count"] = len(errors)
    results["run_seconds"] = round(time.monotonic() - started)
    return results


def summary(figures: dict) -> str:
    def spread(name, unit):
        value = figures.get(name)
        return (f"min {value['min']}{unit}, median {value['median']}{unit}, max {value['max']}{unit} "
                f"({value['count']} tabs)") if value else "none measured"

    lines = [
        f"{figures['sessions']} sessions on {figures['replicas']} server process(es) "
        f"({figures.get('browser_tabs')} Chromium tabs, {figures.get('wire_sessions')} "
        f"over the websocket), {figures['train_seconds']:g} s of training each, {figures['cores']} cores, "
        f"run took {figures['run_seconds']} s",
        f"errors: {figures['error_count']}" + "".join(f"\n  - {e}" for e in figures["errors"][:10]),
        f"sessions mixed up: {len(figures['mixed_up_sessions'])}",
        f"learning rates typed again (the sidebar showed another): {figures['rates_typed_again'] or 'none'}",
        f"Train to the lesson's answer: {spread('answer_seconds', ' s')}; never answered: {figures['never_answered']}",
        f"typed prefix to its continuation: {spread('typed_prefix_seconds', ' s')}",
        f"steps/s per lesson session: {spread('steps_per_second', '')}",
        f"steps/s per heaviest-link session ({figures['heaviest_link']}): {spread('steps_per_second_heaviest', '')}",
        f"server RSS: idle {figures['rss_idle_mb']} MB, one session {figures['rss_one_session_mb']} MB, all open "
        f"{figures['rss_all_open_mb']} MB, peak {figures['rss_peak_training_mb']} MB; per extra session "
        f"{figures['rss_per_extra_session_open_mb']} MB open, {figures['rss_per_session_after_training_mb']} MB "
        "trained",
        f"cores busy while training: server {figures['cores_busy_server']}, machine {figures['cores_busy_machine']}",
        f"closed sessions' models let go {figures['seconds_until_models_let_go']} s after closing "
        f"(TTL {figures['ttl_seconds']} s), models left: {figures.get('models_in_memory_after_let_go')}: "
        + ("OK" if figures["let_go_within_ttl"] else "NOT within the TTL"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each session trains")
    parser.add_argument("--ttl", type=int, default=120, help="the server's disconnectedSessionTTL, in seconds")
    parser.add_argument("--budget", type=float, default=1200.0, help="the whole run's limit in seconds")
    parser.add_argument("--browser-tabs", type=int, default=5,
                        help="how many sessions are Chromium tabs; the rest speak the websocket (tests/e2e/wire.py)")
    parser.add_argument("--replicas", type=int, default=0,
                        help="serve the app as this many replicas behind HAProxy (deploy.local_replicas); 0: one "
                             "plain `streamlit run`")
    parser.add_argument("--short", action="store_true", help="a quick run: 6 sessions, 30 s each, a 20 s TTL")
    parser.add_argument("--board", action="store_true", help="every session joins one class board")
    parser.add_argument("--compare-board", action="store_true",
                        help="runs the same but for the board: without it, then with it (followed over the websocket)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --compare-board: this many pairs, in turns (without-with, with-without, ...)")
    args = parser.parse_args()
    if args.short:
        args.sessions, args.seconds, args.ttl, args.budget = 6, 30.0, 20, min(args.budget, 420.0)
    # With and without in turns (without, with, with, without, ...): a drift of the machine falls on both sides.
    runs = ([[False, True], [True, False]][turn % 2][i] for turn in range(args.rounds) for i in range(2)) \
        if args.compare_board else [args.board]
    done: list[dict] = []
    for number, with_board in enumerate(runs):
        args.board = with_board
        CLOSING.clear()
        figures = main(args)
        done.append(figures)
        name = ("load_test_board" if with_board else "load_test") + (f"_{number}" if args.compare_board else "")
        path = ROOT / "artifacts" / f"{name}.json"
        path.write_text(json.dumps(figures, indent=2))
        print(("WITH the class board\n" if with_board else "") + summary(figures))
        print(f"per tab, and everything else: {path}")
    if args.compare_board:
        print(board_against_none(done))
