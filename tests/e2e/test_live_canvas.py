"""The Train page's canvas renderer (ui/live_canvas.js) in a real Chromium, on its own page: the specs that
rnnviz.charts.live makes are drawn, hovered, zoomed and described as a learner would meet them."""

import json

import numpy as np
import pytest
import torch

from rnnviz.charts import live
from ui.live_chart import CANVAS_JS

from .browser import screenshot

SIZE = {"width": 520, "height": 300}


@pytest.fixture
def canvas_page(browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(f"<html><body style='font-family:sans-serif'><script>{CANVAS_JS}</script></body></html>")
    yield page
    page.close()
    assert not errors, errors


def draw(page, spec: dict, key: str) -> None:
    """A box as the page's chart component makes one, with `spec` drawn into it."""
    page.evaluate("""([spec, key, size]) => {
        const box = document.createElement('div');
        box.id = key;
        box.style.width = size.width + 'px';
        document.body.appendChild(box);
        drawCanvas(box, spec);
    }""", [json.loads(json.dumps(spec)), key, SIZE])


def tips(page, key: str, xs: range, ys: range) -> set[str]:
    """The tips shown with the pointer at each (x, y) of the canvas, in its own pixels (mouse events sent in the
    page: thousands of real mouse moves would take a minute)."""
    return set(page.evaluate("""([key, xs, ys]) => {
        const canvas = document.querySelector(`#${key} canvas`);
        const tip = document.querySelector(`#${key} .rnnviz-canvas-tip`);
        const rect = canvas.getBoundingClientRect(), seen = [];
        for (const x of xs) for (const y of ys) {
            canvas.dispatchEvent(new MouseEvent('mousemove', {clientX: rect.left + x, clientY: rect.top + y}));
            if (tip.style.display !== 'none') seen.push(tip.textContent);
        }
        return seen;
    }""", [key, list(xs), list(ys)]))


def test_the_round_numbers_and_colours_it_draws_with(canvas_page):
    ticks = canvas_page.evaluate("() => [niceTicks(0.12, 3.22, 3), niceTicks(0, 255, 2), niceTicks(0.4, 20.6, 3)]")
    assert ticks == [[1, 2, 3], [0, 100, 200], [5, 10, 15, 20]]
    assert canvas_page.evaluate("() => [power(-5), power(-2), power(3), power(6)]") == ["10⁻⁵", "0.01", "1000", "10⁶"]
    numbers = canvas_page.evaluate("() => [number(0.123456), number(-2.5e-5), number(123456), number(NaN)]")
    assert numbers == ["0.123", "−2.5×10⁻⁵", "1.23×10⁵", "–"]
    scale = live.live_hidden_figure(torch.zeros(1, 2, 2), ["a", "b"])["scale"]
    colours = canvas_page.evaluate("([scale]) => [-1, 0, 1, 5, NaN].map((v) => colourOf(parseScale(scale), v, 1))",
                                   [scale])
    assert colours[0] == [5, 48, 97] and colours[1] == [247, 247, 247] and colours[2] == [103, 0, 31]
    assert colours[3] == colours[2] and colours[4] is None  # beyond the bound: the end colour; NaN: no colour


def test_loss_lines_are_drawn_zoomed_and_kept_zoomed_when_new_data_comes(canvas_page):
    rows = [{"step": k, "loss": 3.0 / k, "val_loss": float("nan")} for k in range(1, 201)]
    draw(canvas_page, live.live_loss_figure(rows, height=SIZE["height"]), "loss")
    canvas = canvas_page.locator("#loss canvas")
    assert "lines: loss (each step), smoothed" in canvas.get_attribute("aria-label")
    whole = [float(v) for v in canvas.get_attribute("data-x-range").split(",")]
    assert whole[0] < 1 and whole[1] > 200
    box = canvas.bounding_box()
    canvas_page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    canvas_page.mouse.down()
    canvas_page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.6, steps=5)
    canvas_page.mouse.up()
    zoomed = [float(v) for v in canvas.get_attribute("data-x-range").split(",")]
    assert whole[0] < zoomed[0] < zoomed[1] < whole[1]
    canvas_page.evaluate("() => { document.querySelector('#loss canvas').__first = true; }")
    rows += [{"step": k, "loss": 3.0 / k, "val_loss": float("nan")} for k in range(201, 260)]
    canvas_page.evaluate("([spec]) => drawCanvas(document.getElementById('loss'), spec)",
                         [live.live_loss_figure(rows, height=SIZE["height"])])
    assert [float(v) for v in canvas.get_attribute("data-x-range").split(",")] == zoomed
    assert canvas_page.evaluate("() => document.querySelector('#loss canvas').__first"), "the canvas was replaced"
    canvas.dblclick(position={"x": box["width"] * 0.5, "y": box["height"] * 0.6})
    assert float(canvas.get_attribute("data-x-range").split(",")[1]) > 259  # zoomed out to the whole history


def test_hover_reads_the_value_under_the_pointer(canvas_page):
    hidden = torch.zeros(1, 4, 3)
    hidden[0, 2, 1] = 0.5
    draw(canvas_page, live.live_hidden_figure(hidden, ["a", "b", "c", "d"], prefix_len=2), "hidden")
    found = tips(canvas_page, "hidden", range(0, SIZE["width"], 4), range(0, SIZE["height"], 4))
    assert "t = 2 (c), unit 1: h = 0.5" in found and "t = 0 (a), unit 0: h = 0" in found
    grads = np.array([[1e-3, 1e-2, 1e-1]])
    draw(canvas_page, live.live_step_grad_figure(grads, grads / 10, step=5, height=SIZE["height"]), "grads")
    found = tips(canvas_page, "grads", range(0, SIZE["width"], 4), range(0, SIZE["height"], 4))
    assert "layer 1: all · t = 3: 0.1" in found and "layer 1: L_T only · t = 1: 1×10⁻⁴" in found


def test_the_strip_and_notes_say_what_they_show(canvas_page):
    strip = live.live_strip_figure(torch.rand(1, 3, 8), ["6", "7", "1"], ["7 90%", "1 40%", "2 80%"], prefix_len=3)
    draw(canvas_page, strip, "strip")
    label = canvas_page.locator("#strip canvas").get_attribute("aria-label")
    assert "inputs: x₀ 6, x₁ 7, x₂ 1; outputs: 7 90%, 1 40%, 2 80%" in label
    draw(canvas_page, live.live_step_grad_figure(None, height=SIZE["height"]), "empty")
    assert "Press Train" in canvas_page.locator("#empty canvas").get_attribute("aria-label")
    fonts = "() => [...document.querySelectorAll('canvas')].map((canvas) => +canvas.dataset.smallestFont)"
    smallest = canvas_page.evaluate(fonts)
    assert min(smallest) >= 14  # read from the back of a room
    screenshot(canvas_page, "live_canvas_specs")


def test_a_legend_that_wraps_makes_the_chart_taller_not_its_plot_shorter(canvas_page):
    """In a narrow column (the Train page at 1280 px) a three-layer gradient chart's legend takes several rows, and
    its title two lines: the chart grows by them and its plot keeps the height it has in a wide one."""
    grads = np.abs(np.random.default_rng(0).normal(size=(3, 12))) + 0.1
    spec = live.live_step_grad_figure(grads, grads / 10, step=5, height=SIZE["height"])
    plots = {}
    for key, width in (("wide", 1100), ("narrow", 300)):
        canvas_page.evaluate("""([spec, key, width]) => {
            const box = document.createElement('div');
            box.id = key;
            box.style.width = width + 'px';
            document.body.appendChild(box);
            drawCanvas(box, spec);
        }""", [json.loads(json.dumps(spec)), key, width])
        canvas = canvas_page.locator(f"#{key} canvas")
        canvas_page.wait_for_function(f"() => document.querySelector('#{key} canvas').dataset.plotBox")
        left, top, right, bottom = map(int, canvas.get_attribute("data-plot-box").split(","))
        legend_top, legend_bottom = map(int, canvas.get_attribute("data-legend-box").split(",")[1::2])
        plots[key] = (bottom - top, legend_bottom - legend_top, canvas.bounding_box()["height"])
    (wide_plot, wide_legend, wide_height), (narrow_plot, narrow_legend, narrow_height) = plots["wide"], plots["narrow"]
    assert narrow_legend > wide_legend  # it wrapped
    assert abs(narrow_plot - wide_plot) <= 1, plots
    assert narrow_height >= wide_height + narrow_legend - wide_legend - 1, plots
