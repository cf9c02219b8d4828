"""Start the app and a real Chromium for the browser tests and the browser benchmark."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
PAGE_LINK = ".st-key-page_links a"  # the sidebar's own page links (ui.page_links)
# A chart the learner sees, Plotly's or the Train page's canvas (ui/live_canvas.js): every page also holds a hidden,
# empty Plotly one (ui.chart_library). DRAWN: one with its marks drawn, not just an empty frame.
CHART = '[data-testid="stAppViewContainer"] :is(.js-plotly-plot, canvas.rnnviz-canvas):visible'
DRAWN = '[data-testid="stAppViewContainer"] :is(.js-plotly-plot:visible .main-svg, canvas.rnnviz-canvas[aria-label])'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, timeout: float = 60.0) -> float:
    """Seconds until /_stcore/health answers ok."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
                if reply.status == 200:
                    return time.perf_counter() - started
        time.sleep(0.05)
    raise TimeoutError(f"the app at {url} did not become healthy in {timeout:.0f} s")


def start_app(port: int, extra_env: dict | None = None, log=None) -> subprocess.Popen:
    """`streamlit run app.py` on `port`. Its model store is a fresh temporary folder unless `extra_env` names one
    (RNNVIZ_DATA, RNNVIZ_STORE), so tests never write to the user's own."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(extra_env or {})}
    env.setdefault("RNNVIZ_DATA", tempfile.mkdtemp(prefix="rnnviz-test-data-"))
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)


@contextlib.contextmanager
def running_app(extra_env: dict | None = None):
    """`streamlit run app.py` on a free port; yields (url, process, start time)."""
    port = free_port()
    started = time.perf_counter()
    process = start_app(port, extra_env, log=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url, process, started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)


def open_app(browser, url: str, query: str = "", width: int = 1600, height: int = 1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url + "/" + (f"?{query}" if query else ""))
    page.wait_for_selector(CONNECTED, timeout=60_000)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=60_000)
    return page


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def one_text(page, selector: str, timeout: float = 30.0) -> str:
    """The text of the one element `selector` finds, once there is exactly one: while a full run replaces a
    fragment's elements, Streamlit shows the old and the new one together for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        texts = page.locator(selector).all_inner_texts()
        if len(texts) == 1 or time.monotonic() > deadline:
            return page.locator(selector).inner_text(timeout=1_000)  # none or several by now: say so
        page.wait_for_timeout(50)


# -- reading the Train page's status ---------------------------------------------------------------
STEP = re.compile(r"step\s+(\d+)")


def view(key: str) -> str:
    """A selector for the view or control the page keys `key`: a keyed Streamlit container, or on the Train page
    the live panel's element of that name (ui/live_panel.js marks each `rnnviz-view-<key>`)."""
    return f":is(.st-key-{key}, .rnnviz-view-{key})"


def click_key(page, key: str) -> None:
    page.locator(f"{view(key)} button").first.click()


def step_shown(page) -> int:
    match = STEP.search(one_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", 60))
    return int(match.group(1)) if match else -1


def wait_for_step(page, wanted, timeout_ms: int = 60_000) -> int:
    """Wait until the status shows a step for which `wanted(step)` holds; returns it."""
    deadline = page.evaluate("Date.now()") + timeout_ms
    while page.evaluate("Date.now()") < deadline:
        if page.locator(":is(.st-key-train_status, .rnnviz-view-train_status)").count():
            step = step_shown(page)
            if wanted(step):
                return step
        page.wait_for_timeout(200)
    raise AssertionError(f"the status never showed the step wanted; last: {step_shown(page)}")


def continuation(page) -> str:
    return page.locator(view("continuation")).inner_text(timeout=60_000).split("\n")[0]


def page_scrolls(page) -> bool:
    """Whether the page's main column is taller than the window (Streamlit scrolls inside its own container)."""
    return page.evaluate("(() => { const main = document.querySelector('[data-testid=stMain]');"
                         " return main.scrollHeight > main.clientHeight + 2; })()")
