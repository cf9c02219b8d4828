"""The Train page's live charts (rnnviz.charts.live): plain figure dicts that plotly.js takes as they are."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import torch

from rnnviz.charts import live


def rows(count: int, val_every: int = 50) -> list[dict]:
    return [{"step": k, "loss": 3.0 / k, "val_loss": 3.5 / k if k % val_every == 0 else math.nan}
            for k in range(1, count + 1)]


def valid(figure: dict) -> go.Figure:
    """The dict passes Plotly's own checks and survives strict JSON (no NaN: the browser parses it)."""
    json.loads(json.dumps(figure, allow_nan=False))
    return go.Figure(figure)


def test_loss_before_training_says_what_to_do():
    figure = live.live_loss_figure([])
    assert figure["data"] == [] and "Press Train" in figure["layout"]["annotations"][0]["text"]
    valid(figure)


def test_loss_shows_each_step_the_trend_and_the_held_out_loss():
    figure = live.live_loss_figure(rows(200), perplexity=True, height=290)
    raw, trend, held_out = figure["data"]
    assert raw["x"] == list(range(1, 201)) and raw["y"][0] == 3.0
    assert trend["y"][-1] > raw["y"][-1]  # the trend lags a falling loss
    assert held_out["x"] == [50, 100, 150, 200] and held_out["y"][0] == 3.5 / 50
    assert figure["layout"]["height"] == 290 and figure["layout"]["uirevision"] == "loss"
    assert "at step 200" in figure["layout"]["title"]["text"] and "perplexity" in figure["layout"]["title"]["text"]
    valid(figure)


def test_a_long_history_is_thinned_but_keeps_its_last_step():
    figure = live.live_loss_figure(rows(10_000))
    raw = figure["data"][0]
    assert len(raw["x"]) <= live.LIVE_POINTS + 1 and raw["x"][0] == 1 and raw["x"][-1] == 10_000


def test_a_diverged_loss_becomes_a_gap_not_invalid_json():
    history = rows(5) + [{"step": 6, "loss": math.inf, "val_loss": math.nan}]
    figure = live.live_loss_figure(history)
    assert figure["data"][0]["y"][-1] is None
    valid(figure)


def test_step_gradients_one_line_per_layer_and_loss_on_a_log_axis():
    total = np.array([[1e-3, 1e-2, 1e-1], [2e-3, 0.0, 2e-1]])
    figure = live.live_step_grad_figure(total, total / 10, step=25)
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["layer 1: all", "layer 1: L_T only", "layer 2: all", "layer 2: L_T only"]
    assert figure["data"][2]["y"] == [2e-3, None, 2e-1]  # a zero has no place on a log axis
    assert figure["layout"]["yaxis"]["type"] == "log" and "step 25" in figure["layout"]["title"]["text"]
    assert "clipped" not in figure["layout"]["title"]["text"]
    clipped = live.live_step_grad_figure(total, clipping=(3.2, 1.0))
    assert "‖g‖ 3.2 clipped to 1" in clipped["layout"]["title"]["text"]
    assert "Press Train" in live.live_step_grad_figure(None)["layout"]["annotations"][0]["text"]
    valid(figure)


def test_hidden_state_one_panel_per_layer_with_the_prefix_marked():
    hidden = torch.linspace(-1, 1, 2 * 5 * 4).reshape(2, 5, 4)
    figure = live.live_hidden_figure(hidden, ["a", "b", " ", "d", "e"], prefix_len=3)
    first, second = figure["data"]
    assert len(first["z"]) == 4 and len(first["z"][0]) == 5  # units × steps
    assert first["yaxis"] == "y" and second["yaxis"] == "y2"
    assert figure["layout"]["xaxis"]["ticktext"][2] == "␣"  # a space is shown
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [2.5, 2.5]
    assert figure["layout"]["coloraxis"]["cmin"] == -1.0
    valid(figure)


def test_strip_repeats_one_cell_with_h_t_above_and_y_t_on_top():
    hidden = torch.rand(1, 6, 32) * 2 - 1
    outputs = [f"{k} 50%" for k in range(3, 9)]
    figure = live.live_strip_figure(hidden, ["2", "3", "4", "5", "6", "7"], outputs, prefix_len=3, cell="gru")
    boxes = [shape for shape in figure["layout"]["shapes"] if shape["type"] == "rect"]
    assert len(boxes) == 6 and len({round(box["x1"] - box["x0"], 6) for box in boxes}) == 1  # the same cell, six times
    assert boxes[2]["fillcolor"] != boxes[3]["fillcolor"]  # reading the prefix, then writing
    texts = [text for trace in figure["data"] if trace.get("mode") == "text" for text in trace["text"]]
    assert texts.count("GRU") == 6 and "<b>8 50%</b>" in texts and "x<sub>0</sub> 2" in texts
    heatmap = figure["data"][0]
    assert len(heatmap["z"]) == 16 and len(heatmap["z"][0]) == 6  # 16 units shown, one column per step
    assert any(shape["type"] == "line" and shape["x0"] == 2.5 for shape in figure["layout"]["shapes"])
    valid(figure)


def test_strip_without_steps_says_what_to_do():
    figure = live.live_strip_figure(torch.zeros(1, 0, 4), [], [])
    assert "Type a prefix" in figure["layout"]["annotations"][0]["text"]
