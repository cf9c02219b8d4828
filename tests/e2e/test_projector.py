"""Projector grade in a real Chromium: every page at 1600x1000 and 1280x720 (screenshots kept under
artifacts/screenshots/projector_*), and the exploding-gradient lesson from the sidebar."""

import re
import time

import pytest

from .browser import PAGE_LINK, open_app, screenshot, view
from .test_app import click_key

PAGES = ["Train", "Unrolled recurrence", "Hidden states", "Gradients", "Predict", "Your data", "Worked maths",
         "Memory tasks", "Side by side", "Inside the model"]
SIZES = [(1600, 1000), (1280, 720)]
ALERT = '[data-testid="stAlert"]'
# Every visible chart's axes and colour bars: the smallest tick label size, and whether a log axis prints labels
# between decades (Plotly's "D1"/"D2" minor digits).
READ_CHARTS = """() => {
  const report = [];
  for (const plot of document.querySelectorAll('[data-testid="stAppViewContainer"] .js-plotly-plot')) {
    if (!plot.offsetParent || !plot._fullLayout) continue;
    const layout = plot._fullLayout, sizes = [], digits = [];
    for (const [name, axis] of Object.entries(layout)) {
      if (!/^[xy]axis\\d*$/.test(name) || !axis.visible || !axis.showticklabels) continue;
      sizes.push(axis.tickfont.size);
      if (axis.type === 'log' && String(axis.dtick).startsWith('D')) digits.push(name);
    }
    for (const trace of plot._fullData) {
      if (trace.type === 'heatmap' && trace.showscale && trace.colorbar) sizes.push(trace.colorbar.tickfont.size);
    }
    report.push({title: (layout.title && layout.title.text) || '', smallest: Math.min(...sizes), digits});
  }
  // the Train page's canvas charts (ui/live_canvas.js) note the smallest font they drew with; their log axes are
  // labelled at decades only
  for (const canvas of document.querySelectorAll('[data-testid="stAppViewContainer"] canvas.rnnviz-canvas')) {
    if (canvas.offsetParent) {
      const smallest = Number(canvas.dataset.smallestFont);
      report.push({title: canvas.getAttribute('aria-label'), smallest, digits: []});
    }
  }
  return report;
}"""


# Whether every chart in view is drawn: none still a skeleton (Streamlit's stand-in while an element's code loads),
# and each of Streamlit's Plotly charts and ui.live_chart's boxes drawn (a canvas, or Plotly).
DRAWN_ALL = """() => !document.querySelector('[data-testid="stAppViewContainer"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll(
    '[data-testid="stAppViewContainer"] :is([data-testid="stPlotlyChart"], .rnnviz-live-chart)')].every(
  (chart) => !chart.offsetParent || chart.querySelector('canvas.rnnviz-canvas')
             || [...chart.querySelectorAll('.js-plotly-plot')].concat([chart]).some((plot) => plot._fullLayout))"""


def go_to(page, title: str) -> None:
    page.locator(PAGE_LINK, has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    page.wait_for_timeout(2500)


def settle(page) -> None:
    """Wait until Streamlit has finished running the page (its status widget gone) and charts are drawn."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and page.locator('[data-testid="stStatusWidget"]').count():
        page.wait_for_timeout(200)
    page.wait_for_timeout(800)
    # every chart in view drawn (the first page with Plotly after the Train page may still be compiling it), so that
    # READ_CHARTS reads them all rather than skipping those not drawn yet
    page.wait_for_function(DRAWN_ALL, timeout=30_000)


def whole_page(page, name: str, width: int, height: int) -> None:
    """The whole page at the same width: Streamlit scrolls inside its own container, so the window is made as
    tall as the page for one screenshot, then put back."""
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(tall, height), 12_000)})
    page.wait_for_timeout(1500)
    screenshot(page, name)
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)


@pytest.mark.parametrize("width,height", SIZES)
def test_every_page_reads_from_the_back_of_the_room(browser, app_url, width, height):
    page = open_app(browser, app_url, width=width, height=height)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.wait_for_selector(".st-key-preset_L1 button", timeout=120_000)  # a fresh server's first run is slow
        click_key(page, "preset_L1")  # two layers and clipping: legends, several panels, a clip line
        page.locator(".st-key-step_count input").fill("60")
        click_key(page, "step")
        page.wait_for_timeout(2000)
        for title in PAGES:
            go_to(page, title)
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0, f"{title} shows an exception"
            for chart in page.evaluate(READ_CHARTS):
                assert chart["smallest"] >= 14, f"{title}: tick labels of {chart['smallest']} px in {chart['title']!r}"
                assert not chart["digits"], f"{title}: a log axis labels digits between decades in {chart['title']!r}"
            name = f"projector_{width}x{height}_" + title.lower().replace(" ", "_")
            screenshot(page, name)  # what the room sees first
            whole_page(page, name + "_full", width, height)
        assert not [e for e in errors if "plotly" in e.lower() or "uncaught" in e.lower()], errors
    finally:
        page.close()


def test_learning_rate_50_without_clipping_raises_the_alarm_and_reset_recovers(browser, app_url):
    page = open_app(browser, app_url)
    try:
        page.wait_for_selector(".st-key-preset_L0 button", timeout=120_000)
        click_key(page, "preset_L0")
        page.wait_for_timeout(500)
        for key, value in (("lr", "50"), ("clip", "0")):
            box = page.locator(f"{view(key)} input")
            box.fill(value)
            box.press("Enter")
            page.wait_for_timeout(800)
        caution = page.locator(ALERT, has_text="above 1")
        caution.first.wait_for(timeout=15_000)  # the learning rate is allowed, and warned about
        started = time.monotonic()
        click_key(page, "train_toggle")
        alarm = page.locator(ALERT, has_text="Training stopped")
        alarm.first.wait_for(timeout=10_000)
        took = time.monotonic() - started
        text = alarm.first.inner_text()
        assert "Lower the learning rate (now 50)" in text and "gradient clipping" in text, text
        assert took < 10
        assert page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").is_disabled()
        screenshot(page, "explosion_alarm")
        go_to(page, "Gradients")
        settle(page)
        # The Train page loads Plotly only once it has been still a few seconds: straight from the alarm, this page
        # compiles it first, so its charts may come a second or two after its run ends.
        page.wait_for_function("() => [...document.querySelectorAll("
                               "'[data-testid=\"stAppViewContainer\"] .js-plotly-plot')]"
                               ".filter((plot) => plot.querySelector('.main-svg')).length >= 4", timeout=30_000)
        screenshot(page, "explosion_gradients")
        click_key(page, "reset")
        page.wait_for_timeout(2000)
        assert page.locator(ALERT, has_text="Training stopped").count() == 0
        assert page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").is_enabled()
    finally:
        page.close()
