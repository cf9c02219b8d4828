"""Two lessons as a class sees them in Chromium: L4's Train page draws the sine's continuation as a curve beside the
true one (no wall of digits), and L5's explosion grows over several steps before the alarm, which clipping tames."""

import re
import time

from rnnviz.lessons import lesson_query

from .browser import screenshot
from .test_app import click_key

ALERT = '[data-testid="stAlert"]'
CHANGED = "could not be used as they were"
# The drawing spec a live chart's canvas shows (ui/live_canvas.js keeps it on the canvas's box), and the box's width.
SPEC = """(key) => {
  const canvas = document.querySelector(`.st-key-${key} canvas.rnnviz-canvas[aria-label]`);
  if (!canvas || !canvas.parentElement.__canvas) return null;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const box = canvas.getBoundingClientRect();
  return {spec: canvas.parentElement.__canvas.spec, label: canvas.getAttribute('aria-label'),
          left: box.left, right: box.right, mainLeft: main.left, mainRight: main.right};
}"""


def drawn(page, key: str, timeout: float = 60.0, until=lambda shown: True) -> dict:
    """The chart `key` as drawn, once `until(it)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        shown = page.evaluate(SPEC, key)
        if shown is not None and until(shown):
            return shown
        assert time.monotonic() < deadline, f"{key} not drawn as expected in {timeout:.0f} s: {shown}"
        page.wait_for_timeout(250)


def lines(shown: dict) -> dict:
    return {line["name"]: line for line in shown["spec"]["series"]}


def status_step(page) -> int:
    found = re.search(r"step (\d+)", page.locator(".st-key-train_status").first.inner_text())
    return int(found[1]) if found else -1


def growth_points(values: list[float]) -> tuple[int, float]:
    """How many values after the lowest (up to the highest) are at least twice it, and highest / lowest."""
    top = max(range(len(values)), key=values.__getitem__)
    low = min(range(top + 1), key=values.__getitem__)
    return sum(value >= 2 * values[low] for value in values[low + 1:top + 1]), values[top] / values[low]


def test_l4_train_page_draws_the_continuation_as_a_curve_beside_the_true_one(open_page):
    page = open_page(lesson_query("L4")[1:])
    before = drawn(page, "series_chart")
    assert set(lines(before)) >= {"prefix", "now", "true"}, before["label"]
    click_key(page, "train_toggle")
    deadline = time.monotonic() + 120
    while status_step(page) < 300 and time.monotonic() < deadline:  # a few seconds of training, more when busy
        page.wait_for_timeout(500)
    shown = drawn(page, "series_chart", until=lambda shown: any(name.startswith("step ") for name in lines(shown)))
    curves = lines(shown)
    assert len(curves["prefix"]["y"]) == 4 and curves["prefix"]["y"][0] == 0
    assert len(curves["now"]["y"]) == len(curves["true"]["y"]) == 21  # the prefix's last point and 20 ahead
    assert all(isinstance(value, (int, float)) for value in curves["now"]["y"] + curves["true"]["y"])  # no gaps
    assert curves["true"]["dash"] and not curves["now"]["dash"]
    assert "before training" in curves  # the milestones: faint earlier curves
    assert "true" in shown["label"] and "now" in shown["label"]
    assert shown["mainLeft"] - 1 <= shown["left"] and shown["right"] <= shown["mainRight"] + 1  # within the column
    # no wall of digits: the continuation and the milestones are not written out
    for key in ("continuation", "milestones"):
        written = page.locator(f".st-key-{key}")
        assert written.count() == 0 or not re.search(r"\d\.\d\d", written.first.inner_text()), key
    screenshot(page, "series_l4_train")
    click_key(page, "train_toggle")  # pause


def test_l5_grows_for_several_steps_before_the_alarm_and_clipping_tames_it(open_page):
    page = open_page(lesson_query("L5")[1:])
    page.wait_for_timeout(1000)
    alerts = page.locator(ALERT).all_inner_texts()
    assert not any(CHANGED in text for text in alerts), alerts  # lr 3 is used as it is: nothing was changed
    assert sum("Learning rate 3 is above 1" in text for text in alerts) == 1, alerts  # one caution
    click_key(page, "train_toggle")
    alarm = page.locator(ALERT, has_text="Training stopped")
    alarm.first.wait_for(timeout=60_000)
    text = alarm.first.inner_text()
    assert re.search(r"The gradient norm grew from [\d.]+ to [\d.,]+ in \d+ steps and the loss from", text), text
    # The published history, as the loss chart draws it: every logged step up to the stop.
    stopped = int(re.search(r"Training stopped at step (\d+)", text)[1])
    history = drawn(page, "loss_chart", until=lambda shown: "loss (each step)" in lines(shown)
                    and len(lines(shown)["loss (each step)"]["x"]) == stopped - 1)
    losses = lines(history)["loss (each step)"]["y"]
    points, factor = growth_points(losses)
    assert points >= 5 and factor >= 10, losses
    screenshot(page, "explosion_l5_stopped")
    click_key(page, "clip_restart")  # one click: the same settings, clipped at 1.0
    page.locator(".st-key-clip input").first.wait_for(timeout=30_000)
    deadline = time.monotonic() + 30
    while page.locator(".st-key-clip input").first.input_value() != "1.00" and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert float(page.locator(".st-key-clip input").first.input_value()) == 1.0
    assert page.locator(ALERT, has_text="Training stopped").count() == 0
    click_key(page, "train_toggle")
    deadline = time.monotonic() + 120
    while status_step(page) < 2 * stopped + 20 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert status_step(page) >= 2 * stopped + 20  # well past where the unclipped run stopped
    assert page.locator(ALERT, has_text="Training stopped").count() == 0
    screenshot(page, "explosion_l5_clipped")
    click_key(page, "train_toggle")  # pause
