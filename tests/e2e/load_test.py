"""Load test of a shared server (not a test pytest collects): `OMP_NUM_THREADS=1 python -m tests.e2e.load_test`.

One `streamlit run app.py` on 127.0.0.1 and one headless Chromium with N tabs (default 20), each its
own session. Each tab opens a share link with settings of its own (hidden size, seed, learning rate),
presses Train, trains for S seconds (default 60) and pauses; then it downloads its model file and
its training history. Then every tab closes, and the server's memory is followed until the sessions'
time-to-live has passed. The whole run is bounded (`--budget`, default 15 minutes).

Reported (printed, and written to artifacts/load_test.json):
- errors: exceptions on a page, JavaScript errors, lost connections, tracebacks in the server log
- mixed-up sessions: a model file or history whose settings are not its tab's own
- steps per second per session (steps trained ÷ seconds training), and all sessions together
- how often a tab showed "Waiting for a turn" (the cap on concurrent trainers at work)
- the server's RSS: idle, one session, all open, peak while training, per extra session,
  and after the tabs close, over time, until the keeper lets the models go; then how many models the
  server still holds (counted by the server itself, since freed memory need not leave the RSS)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from safetensors import safe_open

from .browser import CHROMIUM, CHROMIUM_FLAGS, ROOT, running_app

# Every tab must tick on time although only one is in front.
BACKGROUND_FLAGS = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                    "--disable-backgrounding-occluded-windows"]
PAGE = "your_data"  # the status line ticks there, without charts: the server's cost is the sessions and training
CLOSING = threading.Event()  # set when the test closes its tabs: sockets closing then are expected
STATUS = ".st-key-train_status"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far: by process `pid` (user + system), or by the whole machine (all but idle)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / ticks  # all minus idle and iowait


class MemoryWatch(threading.Thread):
    """Samples the server's RSS every `every` seconds; `peak` since the last `reset`."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.wait(self.every):
            value = rss_mb(self.pid)
            self.samples.append((time.monotonic() - started, value))
            self.peak = max(self.peak, value)


class ServerLog(threading.Thread):
    """Reads the server's output (so its pipe never fills) and keeps the lines."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode(errors="replace").rstrip()
            self.lines.append((time.monotonic(), line))


def settings_of(index: int) -> dict:
    """Each tab's own settings, so every history and model file says whose it is."""
    return {"dataset": "counting", "hidden_size": 16 + 4 * index, "seed": 1000 + index,
            "lr": round(0.002 + 0.0005 * index, 6)}


def link(url: str, settings: dict) -> str:
    return f"{url}/{PAGE}?" + "&".join(f"{key}={value}" for key, value in settings.items())


def step_of(text: str) -> int:
    found = re.search(r"step (\d+)", text)
    return int(found.group(1)) if found else -1


# Loaded at a page's address, Streamlit's frontend first looks for its server under that path: two 404s, expected.
PROBES = re.compile(r"/[a-z_]+/_stcore/(health|host-config)$")


def open_tab(context, url: str, index: int, errors: list) -> object:
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"tab {index}: page error {error}"))
    page.on("response", lambda response: response.status >= 400 and not PROBES.search(response.url)
            and errors.append(f"tab {index}: HTTP {response.status} for {response.url}"))
    page.on("websocket", lambda socket: socket.on("close", lambda _: errors.append(
        f"tab {index}: websocket closed while the tab was open") if not page.is_closed() and not CLOSING.is_set()
        else None))
    page.goto(link(url, settings_of(index)))
    page.wait_for_selector(STATUS, timeout=120_000)
    page.wait_for_selector(".st-key-train_toggle button", timeout=120_000)
    return page


def download(page, key: str, folder: Path, index: int) -> Path:
    with page.expect_download(timeout=30_000) as info:
        page.locator(f".st-key-{key} button").first.click()
    path = folder / f"tab{index:02d}-{info.value.suggested_filename}"
    info.value.save_as(path)
    return path


def check_tab(index: int, model_path: Path, history_path: Path) -> dict:
    """What the tab's files say: its steps, and whether any setting is not its own."""
    wanted = settings_of(index)
    with safe_open(str(model_path), framework="pt") as handle:
        metadata = json.loads(handle.metadata()["rnnviz"])
    config = metadata["config"]
    rows = list(csv.DictReader(io.StringIO(history_path.read_text())))
    steps = [int(row["step"]) for row in rows]
    lrs = {float(row["lr"]) for row in rows}
    problems = []
    for name in ("hidden_size", "seed", "lr"):
        if config[name] != wanted[name]:
            problems.append(f"model file has {name}={config[name]}, the tab asked for {wanted[name]}")
    if lrs - {wanted["lr"]}:
        problems.append(f"history has lr {sorted(lrs)}, the tab's is {wanted['lr']}")
    if steps != list(range(1, len(steps) + 1)):
        problems.append("history steps are not 1, 2, 3, …")
    if metadata["step"] != len(steps):
        problems.append(f"model file is at step {metadata['step']}, its history has {len(steps)} rows")
    seconds = float(rows[-1]["seconds"]) if rows else 0.0
    return {"tab": index, "steps": len(steps), "train_seconds_inside": round(seconds, 2), "problems": problems}


def main(sessions: int, train_seconds: float, budget: float, settle: float) -> dict:
    deadline = time.monotonic() + budget
    out = ROOT / "artifacts" / "load_test"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("tab*"):
        old.unlink()
    errors: list[str] = []
    results: dict = {"sessions": sessions, "train_seconds": train_seconds, "cores": os.cpu_count()}
    # No file watcher, as on a class's server: an edit to the project during the run would make Streamlit
    # re-import the app's modules (a new registry and new turns), which is not what is measured here.
    env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    with running_app(env) as (url, server, _), sync_playwright() as playwright:
        log = ServerLog(server.stdout)
        log.start()
        try:
            measure(results, errors, url, server, playwright, log, out, sessions, train_seconds, deadline, settle)
        finally:
            (out / "server.log").write_text("\n".join(line for _, line in log.lines))
    results["errors"] = errors
    results["error_count"] = len(errors)
    return results


def measure(results, errors, url, server, playwright, log, out, sessions, train_seconds, deadline, settle) -> None:
    """The run itself, filling `results` and `errors` as it goes."""
    time.sleep(2)
    results["rss_idle_mb"] = round(rss_mb(server.pid), 1)
    watch = MemoryWatch(server.pid)
    watch.start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=CHROMIUM_FLAGS + BACKGROUND_FLAGS)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)

    pages = [open_tab(context, url, 0, errors)]
    time.sleep(3)
    results["rss_one_session_mb"] = round(rss_mb(server.pid), 1)
    for index in range(1, sessions):
        pages.append(open_tab(context, url, index, errors))
    time.sleep(3)
    results["rss_all_open_mb"] = round(rss_mb(server.pid), 1)

    # Train: every tab presses Train, then pauses train_seconds later, in the same order.
    started = []
    cpu_before = (time.monotonic(), cpu_seconds(server.pid), cpu_seconds())
    for page in pages:
        page.locator(".st-key-train_toggle button").first.click()
        started.append(time.monotonic())
    waiting_seen = [0] * sessions
    samples = 0
    paused = [False] * sessions
    stopped_at = [0.0] * sessions
    while not all(paused) and time.monotonic() < deadline:
        for index, page in enumerate(pages):
            if paused[index]:
                continue
            if time.monotonic() - started[index] >= train_seconds:
                page.locator(".st-key-train_toggle button").first.click()
                stopped_at[index] = time.monotonic()
                paused[index] = True
                continue
            text = page.locator(STATUS).inner_text(timeout=30_000)
            waiting_seen[index] += "Waiting for a turn" in text
        samples += 1
        time.sleep(0.5)
    wall, server_cpu, machine_cpu = (time.monotonic() - cpu_before[0], cpu_seconds(server.pid) - cpu_before[1],
                                     cpu_seconds() - cpu_before[2])
    # Cores busy on average while the tabs trained: the server's share, and everything (Chromium included).
    results["cores_busy_server"] = round(server_cpu / wall, 2)
    results["cores_busy_machine"] = round(machine_cpu / wall, 2)
    results["rss_peak_training_mb"] = round(watch.peak, 1)
    time.sleep(2)  # the last ticks end
    results["rss_after_training_mb"] = round(rss_mb(server.pid), 1)

    # What each tab trained, from its own files.
    tabs = []
    for index, page in enumerate(pages):
        if page.locator('[data-testid="stException"]').count():
            errors.append(f"tab {index}: an exception is shown on the page")
        if not page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').count():
            errors.append(f"tab {index}: not connected")
        try:
            status = page.locator(STATUS).inner_text(timeout=30_000)
            if time.monotonic() > deadline:
                raise TimeoutError("the run's budget was spent before this tab's turn to export")
            page.get_by_role("tab", name="Export and import").click(timeout=30_000)
            model = download(page, "export_model", out, index)
            history = download(page, "export_history", out, index)
        except Exception as error:  # noqa: BLE001 - one tab's failure is a finding, not the end of the run
            page.screenshot(path=str(out / f"tab{index:02d}-failure.png"), full_page=True)
            errors.append(f"tab {index}: could not export its files: {str(error).splitlines()[0]}")
            continue
        tab = check_tab(index, model, history)
        tab["status_step"] = step_of(status)
        tab["wall_seconds"] = round(stopped_at[index] - started[index], 1)
        tab["steps_per_second"] = round(tab["steps"] / tab["wall_seconds"], 1)
        tab["times_seen_waiting"] = waiting_seen[index]
        tab["hidden_size"] = settings_of(index)["hidden_size"]
        tabs.append(tab)
    results["tabs"] = tabs
    rates = [tab["steps_per_second"] for tab in tabs] or [0.0]
    results["steps_per_second"] = {"min": min(rates), "median": statistics.median(rates), "max": max(rates),
                                   "all_sessions_together": round(sum(rates), 1)}
    results["status_samples_per_tab"] = samples
    results["tabs_seen_waiting"] = sum(1 for count in waiting_seen if count)
    results["mixed_up_sessions"] = [tab for tab in tabs if tab["problems"]]
    results["rss_per_extra_session_open_mb"] = round(
        (results["rss_all_open_mb"] - results["rss_one_session_mb"]) / max(sessions - 1, 1), 2)
    # Each trained session's share of the growth over one idle session (the app loaded, torch imported).
    results["rss_per_session_after_training_mb"] = round(
        (results["rss_after_training_mb"] - results["rss_one_session_mb"]) / sessions, 2)

    # Close every tab and follow the memory until the keeper has let the models go.
    closed = time.monotonic()
    CLOSING.set()
    context.close()
    browser.close()
    after = []
    released_at = None
    while time.monotonic() - closed < settle and time.monotonic() < deadline:
        time.sleep(5)
        after.append((round(time.monotonic() - closed), round(rss_mb(server.pid), 1)))
        if released_at is None:
            for stamp, line in log.lines:
                if "let go of" in line and stamp > closed:
                    released_at = round(stamp - closed, 1)
                    results["keeper_said"] = line
                    held = re.search(r"(\d+) models in memory, ([\d.]+) MB", line)
                    if held:  # counted in the server itself: the direct answer, whatever the RSS does
                        results["models_in_memory_after_let_go"] = int(held.group(1))
                        results["tensor_mb_after_let_go"] = float(held.group(2))
        if released_at is not None and time.monotonic() - closed > released_at + 15:
            break
    watch.stopped.set()
    results["rss_after_close_mb"] = after
    results["seconds_until_models_let_go"] = released_at
    results["rss_final_mb"] = after[-1][1] if after else None
    results["memory_returned_mb"] = round(results["rss_after_training_mb"] - (results["rss_final_mb"] or 0), 1)
    for _, line in log.lines:
        if "Traceback" in line or re.search(r"\b(Error|Exception)\b", line) and "rnnviz:" not in line:
            errors.append(f"server: {line[:200]}")
    results["server_log_tail"] = [line for _, line in log.lines[-15:]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each session trains")
    parser.add_argument("--settle", type=float, default=200.0,
                        help="how long to follow the memory after closing (the TTL is 120 s, plus the keeper's 10 s)")
    parser.add_argument("--budget", type=float, default=900.0, help="the whole run's limit in seconds")
    args = parser.parse_args()
    figures = main(args.sessions, args.seconds, args.budget, args.settle)
    path = ROOT / "artifacts" / "load_test.json"
    path.write_text(json.dumps(figures, indent=2))
    short = {key: value for key, value in figures.items() if key not in ("tabs", "server_log_tail")}
    print(json.dumps(short, indent=2))
    print(f"per tab: see {path}")
