"""Every chart function on real results (History, Trace, Prediction): what it draws, not just that it draws."""

import math

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from rnnviz import charts, predict, trace
from rnnviz.charts.style import thin
from rnnviz.charts.training import smoothed
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment


def small(dataset="counting", **changes):
    return Experiment(defaults_for(dataset).replace(hidden_size=12, batch_size=8, **changes))


@pytest.fixture(scope="module")
def trained():
    """A 2-layer clipped RNN on counting, trained 60 steps: history, gradient log, held-out loss."""
    experiment = small(num_layers=2, clip=0.5, lr=0.02)
    experiment.train(60)
    return experiment


@pytest.fixture(scope="module")
def lstm_trace():
    experiment = small(cell="lstm")
    inputs, targets = experiment.dataset.batch(2, 7, torch.Generator().manual_seed(1))
    return trace(experiment.model, inputs, targets)


def trace_named(fig, name):
    matches = [t for t in fig.data if t.name == name]
    assert matches, f"no trace named {name!r} in {[t.name for t in fig.data]}"
    return matches[0]


def test_every_chart_is_readable_on_a_projector_and_keeps_zoom(trained):
    history = trained.trainer.history
    prediction = trained.predict("234", n=5)
    figures = [
        charts.loss_figure(history), charts.grad_norm_figure(history, 0.5),
        charts.step_grad_figure(np.ones((2, 5)), np.ones((2, 5))),
        charts.grad_heatmap_figure(trained.trainer.gradient_log),
        charts.hidden_heatmap_figure(prediction.hidden, list("23456789")),
        charts.candidates_figure(prediction), charts.trajectory_figure(prediction, list("23456789")),
        charts.unrolled_figure(prediction.hidden, list("23456789"), ["y"] * 8),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        assert fig.layout.font.size >= 16
        assert fig.layout.uirevision, "live charts need a uirevision so a redraw keeps zoom and legend clicks"


def test_loss_figure_draws_raw_smoothed_and_held_out_loss(trained):
    history = trained.trainer.history
    fig = charts.loss_figure(history)
    raw = trace_named(fig, "loss (each step)")
    assert list(raw.y) == pytest.approx(history["loss"].tolist())
    assert list(trace_named(fig, "smoothed").y) == pytest.approx(smoothed(history["loss"]).tolist())
    held_out = trace_named(fig, "held-out loss")
    expected = history.dropna(subset=["val_loss"])
    assert list(held_out.x) == expected["step"].tolist() == [50]
    assert list(held_out.y) == pytest.approx(expected["val_loss"].tolist())
    assert "perplexity" not in [t.name for t in fig.data]


def test_loss_figure_reads_the_same_curve_as_perplexity_for_character_data(trained):
    history = trained.trainer.history
    fig = charts.loss_figure(history, perplexity=True)
    perplexity = trace_named(fig, "perplexity")
    assert perplexity.yaxis == "y2" and fig.layout.yaxis2.type == "log"
    assert list(perplexity.y) == pytest.approx(np.exp(smoothed(history["loss"])).tolist())
    # The log axis is e^(the loss axis), so both axes read the same line.
    low, high = fig.layout.yaxis.range
    assert fig.layout.yaxis2.range == pytest.approx((low / math.log(10), high / math.log(10)))


def test_long_histories_are_thinned_but_keep_their_last_step():
    import pandas as pd

    history = pd.DataFrame({"step": range(1, 10_001), "loss": np.linspace(3, 0.1, 10_000)})
    shown = thin(history, 1500)
    assert len(shown) <= 1501 and shown["step"].iloc[-1] == 10_000
    fig = charts.loss_figure(history.assign(grad_norm=1.0, grad_norm_clipped=1.0, val_loss=np.nan))
    assert len(trace_named(fig, "loss (each step)").x) <= 1501


def test_grad_norm_figure_draws_before_and_after_clipping_and_the_threshold(trained):
    history = trained.trainer.history
    fig = charts.grad_norm_figure(history, clip=0.5)
    assert list(trace_named(fig, "before clipping").y) == pytest.approx(history["grad_norm"].tolist())
    after = trace_named(fig, "after clipping").y
    assert list(after) == pytest.approx(history["grad_norm_clipped"].tolist())
    assert max(after) <= 0.5 + 1e-3
    lines = [s for s in fig.layout.shapes if s.y0 == s.y1]
    assert [line.y0 for line in lines] == [0.5]
    assert fig.layout.yaxis.type == "log"
    unclipped = charts.grad_norm_figure(history, clip=None)
    assert [t.name for t in unclipped.data] == ["before clipping"] and not unclipped.layout.shapes


def test_empty_history_shows_a_note_instead_of_an_empty_chart():
    experiment = small()
    for fig in (charts.loss_figure(experiment.trainer.history), charts.grad_norm_figure(experiment.trainer.history),
                charts.step_grad_figure(None), charts.grad_heatmap_figure([]), charts.param_grad_figure([])):
        assert not fig.data
        assert "Press Train or Step" in fig.layout.annotations[0].text


def test_step_grad_figure_draws_each_layer_total_and_last_step_only(trained):
    inputs, targets = trained.dataset.batch(4, 9, torch.Generator().manual_seed(0))
    result = trace(trained.model, inputs, targets)
    fig = charts.step_grad_figure(result.grad_norms, result.grad_norms_last, step=60)
    assert len(fig.data) == 4  # two layers × (all of L, L_T only)
    for layer in range(2):
        total = trace_named(fig, f"layer {layer + 1}: all of L")
        last = trace_named(fig, f"layer {layer + 1}: L_T only")
        assert list(total.x) == list(range(1, 10))
        assert list(total.y) == pytest.approx(result.grad_norms[layer].tolist())
        assert list(last.y) == pytest.approx(result.grad_norms_last[layer].tolist())
    assert fig.layout.yaxis.type == "log"
    assert "step 60" in fig.layout.title.text


def test_grad_heatmap_has_a_row_per_logged_step_and_pads_a_changed_sequence_length():
    experiment = small(seq_len=6)
    experiment.trainer.trace_every = 2
    experiment.train(4)
    experiment.trainer.seq_len = 9
    experiment.train(2)
    log = experiment.trainer.gradient_log
    fig = charts.grad_heatmap_figure(log, which="last")
    (heatmap,) = fig.data
    assert list(heatmap.y) == [str(entry["step"]) for entry in log] == ["1", "2", "4", "6"]
    z = np.array(heatmap.z, dtype=float)
    assert z.shape == (4, 9)
    assert z[0, :6] == pytest.approx(np.log10(log[0]["grad_norms_last"][0]))
    assert np.isnan(z[0, 6:]).all() and not np.isnan(z[-1]).any()
    total = charts.grad_heatmap_figure(log, which="total")
    assert np.array(total.data[0].z, dtype=float)[-1] == pytest.approx(np.log10(log[-1]["grad_norms"][0]))


def test_grad_heatmap_draws_one_panel_per_layer(trained):
    fig = charts.grad_heatmap_figure(trained.trainer.gradient_log)
    assert [t.name for t in fig.data] == ["layer 1", "layer 2"]
    assert len(fig.data[0].y) == len(trained.trainer.gradient_log)


def test_param_grad_figure_draws_before_and_after_clipping():
    rows = [{"name": "W_ih layer 1", "before": 2.0, "after": 0.5},
            {"name": "W_hh layer 1", "before": 4.0, "after": 1.0}]
    fig = charts.param_grad_figure(rows, clip=1.0)
    before, after = fig.data
    assert list(before.y) == ["W_ih layer 1", "W_hh layer 1"] and list(before.x) == [2.0, 4.0]
    assert list(after.x) == [0.5, 1.0] and "θ = 1" in after.name
    assert fig.layout.xaxis.type == "log"
    below = charts.param_grad_figure([{**row, "after": row["before"]} for row in rows], clip=10.0)
    assert len(below.data) == 1 and "below the clip threshold" in below.layout.title.text


def test_hidden_heatmap_z_is_the_traced_hidden_state(trained):
    prediction = predict(trained.model, trained.dataset, "234", n=4)
    labels = list("2345678")
    fig = charts.hidden_heatmap_figure(prediction.hidden, labels, prefix_len=3)
    assert len(fig.data) == 2  # a panel per layer
    for layer, heatmap in enumerate(fig.data):
        assert np.array(heatmap.z) == pytest.approx(prediction.hidden[layer].numpy().T)
    assert list(fig.layout.xaxis2.ticktext) == labels  # the bottom panel carries the time labels
    assert (fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax) == (-1.0, 1.0)
    dividers = [s for s in fig.layout.shapes if s.x0 == s.x1]
    assert [d.x0 for d in dividers] == [2.5, 2.5]  # between the prefix and the generated part, in each panel


def test_hidden_heatmap_scales_colour_to_the_values_when_unbounded():
    hidden = np.array([[[0.0, 3.0], [-6.0, 1.0]]])  # relu can exceed 1
    fig = charts.hidden_heatmap_figure(hidden, ["a", "b"], bound=None)
    assert fig.layout.coloraxis.cmax == 6.0 and fig.layout.coloraxis.cmin == -6.0


def test_gates_figure_shows_each_lstm_gate_and_the_cell_state(lstm_trace):
    gates = {name: values[0, 0] for name, values in lstm_trace.gates.items()}
    fig = charts.gates_figure(gates, list("abcdefg"), cell=lstm_trace.cell[0, 0])
    assert [t.name for t in fig.data] == ["input", "forget", "candidate", "output", "cell"]
    forget = trace_named(fig, "forget")
    assert np.array(forget.z) == pytest.approx(lstm_trace.gates["forget"][0, 0].numpy().T)
    assert (forget.zmin, forget.zmax) == (0.0, 1.0)
    assert np.array(trace_named(fig, "cell").z) == pytest.approx(lstm_trace.cell[0, 0].numpy().T)


def test_units_figure_draws_the_chosen_units(lstm_trace):
    hidden = lstm_trace.hidden[0, 1]
    fig = charts.units_figure(hidden, [0, 5], list("abcdefg"))
    assert [t.name for t in fig.data] == ["unit 0", "unit 5"]
    assert list(fig.data[1].y) == pytest.approx(hidden[:, 5].tolist())
    assert not charts.units_figure(hidden, [], list("abcdefg")).data


def test_candidates_figure_stacks_the_top_k_and_outlines_the_choice(trained):
    prediction = predict(trained.model, trained.dataset, "234", n=5, temperature=2.0,
                         generator=torch.Generator().manual_seed(3))
    top = prediction.top(5)
    fig = charts.candidates_figure(prediction, k=5)
    assert len(fig.data) == 5 and fig.layout.barmode == "stack"
    for rank, bar in enumerate(fig.data):
        assert list(bar.y) == pytest.approx([row[rank][1] for row in top])
        assert list(bar.text) == [row[rank][0] for row in top]
    chosen = [prediction.symbols[i] for i in prediction.generated]
    for step in range(5):
        outlined = [rank for rank, bar in enumerate(fig.data) if bar.marker.line.width[step] > 0]
        in_top = [rank for rank, (symbol, _) in enumerate(top[step]) if symbol == chosen[step]]
        assert outlined == in_top  # a sample from outside the top k has no bar to outline
    assert any(fig.data[0].marker.line.width)


def test_candidates_figure_limits_long_continuations_and_shows_spaces():
    experiment = small("sentences")
    prediction = experiment.predict("good", n=11)
    fig = charts.candidates_figure(prediction, k=len(prediction.symbols), max_steps=6)
    assert len(fig.data[0].x) == 6 and "first 6 of 11" in fig.layout.title.text
    assert "␣" in "".join(t for bar in fig.data for t in bar.text)  # a space is drawn visibly


def test_trajectory_figure_projects_each_hidden_state_once(trained):
    prediction = predict(trained.model, trained.dataset, "234", n=5)
    labels = list("23456789")
    fig = charts.trajectory_figure(prediction, labels)
    reading, writing = fig.data
    assert list(reading.text) == labels[:3] and list(writing.text) == labels[2:]
    hidden = prediction.hidden[-1].numpy()
    centred = hidden - hidden.mean(axis=0)
    # Distances between states survive a projection onto the two main directions only up to what it drops,
    # but the first direction must carry the largest spread.
    projected = np.concatenate([np.column_stack([reading.x, reading.y]), np.column_stack([writing.x, writing.y])[1:]])
    assert projected.shape == (8, 2)
    assert np.var(projected[:, 0]) >= np.var(projected[:, 1])
    assert np.var(projected, axis=0).sum() <= np.var(centred, axis=0).sum() + 1e-6


def test_series_figure_continues_from_the_last_prefix_value():
    experiment = small("sine")
    prediction = experiment.predict("0, 0.16, 0.31", n=4)
    fig = charts.series_figure(prediction)
    prefix, continuation = fig.data
    assert list(prefix.y) == pytest.approx([0, 0.16, 0.31])
    assert list(continuation.x) == [2, 3, 4, 5, 6]
    assert list(continuation.y) == pytest.approx([0.31, *prediction.generated])
    assert "values, not symbols" in charts.candidates_figure(prediction).layout.annotations[0].text


def test_unrolled_figure_animates_one_frame_per_time_step(trained):
    prediction = predict(trained.model, trained.dataset, "234", n=3)
    hidden = prediction.hidden  # [2 layers, 6 steps, 12 units]
    inputs = list("234567")
    outputs = [f"y{t}" for t in range(6)]
    fig = charts.unrolled_figure(hidden, inputs, outputs, cell="rnn", max_units=8)
    assert len(fig.frames) == 6
    assert [step.label for step in fig.layout.sliders[0].steps] == ["1", "2", "3", "4", "5", "6"]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["▶ Play", "❚❚ Pause"] and buttons[0].method == "animate"
    # The same cell at every step: one box per layer and step, plus the folded cell of each layer.
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(boxes) == 2 * 6 + 2
    for t, frame in enumerate(fig.frames):
        strips = [trace for trace in frame.data if trace.type == "heatmap"]
        assert len(strips) == 2  # layers stack as rows
        for layer, strip in enumerate(strips):
            row = np.array(strip.z, dtype=float)[0].reshape(6, 8 + 2)[:, 1:-1]
            assert row[: t + 1] == pytest.approx(hidden[layer, : t + 1, :8].numpy())
            assert np.isnan(row[t + 1:]).all()  # h_t appears only once step t is reached
        lit = frame.data[0]  # the lit step: boxes around column t (every layer) and the folded cells
        assert max(x for x in lit.x if x is not None) == pytest.approx(4.0 + 1.5 * t + 0.5)
        entering = frame.data[1]  # every x label, the current one bold and in the highlight colour
        assert [text.startswith("<b>") for text in entering.text] == [k == t for k in range(6)]
        assert entering.text[t] == f"<b>{inputs[t]}</b>"
        assert list(frame.data[4].text)[-1] == f"<b>{outputs[t]}</b>"
    assert "first 8 of 12 units" in fig.layout.title.text


def test_unrolled_figure_cuts_long_sequences():
    hidden = np.zeros((1, 30, 4))
    fig = charts.unrolled_figure(hidden, ["x"] * 30, ["y"] * 30, max_steps=10)
    assert len(fig.frames) == 10 and "over 10 steps" in fig.layout.title.text


def test_continuation_html_keeps_the_text_exact_and_marks_the_prefix():
    from rnnviz.charts.text import continuation_html

    page = continuation_html("<b>2 3", " 4 *5*\n")
    assert '<span style="color: #1f6fb4; font-weight: 700; text-decoration: underline">&lt;b&gt;2 3</span>' in page
    assert "<span> 4 *5*\n</span>" in page and "white-space: pre-wrap" in page


def test_table_html_escapes_cuts_and_shows_line_breaks():
    import pandas as pd

    from rnnviz.charts.text import table_html

    frame = pd.DataFrame({"after step": ["0 (before)", "7 (now)"], "continuation": ["    indented <i>", "a\nb" * 50]})
    page = table_html(frame, max_chars=20)
    assert page.count("<tr>") == 3  # a header and two rows
    assert "    indented &lt;i&gt;" in page  # leading spaces kept, not turned into a code block
    assert "a↵ba↵ba↵ba↵ba↵ba↵ba…" in page and "\n" not in page
