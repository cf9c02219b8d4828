"""The Train page's live charts (rnnviz.charts.live): drawing specs for the page's canvas renderer
(ui/live_canvas.js), plain data that survives strict JSON."""

import json
import math

import numpy as np
import pytest
import torch

from rnnviz.charts import live


def rows(count: int, val_every: int = 50) -> list[dict]:
    return [{"step": k, "loss": 3.0 / k, "val_loss": 3.5 / k if k % val_every == 0 else math.nan}
            for k in range(1, count + 1)]


def valid(spec: dict) -> dict:
    """A spec the renderer knows, with the shared look, that survives strict JSON (the browser parses it: no NaN)."""
    assert spec["canvas"] in {"lines", "grid", "strip", "note"}
    assert spec["font"] >= 14 and spec["tick_font"] >= 14 and spec["height"] > 0
    return json.loads(json.dumps(spec, allow_nan=False))


def series(spec: dict) -> dict:
    return {line["name"]: line for line in spec["series"]}


def test_loss_before_training_says_what_to_do():
    spec = live.live_loss_figure([])
    assert spec["canvas"] == "note" and "Press Train" in spec["note"]
    valid(spec)


def test_loss_shows_each_step_the_trend_and_the_held_out_loss():
    spec = live.live_loss_figure(rows(200), perplexity=True, height=290)
    raw, trend, held_out = spec["series"]
    assert raw["x"] == list(range(1, 201)) and raw["y"][0] == 3.0
    assert trend["y"][-1] > raw["y"][-1]  # the trend lags a falling loss
    assert held_out["x"] == [50, 100, 150, 200] and held_out["y"][0] == 3.5 / 50 and held_out["markers"] > 0
    assert raw["width"] < trend["width"]  # the trend is the line to read
    assert spec["height"] == 290 and spec["zoom"] and not spec["y_log"]
    assert "at step 200" in spec["title"] and "perplexity" in spec["title"]
    valid(spec)


def test_a_long_history_is_thinned_but_keeps_its_last_step():
    raw = live.live_loss_figure(rows(10_000))["series"][0]
    assert len(raw["x"]) <= live.LIVE_POINTS + 1 and raw["x"][0] == 1 and raw["x"][-1] == 10_000


def test_a_diverged_loss_becomes_a_gap_not_invalid_json():
    history = rows(5) + [{"step": 6, "loss": math.inf, "val_loss": math.nan}]
    spec = live.live_loss_figure(history)
    assert spec["series"][0]["y"][-1] is None
    valid(spec)


def test_step_gradients_one_line_per_layer_on_a_log_axis():
    total = np.array([[1e-3, 1e-2, 1e-1], [2e-3, 0.0, 2e-1]])
    spec = live.live_step_grad_figure(total, total / 10, step=25)
    lines = series(spec)
    assert list(lines) == ["layer 1: all", "layer 1: L_T only", "layer 2: all", "layer 2: L_T only"]
    assert lines["layer 2: all"]["y"] == [2e-3, None, 2e-1]  # a zero has no place on a log axis
    assert lines["layer 1: L_T only"]["dash"] and not lines["layer 1: all"]["dash"]
    assert lines["layer 1: all"]["colour"] != lines["layer 2: all"]["colour"]
    assert spec["y_log"] and "step 25" in spec["title"] and "clipped" not in spec["title"]
    assert "‖g‖ 3.2 clipped to 1" in live.live_step_grad_figure(total, clipping=(3.2, 1.0))["title"]
    assert "Press Train" in live.live_step_grad_figure(None)["note"]
    # the legend: a colour per layer and a dash per kind (four lines, four entries); one layer keeps its lines' own
    assert [entry["name"] for entry in spec["legend"]] == ["layer 1", "layer 2", "all", "L_T only"]
    assert live.live_step_grad_figure(total[:1], total[:1] / 10)["legend"] is None
    valid(spec)


def test_hidden_state_one_panel_per_layer_with_the_prefix_marked():
    hidden = torch.linspace(-1, 1, 2 * 5 * 4).reshape(2, 5, 4)
    spec = live.live_hidden_figure(hidden, ["a", "b", " ", "d", "e"], prefix_len=3)
    first, second = spec["panels"]
    assert len(first["z"]) == 4 and len(first["z"][0]) == 5  # units × steps
    assert first["z"][0][0] == -1.0 and second["z"][3][4] == 1.0
    assert (first["name"], second["name"]) == ("unit (layer 1)", "unit (layer 2)")
    assert spec["x_labels"][2] == "␣"  # a space is shown
    assert spec["divider"] == 3 and spec["bound"] == 1.0
    assert spec["ticks"]["texts"] == ["−1", "−0.5", "0", "0.5", "1"]
    assert spec["scale"][0][0] == 0.0 and spec["scale"][-1][0] == 1.0
    valid(spec)


def test_hidden_state_after_an_explosion_is_coloured_on_a_signed_log_scale():
    hidden = torch.tensor([[[1e6, -1.0], [0.5, float("nan")]]])
    spec = live.live_hidden_figure(hidden, ["a", "b"], bound=None)
    assert spec["bound"] < 10 and "10⁶" in spec["ticks"]["texts"]  # log₁₀(1 + 10⁶) ≈ 6
    assert spec["panels"][0]["z"][1][1] is None  # NaN: a grey cell, valid JSON
    valid(spec)


def test_strip_repeats_one_cell_with_h_t_above_and_y_t_on_top():
    hidden = torch.rand(1, 6, 32) * 2 - 1
    outputs = [f"{k} 50%" for k in range(3, 9)]
    spec = live.live_strip_figure(hidden, ["2", "3", "4", "5", "6", "7"], outputs, prefix_len=3, cell="gru")
    assert spec["cell"] == "GRU" and "the same GRU cell" in spec["title"]
    assert spec["inputs"][0] == "x₀ 2" and spec["outputs"][-1] == "8 50%"
    assert len(spec["z"]) == 16 and len(spec["z"][0]) == 6  # 16 units shown, one column per step
    assert spec["divider"] == 3 and spec["cell_fill"] != spec["written_fill"]  # reading the prefix, then writing
    assert live.live_strip_figure(hidden, list("0123456789ab"[:6]), outputs)["divider"] is None
    valid(spec)


def test_strip_subscripts_go_past_nine():
    hidden = torch.zeros(1, 12, 4)
    spec = live.live_strip_figure(hidden, [str(k % 10) for k in range(12)], ["a"] * 12)
    assert spec["inputs"][11] == "x₁₁ 1"


def test_strip_without_steps_says_what_to_do():
    spec = live.live_strip_figure(torch.zeros(1, 0, 4), [], [])
    assert "Type a prefix" in spec["note"]


# -- a series drawn as a series (lessons L4 and an uploaded column) ---------------------------------------------
def test_series_prefix_continuation_truth_and_earlier_curves_as_lines():
    prefix, now, truth = [0.0, 0.16, 0.31], [0.45, 0.58, 0.7], [0.45, 0.59, 0.71]
    spec = valid(live.live_series_figure(prefix, now, truth, [("before training", [0.1, -0.2, 0.0])], step=40,
                                         error=0.01))
    lines = series(spec)
    assert spec["canvas"] == "lines" and "step 40" in spec["title"] and "RMSE 0.01" in spec["title"]
    assert lines["prefix"]["x"] == [1, 2, 3] and lines["prefix"]["y"] == prefix
    # the continuations start at the prefix's last point, so the curve goes on without a gap
    assert lines["now"]["x"] == [3, 4, 5, 6] and lines["now"]["y"] == [0.31, *now]
    assert lines["true"]["dash"] and lines["true"]["y"] == [0.31, *truth] and not lines["now"]["dash"]
    earlier = lines["before training"]
    assert earlier["width"] < lines["now"]["width"] and "0.35)" in earlier["colour"]  # faint
    assert [entry["name"] for entry in spec["legend"]] == ["prefix", "now", "true", "earlier"]
    assert "{x}" in spec["hover"] and "{y}" in spec["hover"]  # the numbers: on hover


def test_series_without_truth_or_prefix():
    spec = valid(live.live_series_figure([0.5, 0.6], [0.7], None))
    assert set(series(spec)) == {"prefix", "now"}
    assert valid(live.live_series_figure([], []))["canvas"] == "note"


def test_number_labels_fit_their_cells_and_symbols_stay():
    from rnnviz.charts.unrolled import LABEL_CHARS, fitted

    for text in ["0.16", "-0.95", "12.34", "-12.34", "123.45", "12345.67", "-12345.60", "1234567.00", "3e+20"]:
        short = fitted(text)
        assert len(short) <= LABEL_CHARS, (text, short)
        scale = {"k": 1e3, "M": 1e6}.get(short[-1], 1)
        assert float(short.rstrip("kM")) * scale == pytest.approx(float(text), rel=0.1), (text, short)
    assert fitted("-12345.60") == "-12k" and fitted("1234567.00") == "1.2M" and fitted("123.45") == "123.5"
    for symbol in ["2", "19", "a", "⎵", "5 97%", "<br>"]:
        assert fitted(symbol) == symbol
    spec = live.live_strip_figure(torch.zeros(1, 2, 4), ["12345.67", "0.16"], ["-12345.60", "0.30"], cell="rnn")
    assert spec["inputs"] == ["x₀ 12346", "x₁ 0.16"] and spec["outputs"] == ["-12k", "0.30"]


def test_the_unrolled_figure_writes_an_uploaded_series_short():
    from rnnviz.charts import unrolled_figure

    values = ["12345.67", "-23456.78", "0.16", "1234567.00"]
    fig = unrolled_figure(torch.zeros(1, 4, 3), values, values)
    written = [text for frame in fig.frames for trace in frame.data if trace.type == "scatter" and trace.text
               for text in trace.text]
    numbers = [text.replace("<b>", "").replace("</b>", "") for text in written if any(c.isdigit() for c in text)]
    assert "12346" in numbers and "-23k" in numbers and "1.2M" in numbers
    assert all(len(text) <= 5 for text in numbers), numbers
