"""The app in a real Chromium: what AppTest cannot see (fragments ticking, charts, animation)."""

import re
import time

import pytest

from ui.live_chart import STILL_MS

from .browser import CHART, DRAWN, PAGE_LINK, one_text, open_app, screenshot, view

L0_ANSWER = "2 3 4 5 6 7 8 9"
PAGES = ["Train", "Unrolled recurrence", "Hidden states", "Gradients", "Predict"]


@pytest.fixture
def page(browser, app_url):
    page = open_app(browser, app_url)
    yield page
    page.close()


def continuation(page) -> str:
    return one_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)")


def wait_for_text(page, selector: str, pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = one_text(page, selector)
        if re.search(pattern, text):
            return text
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never matched {pattern!r}; last text: {text!r}")


def click_key(page, key: str) -> None:
    page.locator(f"{view(key)} button").first.click(timeout=90_000)  # a first page can be slow on a busy machine


def go_to(page, title: str) -> None:
    page.locator(PAGE_LINK, has_text=re.compile(f"^{re.escape(title)}$")).first.click()
    page.wait_for_timeout(300)
    page.wait_for_selector(CHART, timeout=60_000)


def set_prefix(page, text: str) -> None:
    box = page.locator(":is(.st-key-prefix, .rnnviz-view-prefix) input")
    box.fill(text)
    box.press("Enter")


def test_l0_preset_learns_to_count(page):
    click_key(page, "preset_L0")
    page.wait_for_timeout(500)
    before = continuation(page)
    assert before.split("\n")[0] != L0_ANSWER
    click_key(page, "train_toggle")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", re.escape(L0_ANSWER), timeout=60)
    screenshot(page, "train_l0_after")
    click_key(page, "train_toggle")  # pause


def test_every_page_shows_its_charts(page):
    click_key(page, "preset_L0")
    page.locator(".st-key-step_count input").fill("30")
    click_key(page, "step")
    page.wait_for_timeout(1500)
    for title in PAGES:
        go_to(page, title)
        page.wait_for_timeout(1500)
        charts = page.locator(CHART)
        assert charts.count() >= 1, f"{title} shows no chart"
        assert page.locator(DRAWN).count() >= 1, f"{title} shows only empty chart frames"
        assert page.locator('[data-testid="stException"]').count() == 0, f"{title} shows an exception"
        screenshot(page, "page_" + title.lower().replace(" ", "_"))


def test_unrolled_animation_plays(page):
    click_key(page, "preset_L4")
    page.locator(".st-key-step_count input").fill("50")
    click_key(page, "step")
    page.wait_for_timeout(1000)
    go_to(page, "Unrolled recurrence")
    chart = page.locator(".st-key-unrolled_chart .js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    active = "el => (el._fullLayout.sliders && el._fullLayout.sliders[0]) ? el._fullLayout.sliders[0].active : -1"
    start = chart.evaluate(active)
    chart.locator(".updatemenu-button", has_text=re.compile("Play|▶")).first.click()
    page.wait_for_timeout(2500)
    assert chart.evaluate(active) != start, "the time slider did not move when Play was pressed"
    screenshot(page, "unrolled_playing")


def test_typing_a_prefix_while_training_keeps_training(page):
    click_key(page, "preset_L0")
    click_key(page, "train_toggle")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", re.escape(L0_ANSWER), timeout=60)
    step_before = shown_step(page)
    set_prefix(page, "5 6")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", r"^5 6 7 8", timeout=30)
    page.wait_for_timeout(1500)
    step_after = shown_step(page)
    assert step_after > step_before, "training stopped or reset when the prefix changed"
    assert page.locator(":is(.st-key-train_toggle, .rnnviz-view-train_toggle) button").inner_text().strip() == "Pause"
    screenshot(page, "train_new_prefix")
    click_key(page, "train_toggle")


def shown_step(page) -> int:
    return int(re.search(r"step\s+(\d+)", one_text(page, view("train_status"))).group(1))


def start_training(page) -> None:
    click_key(page, "preset_L0")
    page.wait_for_timeout(1000)
    click_key(page, "train_toggle")
    wait_for_text(page, view("train_status"), r"Training .*step\s+[1-9]\d* .*steps/s", timeout=60)
    # As a learner would: press Pause once the button says so (a press of the Train still shown does nothing).
    wait_for_text(page, ":is(.st-key-train_toggle, .rnnviz-view-train_toggle)", r"Pause", timeout=30)


LIVE_LOSS = ":is(.st-key-loss_chart, .rnnviz-view-loss_chart) .rnnviz-live-chart"


def test_a_live_chart_stays_the_same_node_while_training(page):
    page.wait_for_selector(LIVE_LOSS + " canvas", timeout=120_000)
    start_training(page)
    page.evaluate(f"() => {{ window.__loss = document.querySelector('{LIVE_LOSS}');"
                  "window.__updates = Number(window.__loss.dataset.updates); }")
    page.wait_for_timeout(3000)
    same, updates = page.evaluate(f"() => [document.querySelector('{LIVE_LOSS}') === window.__loss,"
                                  "Number(window.__loss.dataset.updates) - window.__updates]")
    assert same, "the loss chart was mounted afresh while training"
    assert updates >= 2, f"the loss chart took new data only {updates} times in 3 s"
    click_key(page, "train_toggle")


def test_zoom_on_the_loss_chart_survives_training(page):
    page.wait_for_selector(LIVE_LOSS + " canvas", timeout=120_000)
    start_training(page)
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"step\s+([3-9]\d|\d{3,})", timeout=60)
    x_range = f"() => document.querySelector('{LIVE_LOSS} canvas').dataset.xRange.split(',').map(Number)"
    unzoomed = page.evaluate(x_range)
    area = page.locator(LIVE_LOSS + " canvas").bounding_box()
    y = area["y"] + area["height"] / 2
    page.mouse.move(area["x"] + area["width"] * 0.3, y)  # a flat drag over the plot: zoom in on those steps
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] * 0.6, y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    zoomed = page.evaluate(x_range)
    assert unzoomed[0] < zoomed[0] < zoomed[1] < unzoomed[1], f"the drag did not zoom in: {unzoomed} → {zoomed}"
    before = shown_step(page)
    page.wait_for_timeout(5000)
    assert shown_step(page) > before, "training did not go on"
    assert page.evaluate(x_range) == zoomed, "the learner's zoom was lost when the chart took new data"
    page.locator(LIVE_LOSS + " canvas").dblclick(position={"x": area["width"] * 0.5, "y": area["height"] * 0.5})
    page.wait_for_timeout(300)
    assert page.evaluate(x_range)[1] > zoomed[1], "a double click did not zoom back out to the whole history"
    click_key(page, "train_toggle")


# Plotly as the page fetched it: Streamlit's chart code, or ui.live_chart's own copy of plotly.js.
PLOTLY_LOADS = """() => performance.getEntriesByType('resource')
  .filter((r) => /PlotlyChart\\.[^/]*\\.js|plotly\\.min\\.js/.test(r.name))
  .map((r) => [r.name.includes('plotly.min') ? 'own' : 'streamlit', r.startTime])"""


def test_the_train_page_loads_plotly_for_the_next_page_once_and_only_while_still(page):
    """Compiling a copy of Plotly holds the page about 0.7 s: never while the model trains, and only one copy
    (Streamlit's, which the live charts then use too)."""
    page.wait_for_selector(LIVE_LOSS + " canvas", timeout=120_000)
    start_training(page)
    began = page.evaluate("() => performance.now()")
    page.wait_for_timeout(STILL_MS + 3000)
    click_key(page, "train_toggle")
    wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"Paused", timeout=30)
    paused = page.evaluate("() => performance.now()")
    deadline = time.monotonic() + 60
    while not (loads := page.evaluate(PLOTLY_LOADS)) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.wait_for_timeout(STILL_MS + 2000)  # a second copy would come after a still spell of its own
    loads = page.evaluate(PLOTLY_LOADS)
    assert [copy for copy, _ in loads] == ["streamlit"], f"not Streamlit's Plotly alone: {loads}"
    assert not [start for _, start in loads if began < start < paused], f"Plotly loaded while training: {loads}"
    assert page.evaluate("() => typeof window.Plotly.react") == "function"


def test_pause_stops_the_step_count(page):
    start_training(page)
    page.wait_for_timeout(1000)
    # The press goes straight to the page's feed too: its answer is the step training stopped at, and the page's
    # own run (which pauses as well) then shows that step and holds it. How soon is the benchmark's to measure.
    with page.expect_response(lambda reply: "/rnnviz/feed" in reply.url and "pause=1" in reply.url,
                              timeout=30_000) as answered:
        click_key(page, "train_toggle")
    assert answered.value.status == 200
    stopped = int(re.search(r"step (\d+)", answered.value.json()["texts"]["train_status"]).group(1))
    paused = wait_for_text(page, ":is(.st-key-train_status, .rnnviz-view-train_status)", r"Paused", timeout=30)
    assert int(re.search(r"step\s+(\d+)", paused).group(1)) == stopped, "the step count rose after the pause"
    wait_for_text(page, ":is(.st-key-train_toggle, .rnnviz-view-train_toggle)", r"^Train$", timeout=30)
    page.wait_for_timeout(2000)
    assert shown_step(page) == stopped, "the step count still rose after Pause showed"


STRIP = ":is(.st-key-strip_chart, .rnnviz-view-strip_chart) .rnnviz-live-chart"


def test_a_prefix_typed_while_paused_redraws_the_strip_in_place(page):
    page.wait_for_selector(STRIP + " canvas[aria-label]", timeout=120_000)
    node = page.locator(STRIP + " canvas").element_handle()
    set_prefix(page, "6 7 1")
    wait_for_text(page, ":is(.st-key-continuation, .rnnviz-view-continuation)", r"^6 7 1", timeout=30)
    # the unrolled strip reads the new prefix (x_t labels, which its canvas also says in words), in the same node
    page.wait_for_function("(node) => node.getAttribute('aria-label').includes('inputs: x₀ 6, x₁ 7, x₂ 1,')", arg=node,
                           timeout=30_000)
    assert page.evaluate("(node) => node.isConnected", node), "the strip chart was remounted for a new prefix"
