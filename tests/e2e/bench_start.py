"""Start-up benchmark (not a test): run `.venv/bin/python -m tests.e2e.bench_start [rounds]`.

From launching `streamlit run` on a fresh server (Chromium already open, a new browser context each time) to
the first button on screen and to the first chart on screen, for rnnviz, for a bare Streamlit page
(bare_app.py) and for a page that imports torch and draws one Plotly chart (torch_app.py), measured in
turns in one run. Also rnnviz's first usable Train button. Targets: rnnviz's first button <= 1.3x the bare
page's; its first chart <= 1.1x the torch page's. `--before DIR` also times another rnnviz checkout
(say `git archive` of an older commit, with a .venv link) in the same turns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from .browser import ROOT, free_port, launch_chromium, wait_healthy

APPS = {"rnnviz": (ROOT, "app.py"), "bare": (ROOT, "tests/e2e/bare_app.py"), "torch": (ROOT, "tests/e2e/torch_app.py")}
# Records when each thing first shows, in the page's own clock (ms since navigation started).
WATCH = """(() => {
  window.__first = {};
  const seen = (name, found) => { if (found && !(name in window.__first)) window.__first[name] = performance.now(); };
  const look = () => {
    seen('button', document.querySelector('[data-testid="stButton"] button'));
    const toggle = ':is(.st-key-train_toggle, .rnnviz-view-train_toggle) button:not([disabled])';
    seen('train', document.querySelector(toggle));
    const charts = [...document.querySelectorAll('[data-testid="stAppViewContainer"] .js-plotly-plot')];
    // not rnnviz's hidden, empty chart (ui.chart_library), which may show for a moment before its style applies
    seen('chart', charts.some(c => c.offsetParent !== null && c.querySelector('.main-svg')
                                   && !c.closest('.st-key-chart_library'))
                  || [...document.querySelectorAll('canvas.rnnviz-canvas[aria-label]')].some(c => c.offsetParent));
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();"""


def one_start(browser, where, script: str) -> dict:
    """Seconds from launching the server to its health check answering, and to the first button, first chart (and
    usable Train) on screen."""
    port = free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    launched = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1"], cwd=where, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        page = context.new_page()
        page.add_init_script(WATCH)
        opened = time.perf_counter() - launched
        page.goto(url)
        wanted = "['button', 'chart', 'train']" if script == "app.py" else \
            ("['button', 'chart']" if "torch" in script else "['button']")
        try:
            page.wait_for_function(f"() => {wanted}.every(n => n in (window.__first || {{}}))", timeout=120_000,
                                   polling=100)
        except PlaywrightTimeout:
            print(f"{where}/{script}: not all of {wanted} showed in 120 s", file=sys.stderr)
        first = page.evaluate("() => window.__first")
        return {"healthy": round(opened, 2), **{name: round(opened + ms / 1000, 2) for name, ms in first.items()}}
    finally:
        context.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main(rounds: int = 3, before: str | None = None) -> dict:
    """`before`: another checkout of rnnviz (e.g. `git archive` of an older commit) to time in the same turns."""
    apps = {**APPS, **({"rnnviz_before": (before, "app.py")} if before else {})}
    runs: dict[str, list[dict]] = {name: [] for name in apps}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        names = list(apps)
        for turn in range(rounds):
            # in turns, so a busy spell hits them all alike, each round starting one further along, so that no
            # app always follows the same one
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                where, script = apps[name]
                runs[name].append(one_start(browser, where, script))
        browser.close()
    median = {name: {what: round(statistics.median(r[what] for r in results if what in r), 2)
                     for what in sorted({what for r in results for what in r})} for name, results in runs.items()}
    figures = {
        "median_s": median,
        "first_button_vs_bare": round(median["rnnviz"]["button"] / median["bare"]["button"], 2),
        "first_chart_vs_torch_page": round(median["rnnviz"]["chart"] / median["torch"]["chart"], 2),
        "usable_train_vs_bare": round(median["rnnviz"]["train"] / median["bare"]["button"], 2),
        "all_s": runs,
    }
    if before:
        figures["first_chart_vs_before"] = round(median["rnnviz"]["chart"] / median["rnnviz_before"]["chart"], 2)
    return figures


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("rounds", nargs="?", type=int, default=3)
    options.add_argument("--before", help="another rnnviz checkout to time in the same turns")
    arguments = options.parse_args()
    figures = main(arguments.rounds, arguments.before)
    for name, value in figures.items():
        print(f"{name:28s} {value}")
    print(json.dumps(figures))
