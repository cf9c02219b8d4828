"""The pieces issue 11 added to the lesson pages, in AppTest: by hand (L1), the parameter count (L3)."""

import json

from pages_helpers import block_text, chart_keys, live_charts, open_app, page_charts, step

from rnnviz.nn.by_hand import AGREE


def chart_spec(at, key: str) -> str:
    return next(chart.proto.spec for chart in page_charts(at) if chart.proto.id.endswith("-" + key))


def annotations(at, key: str) -> list[str]:
    """The texts written on a chart, whether it is sent whole or kept mounted (a live chart)."""
    live = live_charts(at)
    figure = live[key] if key in live else json.loads(chart_spec(at, key))
    return [note.get("text") for note in figure["layout"].get("annotations", [])]


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_by_hand_shows_both_ways_and_their_largest_difference(app):
    step(app, 2)
    app.switch_page("pages/worked_maths.py").run()
    assert not app.exception
    difference = metrics(app)["Largest difference, fused vs loop"]
    assert float(difference) <= AGREE
    assert any("nn.RNNCell" in code.value for code in app.code)


def test_parameter_count_opens_on_the_lessons_example_and_follows_the_settings(app):
    app.switch_page("pages/worked_maths.py").run()
    shown = metrics(app)
    assert shown["PyTorch: sum(p.numel())"] == "24,330" and shown["Textbook: one bias"] == "24,202"
    assert "b_hh" in block_text(app, "param_table")
    app.radio(key="params_bias").set_value("one (textbook: b_h)").run()
    assert "b_hh" not in block_text(app, "param_table")
    app.checkbox(key="params_bidirectional").check().run()
    shown = metrics(app)
    # Two directions: 2 × (50·128 + 128·128 + 2·128) + (256·10 + 10)
    assert shown["PyTorch: sum(p.numel())"] == f"{2 * (50 * 128 + 128 * 128 + 256) + 2570:,}"
    assert shown["Output width the head reads"] == "256"
    app.radio(key="params_cell").set_value("LSTM").run()
    assert metrics(app)["PyTorch: sum(p.numel())"] == f"{2 * 4 * (50 * 128 + 128 * 128 + 256) + 2570:,}"


def test_the_many_to_one_page_shows_accuracy_examples_and_last_hidden_states(server_navigation):
    at = open_app({"dataset": "climbs"}, page="pages/one_label.py")
    assert not at.info
    step(at, 3)
    shown = metrics(at)
    assert shown["Training step"] == "3" and shown["Accuracy on fresh rows"].endswith("%")
    assert chart_keys(at) == ["one_label_spread_chart", "one_label_hidden_chart"]
    assert "0 1 3 5 7 9" in block_text(at, "one_label_examples")


def test_the_many_to_one_page_says_how_to_get_there_from_another_lesson(app):
    app.switch_page("pages/one_label.py").run()
    assert not app.exception and any("Press L1b" in info.value for info in app.info)
    assert chart_keys(app) == []


def test_l4_unrolled_starts_from_the_carried_state_and_predict_shows_the_truth(server_navigation):
    at = open_app({"dataset": "sine"}, page="pages/unrolled.py")
    carried = "the next training batch, from the carried state"
    at.radio(key="unrolled_source").set_value(carried).run()
    assert not at.exception and "h<sub>0</sub>=0: nothing<br>carried yet" in annotations(at, "unrolled_chart")
    step(at, 3)
    assert "h<sub>0</sub>: the last h<br>of batch 3" in annotations(at, "unrolled_chart")
    assert "Carried state" in " ".join(c.value for c in at.caption)
    at.switch_page("pages/predict.py").run()
    names = [trace["name"] for trace in json.loads(chart_spec(at, "predict_candidates_chart"))["data"]]
    assert names == ["prefix", "true", "before training", "after training step 3"]  # paused: the status line's step
    table = block_text(at, "predict_before_after")
    assert "true" in table and "0.59" in table and "RMSE vs true" in table  # sin(4π/20) = 0.588
