"""Nothing overlaps, nothing runs off, measured from element boxes in a real Chromium: on every page of every lesson,
at 1280x720 and 1600x1000, no visible element in the main column is wider than it or runs past its right edge, and
no chart's legend (Plotly's, or the Train page's canvas charts') meets its plot area.

One session per lesson, one visit per page (by the sidebar's links): each page is measured at one size, then the
window is resized to the other and measured again, so the run stays a few minutes on a busy machine.
"""

import contextlib
import json
import re
import time

import pytest
import torch
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rnnviz.charts import live
from rnnviz.lessons import lesson_query
from ui.live_chart import CANVAS_JS

from .browser import PAGE_LINK, open_app, screenshot

LESSONS = ["L0", "L1", "L1b", "L2", "L3", "L4", "M1"]
PAGES = ["Train", "Unrolled recurrence", "Hidden states", "Gradients", "Predict", "Your data", "Worked maths",
         "Memory tasks", "Sequence → label", "Side by side", "Inside the model"]
SIZES = [(1600, 1000), (1280, 720)]
STEPS = 10  # a few steps, so the charts have lines (and legends) to draw, not "press Train"

# What the page shows when Streamlit has finished running it and every chart in view is drawn.
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && !document.querySelector('[data-testid="stAppViewContainer"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll(
    '[data-testid="stAppViewContainer"] :is([data-testid="stPlotlyChart"], .rnnviz-live-chart)')].every(
  (chart) => !chart.offsetParent || chart.querySelector('canvas.rnnviz-canvas[aria-label]')
             || [...chart.querySelectorAll('.js-plotly-plot')].concat([chart]).some((plot) => plot._fullLayout))"""

# Every visible element of the main column wider than its content box or past its right edge (clipped parts, inside
# a box that scrolls or hides its overflow, are not seen: each element is measured as far as its clipping boxes
# let it show), every chart cut off by its box, and every legend that meets its plot area. Inside an SVG only the
# SVG itself is measured.
MEASURE = """() => {
  const CHOOSER_HEIGHT = 110;  // px: the replay chooser's label and one line of control (the pills took 2+ lines)
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const style = getComputedStyle(main), box = main.getBoundingClientRect();
  const left = box.left + parseFloat(style.paddingLeft), right = box.right - parseFloat(style.paddingRight);
  const name = (element) => {
    const keyed = element.closest('[class*="st-key-"]');
    const key = keyed ? [...keyed.classList].find((c) => c.startsWith('st-key-')) : '';
    const test = element.closest('[data-testid]');
    return `${element.tagName.toLowerCase()}${element.className && element.className.baseVal === undefined
      ? '.' + String(element.className).split(' ').slice(0, 2).join('.') : ''} in ${key || ''} ` +
      `${test ? test.dataset.testid : ''}: "${(element.innerText || element.textContent || '').slice(0, 40)}"`;
  };
  const clippers = (element) => {
    const boxes = [];
    for (let up = element.parentElement; up && up !== main; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow !== 'visible') boxes.push(up.getBoundingClientRect());
    }
    return boxes;
  };
  const wide = [], seen = new Set();  // an element inside one already reported is not reported again
  for (const element of main.querySelectorAll('*')) {
    if ([...seen].some((outer) => outer.contains(element))) continue;
    if (element.closest('svg') && element.tagName.toLowerCase() !== 'svg') continue;
    const rect = element.getBoundingClientRect();
    if (rect.width < 1 || rect.height < 1 || getComputedStyle(element).visibility === 'hidden') continue;
    let l = rect.left, r = rect.right;
    for (const clip of clippers(element)) { l = Math.max(l, clip.left); r = Math.min(r, clip.right); }
    if (r - l < 1) continue;
    if (r > right + 1 || r - l > right - left + 1) {
      seen.add(element);
      wide.push(`${name(element)} spans ${Math.round(l)}-${Math.round(r)}` +
                ` (the column: ${Math.round(left)}-${Math.round(right)})`);
    }
  }
  // A chart taller than the box it is in is cut off at the bottom (its axis, its labels).
  for (const chart of main.querySelectorAll('canvas.rnnviz-canvas, .js-plotly-plot')) {
    const rect = chart.getBoundingClientRect();
    if (!chart.offsetParent || rect.height < 1) continue;
    let bottom = rect.bottom;
    for (let up = chart.parentElement; up && up !== main; up = up.parentElement) {
      if (getComputedStyle(up).overflowY !== 'visible') bottom = Math.min(bottom, up.getBoundingClientRect().bottom);
    }
    if (bottom < rect.bottom - 2) {
      wide.push(`${name(chart)}: ${Math.round(rect.bottom - bottom)} px of the chart cut off at the bottom`);
    }
  }
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const overlaps = [];
  let legends = 0;
  const chooser = main.querySelector('.st-key-replay_step');
  if (chooser && chooser.getBoundingClientRect().height > CHOOSER_HEIGHT) {
    wide.push(`the replay chooser takes ${Math.round(chooser.getBoundingClientRect().height)} px: more than one line`);
  }
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    if (!plot.offsetParent) continue;
    const title = plot.querySelector('.gtitle');
    const areas = [...plot.querySelectorAll('.nsewdrag')].map((area) => area.getBoundingClientRect());
    for (const legend of plot.querySelectorAll('.legend')) {
      const rect = legend.getBoundingClientRect();
      if (rect.width < 1) continue;
      legends += 1;
      if (areas.some((area) => meet(rect, area))) {
        overlaps.push(`legend over the plot of "${title ? title.textContent : ''}"`);
      }
      // nor over the chart's title, axis titles or tick labels
      for (const text of plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text, .xtick text, .ytick text')) {
        const words = text.getBoundingClientRect();
        if (words.width >= 1 && meet(rect, words)) {
          overlaps.push(`legend over "${text.textContent}" in "${title ? title.textContent : ''}"`);
        }
      }
    }
  }
  for (const canvas of main.querySelectorAll('canvas.rnnviz-canvas')) {
    if (!canvas.offsetParent || !(canvas.getAttribute('aria-label') || '').includes('; lines:')) continue;
    if (!canvas.dataset.legendBox || !canvas.dataset.plotBox) {
      overlaps.push(`no legend and plot boxes to measure in "${canvas.getAttribute('aria-label')}"`);
      continue;
    }
    const [a, b] = [canvas.dataset.legendBox, canvas.dataset.plotBox].map((text) => {
      const [l, t, r, bt] = text.split(',').map(Number);
      return {left: l, top: t, right: r, bottom: bt};
    });
    if (a.right > a.left && meet(a, b)) overlaps.push(`legend over the plot of "${canvas.getAttribute('aria-label')}"`);
  }
  return {wide, overlaps, legends};
}"""


# Every chart laid out for the window's width as it is now (after a resize Plotly and the canvas draw again).
LAID_OUT = """() => [...document.querySelectorAll('[data-testid="stAppViewContainer"] .js-plotly-plot')].every(
  (plot) => !plot.offsetParent || !plot._fullLayout
            || Math.abs(plot._fullLayout.width - plot.getBoundingClientRect().width) <= 2)
  && [...document.querySelectorAll('[data-testid="stAppViewContainer"] canvas.rnnviz-canvas')].every(
  (canvas) => !canvas.offsetParent
              || Math.abs(canvas.width - Math.round(canvas.clientWidth * (window.devicePixelRatio || 1))) <= 2)"""


def settle(page) -> None:
    page.wait_for_timeout(100)
    page.wait_for_function(SETTLED, timeout=90_000, polling=100)
    with contextlib.suppress(PlaywrightTimeout):  # a chart of a fixed width is measured as it is
        page.wait_for_function(LAID_OUT, timeout=5_000, polling=50)
    page.wait_for_timeout(100)


def go_to(page, title: str) -> None:
    page.locator(PAGE_LINK, has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    heading = page.locator('[data-testid="stMain"] h1').first
    deadline = time.monotonic() + 90
    while heading.inner_text(timeout=90_000).strip() != title and time.monotonic() < deadline:
        page.wait_for_timeout(200)


@pytest.mark.parametrize("lesson", LESSONS)
def test_nothing_overlaps_nothing_runs_off(browser, app_url, lesson):
    width, height = SIZES[0]
    page = open_app(browser, app_url, query=lesson_query(lesson)[1:], width=width, height=height)
    problems, legends = [], 0
    try:
        page.locator(".st-key-step_count input").fill(str(STEPS), timeout=120_000)
        page.locator(".st-key-step button").first.click(timeout=90_000)
        page.wait_for_function("() => [...document.querySelectorAll('.st-key-train_status')].some("
                               "(status) => /step [1-9]/.test(status.innerText))", timeout=90_000, polling=200)
        for number, title in enumerate(PAGES):
            go_to(page, title)
            assert page.locator('[data-testid="stException"]').count() == 0, f"{lesson} {title} shows an exception"
            for size in SIZES if number % 2 == 0 else SIZES[::-1]:  # the last page's size first: one resize less
                page.set_viewport_size({"width": size[0], "height": size[1]})
                settle(page)
                found = page.evaluate(MEASURE)
                where = f"{lesson} · {title} · {size[0]}x{size[1]}"
                problems += [f"{where}: {text}" for text in found["wide"] + found["overlaps"]]
                legends += found["legends"]
                if found["wide"] or found["overlaps"]:
                    screenshot(page, f"layout_{lesson}_{title.lower().replace(' ', '_')}_{size[0]}")
    finally:
        page.close()
    assert not problems, "\n".join(problems)
    assert legends, "no Plotly legend was measured: do the selectors still find them?"


@pytest.fixture
def canvas_page(browser):
    """The Train page's canvas renderer on a page of its own."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_content(f"<html><body style='font-family:sans-serif'><script>{CANVAS_JS}</script></body></html>")
    yield page
    page.close()


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("width", [300, 520, 760])
def test_a_canvas_charts_legend_sits_clear_of_its_plot(canvas_page, layers, width):
    """In a narrow column too, where the legend takes two rows, and with a legend of a colour per layer."""
    grads = torch.logspace(-4, 0, 20).repeat(layers, 1)
    spec = live.live_step_grad_figure(grads, grads / 10, step=5, height=300)
    boxes = canvas_page.evaluate("""([spec, width]) => {
        const box = document.createElement('div');
        box.style.width = width + 'px';
        document.body.appendChild(box);
        drawCanvas(box, spec);
        const canvas = box.querySelector('canvas');
        return [canvas.dataset.legendBox, canvas.dataset.plotBox].map((text) => text.split(',').map(Number));
    }""", [json.loads(json.dumps(spec)), width])
    (left, top, right, bottom), (plot_left, plot_top, plot_right, plot_bottom) = boxes
    assert right > left and bottom > top, boxes  # a legend was drawn
    assert bottom <= plot_top or top >= plot_bottom or right <= plot_left or left >= plot_right, boxes
    assert right <= width, boxes
