"""Browser benchmark of the app (not a test): run `.venv/bin/python -m tests.e2e.bench_app`.

Reports, in one run on this machine:
- start-up: from launching `streamlit run app.py` (Chromium already open) to the first page drawn:
  its text (the continuation of the prefix; target ≤ 5 s), and then all of the Train page's charts
- Train → L0 right: from pressing Train on the L0 preset to `2 3 4 5 6 7 8 9` on screen (target ≤ 2 s)
- live refresh: redraws of the training status per second while training (target ≥ 4)
- prefix → continuation: median time from pressing Enter on a typed prefix to its
  continuation showing, while paused and while training (target ≤ 300 ms)
"""

from __future__ import annotations

import json
import statistics
import time

from playwright.sync_api import sync_playwright

from .browser import CONNECTED, launch_chromium, running_app

L0_ANSWER = "2 3 4 5 6 7 8 9"
CHARTS = ("candidates_chart", "hidden_chart", "loss_chart", "grad_chart", "step_grad_chart", "grad_heatmap_chart")
PREFIXES = ["1 2", "3 4 5", "6 7", "0 1", "8 9", "4 5", "2 3", "5 6 7", "7 8", "1 2 3"]
CONTINUATION_STARTS = """([prefix]) => {
  const box = document.querySelector('.st-key-continuation');
  return box !== null && box.innerText.trim().startsWith(prefix);
}"""
COUNT_REDRAWS = """() => {
  window.__redraws = 0;
  const target = document.querySelector('.st-key-train_status');
  let last = target.innerText;
  const watch = () => { const now = document.querySelector('.st-key-train_status');
    if (now && now.innerText !== last) { last = now.innerText; window.__redraws += 1; } };
  window.__redrawTimer = setInterval(watch, 10);
}"""


def click_key(page, key: str) -> None:
    page.locator(f".st-key-{key} button").first.click()


def prefix_latencies(page) -> list[float]:
    box = page.locator(".st-key-prefix input")
    times = []
    for prefix in PREFIXES:
        box.fill(prefix)
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(CONTINUATION_STARTS, arg=[prefix], polling="raf", timeout=30_000)
        times.append((time.perf_counter() - started) * 1000)
        page.wait_for_timeout(150)
    return times


def main() -> dict:
    results = {}
    with sync_playwright() as playwright:
        # The browser is open first, as a learner's is: the clock measures the server and the page.
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        with running_app() as (url, _process, launched):
            measure(page, url, launched, results)
        browser.close()
    return results


def measure(page, url: str, launched: float, results: dict) -> None:
    page.goto(url)
    page.wait_for_selector(CONNECTED, timeout=60_000)
    page.wait_for_selector(".st-key-continuation", timeout=60_000)
    results["startup_to_first_page_s"] = round(time.perf_counter() - launched, 2)
    for key in CHARTS:
        page.wait_for_selector(f".st-key-{key} .js-plotly-plot", timeout=60_000)
    results["startup_to_all_charts_s"] = round(time.perf_counter() - launched, 2)

    click_key(page, "preset_L0")
    page.wait_for_timeout(1000)
    started = time.perf_counter()
    click_key(page, "train_toggle")
    page.wait_for_function(CONTINUATION_STARTS, arg=[L0_ANSWER], polling="raf", timeout=60_000)
    results["train_to_l0_correct_s"] = round(time.perf_counter() - started, 2)

    page.evaluate(COUNT_REDRAWS)
    page.wait_for_timeout(5000)
    results["live_refreshes_per_s"] = round(page.evaluate("() => window.__redraws") / 5.0, 2)
    page.evaluate("() => clearInterval(window.__redrawTimer)")

    training = prefix_latencies(page)
    click_key(page, "train_toggle")  # pause
    page.wait_for_timeout(1000)
    paused = prefix_latencies(page)
    results["prefix_median_ms_while_training"] = round(statistics.median(training), 1)
    results["prefix_median_ms_paused"] = round(statistics.median(paused), 1)
    results["prefix_ms_paused_all"] = [round(t) for t in paused]
    results["prefix_ms_training_all"] = [round(t) for t in training]


if __name__ == "__main__":
    figures = main()
    for name, value in figures.items():
        print(f"{name:36s} {value}")
    print(json.dumps(figures))
