"""Projector grade: every chart's layout, read as a teacher's back row would read it.

Tick labels of 14 px or more, log axes labelled at decades only, legends under the chart (never on
the title), a colour bar on every heatmap, colour scales that stay readable after an explosion.
"""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from rnnviz import charts
from rnnviz.charts import analysis as analysis_charts
from rnnviz.charts import compare as compare_charts
from rnnviz.charts import maths, memory
from rnnviz.charts.hidden import label_stride
from rnnviz.charts.style import decade_ticks, diverging_colour, wrap_title
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.insight import bptt, worked
from rnnviz.insight.connectivity import prefix_inputs
from rnnviz.nn.predict import predict
from rnnviz.views import gradients, sequence, spectral_radius
from rnnviz.views.labels import prediction_labels


@pytest.fixture(scope="module")
def trained():
    """A 2-layer 12-unit RNN on counting, 30 steps: history, logged gradients, snapshots."""
    experiment = Experiment(defaults_for("counting").replace(hidden_size=12, batch_size=8, num_layers=2, clip=0.5))
    experiment.train(30)
    return experiment


def axes(fig):
    return [fig.layout[name] for name in fig.layout if name.startswith(("xaxis", "yaxis"))]


def every_figure(experiment):
    trainer = experiment.trainer
    history = trainer.history
    prediction = experiment.predict("234", n=5)
    labels = prediction_labels(experiment.dataset, prediction)
    latest = gradients.latest_gradients(experiment)
    traced = sequence.sequence_trace(experiment, "sample")[0]
    gates = {name: values[0, 0] for name, values in traced.gates.items()}
    inputs = prefix_inputs(experiment.dataset, "23456")
    return {
        "loss": charts.loss_figure(history, perplexity=True),
        "grad_norm": charts.grad_norm_figure(history, trainer.clip),
        "step_grad": charts.step_grad_figure(latest["grad_norms"], latest["grad_norms_last"], step=latest["step"]),
        "grad_heatmap": charts.grad_heatmap_figure(trainer.gradient_log),
        "param_grad": charts.param_grad_figure(gradients.parameter_grad_norms(experiment), trainer.clip),
        "hidden": charts.hidden_heatmap_figure(prediction.hidden, labels, prefix_len=3),
        "gates": charts.gates_figure(gates, ["x"] * traced.hidden.shape[2]),
        "units": charts.units_figure(prediction.hidden[0], [0, 1], labels),
        "candidates": charts.candidates_figure(prediction),
        "trajectory": charts.trajectory_figure(prediction, labels),
        "unrolled": charts.unrolled_figure(prediction.hidden, labels, ["y"] * len(labels)),
        "spectral": analysis_charts.spectral_figure(spectral_radius.spectral_history(experiment)),
        "connectivity_matrix": analysis_charts.connectivity_matrix_figure(np.eye(5), list("23456")),
        "bptt": maths.bptt_figure(bptt.bptt_chain(experiment.model, inputs)),
        "worked": maths.worked_figure(worked.worked_example()),
        "gradient_profile": memory.gradient_profile_figure(None, current=np.logspace(-6, 0, 20)),
        "compare_grad": compare_charts.compare_grad_norm_figure(history.assign(model="a"), ["a"], [0.5]),
    }


def test_every_chart_has_tick_labels_of_at_least_14_px(trained):
    for name, fig in every_figure(trained).items():
        for axis in axes(fig):
            if axis.visible is not False:
                assert axis.tickfont.size and axis.tickfont.size >= 14, (name, axis.plotly_name)
        for trace in fig.data:
            if trace.type == "heatmap" and trace.coloraxis is None and trace.showscale is not False:
                assert trace.colorbar.tickfont.size >= 14, name
        if any(getattr(t, "coloraxis", None) for t in fig.data):
            assert fig.layout.coloraxis.colorbar.tickfont.size >= 14, name


def test_log_axes_are_labelled_at_decades_only(trained):
    checked = 0
    for name, fig in every_figure(trained).items():
        for axis in axes(fig):
            if axis.type != "log":
                continue
            checked += 1
            assert axis.tickvals is not None, (name, axis.plotly_name)
            exponents = np.log10(np.array(axis.tickvals, dtype=float))
            spread = exponents.max() - exponents.min()
            if spread > 1:  # only whole decades; within one decade 1, 2, 5 steps, never the digits 2…9
                assert np.allclose(exponents, np.round(exponents)), (name, list(axis.tickvals))
            else:
                mantissas = {round(v / 10 ** math.floor(math.log10(v)), 6) for v in axis.tickvals}
                assert mantissas <= {1.0, 2.0, 5.0}, (name, list(axis.tickvals))
            assert len(axis.ticktext) == len(axis.tickvals)
    assert checked >= 6


def test_decade_ticks_read_as_powers_and_cover_the_values():
    ticks, text = decade_ticks([3e-7, 0.02, 40, 5e9])
    assert np.log10(ticks).tolist() == pytest.approx(np.round(np.log10(ticks)).tolist())
    assert ticks[0] <= 3e-7 and ticks[-1] * 1e3 >= 5e9 and len(ticks) <= 9  # every 3rd decade over 17
    assert "10⁻⁷" in text and "10⁸" in text
    ticks, text = decade_ticks([2.5, 7.0])
    assert ticks == [1.0, 2.0, 5.0, 10.0] and text == ["1", "2", "5", "10"]
    assert decade_ticks([0.0, -1.0, math.nan]) is None


def test_legends_sit_under_the_chart_never_on_the_title(trained):
    figures = every_figure(trained)
    for name in ("step_grad", "spectral", "loss", "grad_norm", "units", "trajectory"):
        fig = figures[name]
        legend = fig.layout.legend
        if fig.layout.showlegend is False:
            continue
        # Below the plot, in the bottom margin (container coordinates), which grows to hold it.
        assert legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom", name
        assert fig.layout.margin.b >= 55 + 26, name
        assert fig.layout.title.yref == "container" and fig.layout.title.yanchor == "top", name


def test_two_layer_spectral_title_gives_every_layer(trained):
    fig = analysis_charts.spectral_figure(spectral_radius.spectral_history(trained))
    title = fig.layout.title.text
    assert "layer 1: ρ" in title and "layer 2: ρ" in title


def test_long_titles_wrap_at_their_separators():
    title = "Hidden state: reading the prefix, then writing · after training step 1234 · layer 2"
    lines = wrap_title(title)
    assert len(lines) >= 2 and all(len(line) <= 45 for line in lines)
    assert " ".join(lines).replace(" · ", " ") == title.replace(" · ", " ")  # nothing lost
    assert any("step 1234" in line for line in lines)  # a number stays with its word
    fig = charts.hidden_heatmap_figure(np.zeros((1, 4, 3)), list("abcd"),
                                       title="Hidden state: reading the prefix, then writing · step 1234")
    assert "<br>" in fig.layout.title.text and fig.layout.margin.t > 60


def test_every_gate_panel_has_its_own_colour_bar(trained):
    traced = sequence.sequence_trace(trained, "sample")[0]
    fig = charts.gates_figure({name: v[0, 0] for name, v in traced.gates.items()}, ["x"] * traced.hidden.shape[2])
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert heatmaps and all(t.showscale is not False for t in heatmaps)
    middles = [t.colorbar.y for t in heatmaps]
    assert len(set(middles)) == len(heatmaps)  # each bar beside its own panel


def test_an_exploded_pre_activation_gets_a_signed_log_colour_bar_not_500t():
    huge = np.array([[5e14, -3e10, 2.0], [0.5, -1e6, 7e3]])
    shown, bound, ticks = diverging_colour(huge)
    assert bound == pytest.approx(math.log10(1 + 5e14))
    assert np.nanmax(np.abs(shown)) <= bound + 1e-9
    assert "0" in ticks["ticktext"] and any(t.startswith("10") for t in ticks["ticktext"])
    assert any(t.startswith("−10") for t in ticks["ticktext"])
    fig = charts.gates_figure({"preactivation": huge.T}, ["a", "b"])
    bar = fig.data[0].colorbar
    assert list(bar.ticktext) == ticks["ticktext"]
    assert fig.data[0].text[0][0] == "5e+14"  # the hover still says the real value
    # Ordinary values keep an ordinary scale.
    assert diverging_colour(np.array([0.5, -2.0]))[2] == {}


def test_an_overflowed_logged_batch_is_a_gap_in_the_gradient_heatmap():
    log = [{"step": 1, "grad_norms": np.array([[1e-3, 1e-1, 1.0]]), "grad_norms_last": np.array([[1e-3, 1e-1, 1.0]])},
           {"step": 2, "grad_norms": np.array([[np.inf, np.nan, 1e30]]),
            "grad_norms_last": np.array([[np.inf, np.nan, 1e30]])}]
    fig = charts.grad_heatmap_figure(log, which="total")
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isnan(z[1, 0]) and np.isnan(z[1, 1]) and z[1, 2] == pytest.approx(30)
    bar = fig.layout.coloraxis.colorbar
    assert bar.ticktext[0] == "10⁻³" and bar.ticktext[-1] == "10²⁷"  # every 6th decade


def test_loss_figure_marks_learning_rate_changes_and_overfitting():
    steps = np.arange(1, 201)
    loss = np.linspace(3.0, 0.5, 200)
    val = np.full(200, np.nan)
    val[49::50] = [2.0, 1.5, 1.8, 2.4]  # best at step 100, then rising while the training loss falls
    lr = np.where(steps > 120, 0.1, 0.01)
    history = pd.DataFrame({"step": steps, "loss": loss, "val_loss": val, "lr": lr})
    fig = charts.loss_figure(history)
    assert "overfitting" in fig.layout.title.text
    assert [a.text for a in fig.layout.annotations if a.text.startswith("lr")] == ["lr 0.01 → 0.1"]
    assert any(shape.x0 == pytest.approx(120.5) for shape in fig.layout.shapes)
    calm = charts.loss_figure(history.assign(val_loss=np.where(np.isnan(val), np.nan, 1.0 / steps), lr=0.01))
    assert "overfitting" not in calm.layout.title.text and not calm.layout.shapes


def test_a_blown_up_loss_is_drawn_on_a_log_axis():
    history = pd.DataFrame({"step": [1, 2, 3], "loss": [3.0, 1300.0, 4800.0], "val_loss": np.nan, "lr": 50.0})
    fig = charts.loss_figure(history, perplexity=True)
    assert fig.layout.yaxis.type == "log" and "yaxis2" not in fig.layout


def test_time_labels_never_crowd_into_a_smear():
    values = [f"{v:.2f}" for v in np.sin(np.arange(60) / 3)]
    assert 60 / label_stride(values) <= 14
    assert 20 / label_stride(list("abcdefghijklmnopqrst")) == 20  # one symbol per step: all fit
    fig = charts.hidden_heatmap_figure(np.zeros((1, 60, 5)), values)
    assert len(fig.layout.xaxis.tickvals) <= 14 and fig.layout.xaxis.tickangle == 0


def test_an_80_symbol_continuation_keeps_the_candidate_bars_wide():
    experiment = Experiment(defaults_for("shakespeare").replace(hidden_size=8))
    prediction = predict(experiment.model, experiment.dataset, "To be", n=80,
                         generator=torch.Generator().manual_seed(0))
    fig = charts.candidates_figure(prediction)
    assert len(fig.data[0].x) <= 12 and "first 12 of 80" in fig.layout.title.text
