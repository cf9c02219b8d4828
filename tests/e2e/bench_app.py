"""Browser benchmark of the app (not a test): run `.venv/bin/python -m tests.e2e.bench_app`.

Reports, in one run on this machine (Chromium at 1600×1000, the Train page, lesson L0):
- start-up: from launching `streamlit run app.py` to the first page's text, then to all its live charts
- Train → L0 right: from pressing Train to `2 3 4 5 6 7 8 9` on screen (target ≤ 1.2 s)
- while training, over WINDOW seconds: status redraws per second (target ≥ 6), updates per second of
  each live chart (≥ 3), blank chart frames in 50 ms samples (0), whether each chart stayed the same
  DOM node, and the app's steps per wall-clock second (from the step shown on screen)
- the app's steps per wall-clock second against the same L0 config trained by a bare one-thread PyTorch loop in
  this process (target ≥ 0.85), in turns: a bare loop while the app is paused, the app training for APP_SECONDS
  with nothing measuring in the page, and so on, RATE_ROUNDS times; each round's app rate is set against the
  bare loops either side of it, as the machine's speed drifts within a minute. The median round is reported
- Pause → the status says Paused, in the page's own clock (target: the step count stops within 0.5 s)
- typed prefix → its continuation on screen, median, while training and while paused (≤ 200 ms), in the page's
  own clock (Enter to the frame painted after it), and as Playwright sees it (plus a round trip to the browser)
"""

from __future__ import annotations

import json
import re
import statistics
import time

import torch
from playwright.sync_api import sync_playwright

from rnnviz.experiment import Experiment
from rnnviz.lessons import LESSONS
from rnnviz.nn.bench import bare_loop

from .browser import CONNECTED, launch_chromium, running_app, view

L0_ANSWER = "2 3 4 5 6 7 8 9"
LIVE_CHARTS = ("loss_chart", "step_grad_chart", "hidden_chart", "strip_chart")
DRAWN = ".main-svg, canvas.rnnviz-canvas[aria-label]"  # a chart drawn: Plotly's svg, or the page's canvas charts
WINDOW = 10.0  # seconds of sampling while training
BARE_SECONDS, APP_SECONDS, RATE_ROUNDS = 2.0, 3.0, 5
PREFIXES = ["1 2", "3 4 5", "6 7", "0 1", "8 9", "4 5", "2 3", "5 6 7", "7 8", "1 2 3"]
CONTINUATION_STARTS = """([prefix]) => {
  const box = document.querySelector(':is(.st-key-continuation, .rnnviz-view-continuation)');
  return box !== null && box.innerText.trim().startsWith(prefix);
}"""
# In the page's own clock: from the Enter key to the first frame painted after the continuation of `prefix` is
# in the page (a MutationObserver on the continuation's box; then a frame, then a task).
WATCH_PREFIX = """([prefix]) => {
  const asked = window.__asked = { enter: null, shown: null };
  const box = document.querySelector(':is(.st-key-continuation, .rnnviz-view-continuation)');
  const input = document.querySelector(':is(.st-key-prefix, .rnnviz-view-prefix) input');
  input.addEventListener('keydown', (event) => { if (event.key === 'Enter') asked.enter = performance.now(); },
                         { once: true, capture: true });
  const watch = new MutationObserver(() => {
    if (asked.enter === null || !box.textContent.startsWith(prefix)) return;
    watch.disconnect();
    requestAnimationFrame(() => setTimeout(() => { asked.shown = performance.now(); }, 0));
  });
  watch.observe(box, { subtree: true, childList: true, characterData: true });
}"""
# In the page's own clock: from the press of Pause to the first frame painted after the status says "Paused".
WATCH_PAUSE = """() => {
  const asked = window.__paused = { press: null, shown: null };
  const toggle = ':is(.st-key-train_toggle, .rnnviz-view-train_toggle) button';
  document.querySelector(toggle).addEventListener('click', () => {
    asked.press = performance.now(); }, { once: true, capture: true });
  const look = () => {
    const box = document.querySelector(':is(.st-key-train_status, .rnnviz-view-train_status)');
    if (asked.press !== null && box && box.textContent.includes('Paused')) {
      requestAnimationFrame(() => setTimeout(() => { asked.shown = performance.now(); }, 0));
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}"""
# Every 10 ms: count status redraws. Every 50 ms: for each live chart, whether it is drawn (a plot with
# marks in it) and whether it is still the node seen first. Plus each chart's own count of redraws.
SAMPLE = """async ([keys, seconds, drawn]) => {
  const status = () => document.querySelector(':is(.st-key-train_status, .rnnviz-view-train_status)');
  const chart = (key) => document.querySelector(`:is(.st-key-${key}, .rnnviz-view-${key}) .rnnviz-live-chart`);
  const first = Object.fromEntries(keys.map((key) => [key, chart(key)]));
  const updates = (key) => Number((chart(key) || {dataset: {}}).dataset.updates || 0);
  const start = Object.fromEntries(keys.map((key) => [key, updates(key)]));
  let redraws = 0, last = status().innerText;
  const watch = setInterval(() => { const now = status(); if (now && now.innerText !== last) {
    last = now.innerText; redraws += 1; } }, 10);
  const blank = Object.fromEntries(keys.map((key) => [key, 0]));
  const same = Object.fromEntries(keys.map((key) => [key, true]));
  let samples = 0;
  const began = performance.now();
  while (performance.now() - began < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    samples += 1;
    for (const key of keys) {
      const node = chart(key);
      if (!node || !node.querySelector(drawn) || node.getBoundingClientRect().height < 10) blank[key] += 1;
      if (node !== first[key]) same[key] = false;
    }
  }
  clearInterval(watch);
  const elapsed = (performance.now() - began) / 1000;
  const rates = Object.fromEntries(keys.map((key) => [key, +((updates(key) - start[key]) / elapsed).toFixed(2)]));
  return {redraws_per_s: +(redraws / elapsed).toFixed(2), chart_updates_per_s: rates, blank, same, samples};
}"""


def click_key(page, key: str) -> None:
    page.locator(f"{view(key)} button").first.click()


def shown_step(page) -> int:
    # the last: while a full run replaces the status, Streamlit shows the old one and the new one for a moment
    status = page.locator(":is(.st-key-train_status, .rnnviz-view-train_status)").last.inner_text()
    return int(re.search(r"step\s+(\d+)", status).group(1))


def wait_for_status(page, word: str) -> None:
    page.wait_for_function("([word]) => [...document.querySelectorAll("
                           "':is(.st-key-train_status, .rnnviz-view-train_status)')].some("
                           "(box) => box.textContent.includes(word))", arg=[word], polling="raf", timeout=30_000)


def rates_in_turns(page) -> list[dict]:
    """The app's steps per wall-clock second and the bare loop's, in turns (the app paused at the start and the
    end): per round, the app's rate over APP_SECONDS of training, and the bare loops before and after it."""
    rounds, bare = [], bare_rate()
    for _ in range(RATE_ROUNDS):
        click_key(page, "train_toggle")
        wait_for_status(page, "Training")
        page.wait_for_timeout(1000)  # the worker at work, the panel's polls and charts running
        step, clock = shown_step(page), time.perf_counter()
        page.wait_for_timeout(APP_SECONDS * 1000)
        app = (shown_step(page) - step) / (time.perf_counter() - clock)
        click_key(page, "train_toggle")
        wait_for_status(page, "Paused")
        page.wait_for_timeout(500)
        after = bare_rate()
        rounds.append({"app": round(app, 1), "bare": [round(bare, 1), round(after, 1)],
                       "ratio": round(app / ((bare + after) / 2), 3)})
        bare = after
    return rounds


def prefix_latencies(page) -> tuple[list[float], list[float]]:
    """For each of PREFIXES typed and entered: ms in the page's clock from Enter to the continuation painted, and
    ms from this process's press to Playwright's seeing it (that adds a round trip to the browser and back)."""
    box = page.locator(":is(.st-key-prefix, .rnnviz-view-prefix) input")
    in_page, round_trip = [], []
    for prefix in PREFIXES:
        box.fill(prefix)
        page.evaluate(WATCH_PREFIX, [prefix])
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(CONTINUATION_STARTS, arg=[prefix], polling="raf", timeout=30_000)
        round_trip.append((time.perf_counter() - started) * 1000)
        page.wait_for_function("() => window.__asked.shown !== null", timeout=30_000)
        in_page.append(page.evaluate("() => window.__asked.shown - window.__asked.enter"))
        page.wait_for_timeout(150)
    return in_page, round_trip


def bare_rate(seconds: float = BARE_SECONDS) -> float:
    """Steps per second of the tutorial's own loop on lesson L0, one torch thread, for about `seconds`."""
    experiment = Experiment(LESSONS["L0"].config)
    bare_loop(experiment, 5)  # warm-up: the first steps allocate
    steps, spent = 0, 0.0
    while spent < seconds:
        spent += bare_loop(experiment, 20)
        steps += 20
    return steps / spent


def main() -> dict:
    torch.set_num_threads(1)
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
    page.wait_for_selector(":is(.st-key-continuation, .rnnviz-view-continuation)", timeout=60_000)
    results["startup_to_first_page_s"] = round(time.perf_counter() - launched, 2)
    for key in LIVE_CHARTS:
        page.wait_for_selector(f"{view(key)} :is({DRAWN})", timeout=60_000)
    results["startup_to_all_charts_s"] = round(time.perf_counter() - launched, 2)

    click_key(page, "preset_L0")
    page.wait_for_timeout(1500)
    started = time.perf_counter()
    click_key(page, "train_toggle")
    page.wait_for_function(CONTINUATION_STARTS, arg=[L0_ANSWER], polling="raf", timeout=60_000)
    results["train_to_l0_correct_s"] = round(time.perf_counter() - started, 2)

    page.wait_for_timeout(1000)
    step_before, clock_before = shown_step(page), time.perf_counter()
    sampled = page.evaluate(SAMPLE, [list(LIVE_CHARTS), WINDOW, f":is({DRAWN})"])
    step_after, clock_after = shown_step(page), time.perf_counter()
    app_rate = (step_after - step_before) / (clock_after - clock_before)
    results["status_redraws_per_s"] = sampled["redraws_per_s"]
    results["chart_updates_per_s"] = sampled["chart_updates_per_s"]
    results["blank_chart_frames"] = sampled["blank"]
    results["chart_samples"] = sampled["samples"]
    results["charts_kept_their_node"] = sampled["same"]
    results["app_steps_per_s_while_sampled"] = round(app_rate, 1)

    training, training_trip = prefix_latencies(page)
    results["prefix_median_ms_while_training"] = round(statistics.median(training), 1)
    results["prefix_median_ms_while_training_seen_by_playwright"] = round(statistics.median(training_trip), 1)
    page.evaluate(WATCH_PAUSE)
    click_key(page, "train_toggle")  # pause
    page.wait_for_function("() => window.__paused.shown !== null", timeout=30_000)
    results["pause_to_paused_ms"] = round(page.evaluate("() => window.__paused.shown - window.__paused.press"))
    page.wait_for_timeout(1000)
    paused, paused_trip = prefix_latencies(page)
    results["prefix_median_ms_paused"] = round(statistics.median(paused), 1)
    results["prefix_median_ms_paused_seen_by_playwright"] = round(statistics.median(paused_trip), 1)
    results["prefix_ms_training_all"] = [round(t) for t in training]
    results["prefix_ms_paused_all"] = [round(t) for t in paused]
    rounds = rates_in_turns(page)
    results["app_over_bare"] = statistics.median(r["ratio"] for r in rounds)
    results["app_and_bare_rounds"] = rounds


if __name__ == "__main__":
    figures = main()
    for name, value in figures.items():
        print(f"{name:36s} {value}")
    print(json.dumps(figures))
