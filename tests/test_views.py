"""The data behind the pages (rnnviz.views), checked against direct computations."""

import math

import pytest
import torch

from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.nn.trace import mean_loss
from rnnviz.serving.published import Published
from rnnviz.views import continuation, gradients, progress, sequence
from rnnviz.views.labels import labels_for


def small(dataset="counting", **changes):
    return Experiment(defaults_for(dataset).replace(hidden_size=12, batch_size=8, **changes))


def test_split_text_separates_the_typed_prefix_from_what_the_model_wrote():
    experiment = small()
    prediction = experiment.predict("2,3,4", n=5)
    typed, written = continuation.split_text(experiment.dataset, prediction)
    assert typed == "2 3 4" and typed + written == prediction.text
    assert written == " " + prediction.continuation


def test_split_text_for_characters_and_values():
    sentences = small("sentences")
    prediction = sentences.predict("good", n=3)
    assert continuation.split_text(sentences.dataset, prediction) == ("good", prediction.continuation)
    sine = small("sine")
    prediction = sine.predict("0, 0.16", n=2)
    typed, written = continuation.split_text(sine.dataset, prediction)
    assert typed == "0.00, 0.16" and written == ", " + prediction.continuation


def test_live_prediction_samples_with_a_fixed_seed():
    experiment = small("shakespeare", temperature=1.0, prefix="To", predict_len=20)
    first, second = continuation.live_prediction(experiment), continuation.live_prediction(experiment)
    assert first.text == second.text  # it only changes when the model does


def test_parameter_grad_norms_match_autograd_and_leave_the_trainer_alone():
    experiment = small(clip=0.05)
    experiment.train(3)
    model = experiment.model
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    trainer_grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    rows = gradients.parameter_grad_norms(experiment)
    inputs, targets, state = experiment.trainer.last_batch
    model.zero_grad()
    outputs, _ = model(inputs, state)
    mean_loss(model, outputs, targets).backward()
    expected = {gradients.parameter_name(name): float(p.grad.norm()) for name, p in model.named_parameters()}
    assert {row["name"]: row["before"] for row in rows} == pytest.approx(expected)
    total = math.sqrt(sum(v * v for v in expected.values()))
    assert total > 0.05  # so clipping applies
    for row in rows:
        assert row["after"] == pytest.approx(row["before"] * 0.05 / total, rel=1e-4)
    assert [row["name"] for row in rows] == ["W_ih layer 1", "W_hh layer 1", "b_ih layer 1", "b_hh layer 1",
                                             "W_hy (head)", "b_y (head)"]
    for name, p in model.named_parameters():
        p.grad = trainer_grads[name]
        assert torch.equal(p.detach(), before[name])


def test_parameter_grad_norms_are_empty_before_training():
    assert gradients.parameter_grad_norms(small()) == []


def test_sequence_trace_of_the_prefix_and_its_continuation():
    experiment = small(prefix="234", predict_len=4)
    result, labels, prefix_len = sequence.sequence_trace(experiment, "prefix")
    prediction = experiment.predict()
    assert labels == ["2", "3", "4"] + prediction.continuation.split()
    assert prefix_len == 3
    assert result.hidden[:, 0] == pytest.approx(prediction.hidden, abs=1e-6)
    short, labels, _ = sequence.sequence_trace(experiment, "prefix", max_steps=5)
    assert short.steps == 5 and len(labels) == 5


def test_sequence_trace_of_a_training_sample_traces_gradients_too():
    experiment = small(seq_len=9)
    result, labels, prefix_len = sequence.sequence_trace(experiment, "sample")
    assert result.steps == 9 and len(labels) == 9 and prefix_len is None
    assert result.grad_norms.shape == (1, 9)
    again, _, _ = sequence.sequence_trace(experiment, "sample")
    assert torch.equal(again.inputs, result.inputs)  # a fixed sample, not a new one on every redraw


def test_sequence_trace_on_an_earlier_snapshot():
    experiment = small()
    experiment.train(5)
    now, _, _ = sequence.sequence_trace(experiment, "sample")
    before, _, _ = sequence.sequence_trace(experiment, "sample", model=experiment.trainer.model_at(0))
    assert not torch.allclose(now.hidden, before.hidden)


def test_step_outputs_for_symbols_and_values():
    experiment = small()
    result, _, _ = sequence.sequence_trace(experiment, "prefix")
    texts = sequence.step_outputs(experiment.dataset, result, k=2)
    probs = torch.softmax(result.outputs[0, 0], dim=-1)
    best = int(probs.argmax())
    assert len(texts) == result.steps
    assert texts[0].startswith(f"{experiment.dataset.symbols[best]} {float(probs[best]):.0%}<br>")
    sine = small("sine")
    result, _, _ = sequence.sequence_trace(sine, "sample", max_steps=4)
    values = sine.dataset.from_model(result.outputs[0, :, 0])
    assert sequence.step_outputs(sine.dataset, result) == [f"{v:.2f}" for v in values]


def test_milestone_table_starts_before_training_and_ends_now():
    experiment = small()
    experiment.train(7)
    table = progress.milestone_table(experiment, current="now text")
    assert table["after step"].tolist() == ["0 (before)", "1", "2", "5", "7 (now)"]
    assert table["continuation"].iloc[0] == experiment.predict(model=experiment.trainer.model_at(0)).continuation
    assert table["continuation"].iloc[-1] == "now text"


def test_milestones_of_character_data_show_their_spaces():
    experiment = small("sentences")
    experiment.train(3)
    table = progress.milestone_table(experiment, current="i am ")
    assert table["continuation"].iloc[-1] == "i␣am␣"
    assert " " not in "".join(table["continuation"])


def test_labels_make_spaces_and_newlines_visible():
    experiment = small("shakespeare")
    ids = experiment.dataset.encode(list("a \n"))
    assert labels_for(experiment.dataset, ids) == ["a", "␣", "↵"]


def test_hidden_bound_is_open_for_relu_only():
    assert sequence.hidden_bound(small()) == 1.0
    assert sequence.hidden_bound(small(nonlinearity="relu")) is None


def test_status_text_says_where_training_stands():
    paused = Published(version=1, state="paused", step=0)
    assert progress.status_text(paused, "cpu") == "step 0 · on cpu"
    rows = ({"loss": 2.5},)
    training = Published(version=2, state="training", step=40, rows=rows, steps_per_second=37.6)
    assert progress.status_text(training, "cpu") == "step 40 · loss 2.5 · 38 steps/s · on cpu"
    # steps per wall-clock second only while training: a paused model has no speed
    assert progress.status_text(Published(version=3, state="paused", step=40, rows=rows, steps_per_second=37.6),
                                "cuda") == "step 40 · loss 2.5 · on cuda"


def test_milestones_frame_shows_before_the_latest_snapshots_and_now():
    counting = small().dataset
    milestones = ((0, "1 1"), (10, "5 6"), (20, "5 6 7"), (50, "5 6 7 8"))
    frame = progress.milestones_frame(counting, milestones, 64, current="5 6 7 8 9", last=2)
    assert frame["after step"].tolist() == ["0 (before)", "20", "50", "64 (now)"]
    at_snapshot = progress.milestones_frame(counting, milestones, 50, current="5 6 7 8")
    assert at_snapshot["after step"].tolist()[-1] == "50 (now)"


def test_the_train_board_draws_a_series_as_curves_and_writes_symbols_out():
    from rnnviz.serving.published import views_of
    from rnnviz.views import train_board

    sine = Experiment(defaults_for("sine"))
    sine.train(25)
    shown = Published(version=1, state="paused", step=sine.step, rows=tuple(sine.trainer.rows), **views_of(sine))
    texts, figures = train_board.texts(sine, shown), train_board.figures(sine, shown)
    assert texts["continuation"] == "" and texts["milestones"] == ""  # no wall of digits
    chart = figures["series_chart"]
    lines = {line["name"]: line for line in chart["series"]}
    assert lines["prefix"]["y"] == pytest.approx([0, 0.16, 0.31, 0.45])
    assert lines["now"]["y"][1:] == pytest.approx(shown.prediction.generated)
    truth = sine.dataset.values[4:24].tolist()  # the prefix is the sine's first four values, rounded
    assert lines["true"]["y"][1:] == pytest.approx(truth, abs=1e-6)
    assert {"before training", "step 20"} <= set(lines) and f"step {sine.step}" in chart["title"]
    counting = small()
    shown = Published(version=1, state="paused", step=0, **views_of(counting))
    assert "series_chart" not in train_board.figures(counting, shown)
    assert train_board.texts(counting, shown)["continuation"] and train_board.texts(counting, shown)["milestones"]
    adding = Experiment(defaults_for("adding"))  # one number after a long prefix: written out, not drawn
    assert not train_board.draws_series(adding.dataset) and train_board.draws_series(sine.dataset)
