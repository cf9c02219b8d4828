"""The pieces issue 11 added to the lesson pages, in AppTest: by hand (L1), the parameter count (L3)."""

from pages_helpers import block_text, chart_keys, open_app, step

from rnnviz.by_hand import AGREE


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
