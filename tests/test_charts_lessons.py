"""The lesson charts on real results: the numbers they draw are the library's numbers.

Worked maths against worked.worked_example, spectral radius against torch.linalg.eigvals on the
trainer's snapshots, connectivity bars against connectivity, memory charts against the
sweeps they draw.
"""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnviz.charts import analysis as analysis_charts
from rnnviz.charts import compare as compare_charts
from rnnviz.charts import maths, memory
from rnnviz.compare import Comparison
from rnnviz.config import defaults_for
from rnnviz.experiment import Experiment
from rnnviz.insight import equations, spectral, worked
from rnnviz.insight.connectivity import connectivity, connectivity_matrix
from rnnviz.insight.memory_sweep import gradient_profiles
from rnnviz.insight.spectral import spectral_over_training, spectral_table
from rnnviz.views import connectivity as connectivity_view
from rnnviz.views import memory_score, sequence, spectral_radius, unit_explorer, worked_maths

# h_t and y_t of LESSONS L3's stated equations (its printed figures after h_1 do not follow from them).
L3_COMPUTED = {
    1: ([0.19737532, 0.46211716, 0.66403677], 0.62274399),
    2: ([0.42302613, 0.78886928, 0.93357029], 0.96029511),
    3: ([0.61700069, 0.93072552, 0.98918831], 1.08920333),
}


def named(fig, name):
    matches = [t for t in fig.data if t.name == name]
    assert matches, f"no trace named {name!r} in {[t.name for t in fig.data]}"
    return matches[0]


@pytest.fixture(scope="module")
def trained():
    """A 16-unit RNN on counting, 60 steps: snapshots at 0, 1, 2, 5, 10, 20, 50."""
    experiment = Experiment(defaults_for("counting").replace(hidden_size=16, batch_size=8))
    experiment.train(60)
    return experiment


# -- worked maths ----------------------------------------------------------------------------------------
def test_worked_figure_draws_the_worked_examples_numbers():
    steps = worked.worked_example()
    fig = maths.worked_figure(steps)
    for terms in steps:
        bars = named(fig, f"t = {terms.step}")
        assert np.allclose(bars.y, terms.h, atol=0)
        expected_h, expected_y = L3_COMPUTED[terms.step]
        assert np.allclose(bars.y, expected_h, atol=1e-6)
        assert list(bars.text) == [f"{v:.3f}" for v in expected_h]
        y_bar = named(fig, f"y_{terms.step}")
        assert abs(y_bar.y[0] - expected_y) < 1e-6


def test_the_pages_latex_carries_the_worked_numbers_to_eight_digits():
    for terms in worked.worked_example():
        lines = worked_maths.compact_latex(equations.equations_latex(terms, digits=8))
        text = " ".join(lines)
        expected_h, expected_y = L3_COMPUTED[terms.step]
        for value in [*expected_h, expected_y]:
            assert f"{value:.8f}" in text
        assert lines[-1].startswith(r"\mathbf{h}_{" + str(terms.step) + "}") and r"\qquad y_{" in lines[-1]
    first = " ".join(equations.equations_latex(worked.worked_example()[0], digits=8))
    assert "0.20000000" in first and "0.50000000" in first and "0.80000000" in first  # a_1 as LESSONS prints it


def test_compact_latex_joins_only_short_neighbours_and_keeps_everything():
    lines = ["a" * 50, "b" * 60, "c" * 200, "d" * 10]
    assert worked_maths.compact_latex(lines, limit=120) == ["a" * 50 + r"\qquad " + "b" * 60, "c" * 200, "d" * 10]
    assert worked_maths.compact_latex([]) == []


def test_printed_against_computed_says_where_the_tutorial_is_wrong():
    table = worked_maths.printed_vs_computed(worked.worked_example())
    assert table["value"].tolist() == ["h_1", "y_1", "h_2", "y_2", "h_3", "y_3"]
    assert table["agree"].tolist() == ["yes", "no", "no", "no", "no", "no"]
    assert table.loc[1, "its equations give"] == "0.62274399" and table.loc[1, "the tutorial prints"] == "0.62507946"
    assert table.loc[2, "its equations give"] == "(0.42302613, 0.78886928, 0.93357029)"


def test_step_terms_figure_stacks_the_rnn_terms_of_the_shown_units(trained):
    terms = worked_maths.model_step(trained, 3, units=3)
    assert len(terms.units) == 3
    fig = maths.step_terms_figure(terms, ["2", "3", "4"])
    part = terms.parts["a"]
    for key, name in maths.PART_NAMES.items():
        assert np.allclose(named(fig, name).y, part[key][terms.units])
    assert np.allclose(named(fig, "a_t (their sum)").y, part["pre"][terms.units])
    assert np.allclose(named(fig, "h_t").y, np.tanh(part["pre"][terms.units]))
    assert "reads 4" in fig.layout.title.text


def test_step_terms_figure_shows_each_gate_for_an_lstm():
    experiment = Experiment(defaults_for("counting").replace(hidden_size=6, cell="lstm"))
    terms = worked_maths.model_step(experiment, 2, units=2)
    fig = maths.step_terms_figure(terms)
    for gate in ("input", "forget", "output"):
        assert np.allclose(named(fig, f"{gate} gate").y, terms.gates[gate][terms.units])
    assert np.allclose(named(fig, "candidate").y, terms.gates["candidate"][terms.units])


def test_bptt_figure_draws_the_chain_norms_and_the_product_back_from_the_end(trained):
    chain = worked_maths.model_chain(trained)
    _, labels = sequence.prefix_steps(trained)
    fig = maths.bptt_figure(chain, labels)
    bars, line = fig.data
    assert np.allclose(bars.y, chain.norms.numpy())
    assert np.allclose(line.y[:-1], chain.span_norms()) and line.y[-1] == 1.0
    assert np.isclose(line.y[0], chain.product_norm(0, chain.steps))
    # The RNN's step Jacobian is diag(tanh'(a_t)) W_hh: its norm, computed here from the weights.
    terms = worked_maths.model_step(trained, 1)
    slope = 1 - np.tanh(terms.parts["a"]["pre"]) ** 2
    w_hh = trained.model.rnn.weight_hh_l0.detach().double().numpy()
    assert np.isclose(bars.y[0], np.linalg.norm(slope[:, None] * w_hh, 2))


# -- spectral radius -------------------------------------------------------------------------------------
def test_spectral_figure_draws_the_eigenvalues_of_each_snapshot(trained):
    history = spectral_radius.spectral_history(trained)
    assert history["step"].tolist() == [0, 1, 2, 5, 10, 20, 50, 60]  # the snapshots, then now
    fig = analysis_charts.spectral_figure(history, "rnn")
    radius, singular = named(fig, "spectral radius"), named(fig, "largest singular value")
    assert list(radius.x) == [0, 1, 2, 5, 10, 20, 50, 60]
    for step, value, top in zip(radius.x, radius.y, singular.y):
        weights = (trained.trainer.snapshots[step]["rnn.weight_hh_l0"] if step in trained.trainer.snapshots
                   else trained.model.rnn.weight_hh_l0.detach()).double()
        assert np.isclose(value, float(torch.linalg.eigvals(weights).abs().max()), rtol=1e-9)
        assert np.isclose(top, float(torch.linalg.matrix_norm(weights, ord=2)), rtol=1e-9)
    expected = spectral_over_training(trained.trainer)
    assert np.allclose(radius.y[:-1], expected["spectral_radius"])
    assert f"ρ {radius.y[-1]:.3g}" in fig.layout.title.text


def test_spectral_history_measures_each_snapshot_once(trained, monkeypatch):
    spectral_radius.spectral_history(trained)
    measured = []
    real = spectral_table
    monkeypatch.setattr(spectral, "spectral_table", lambda *a, **k: measured.append(1) or real(*a, **k))
    again = spectral_radius.spectral_history(trained)
    assert len(measured) == 1 and len(again) == 8  # only "now", which is not a snapshot


def test_spectral_figure_for_gated_cells_and_layers_uses_the_candidate_block():
    experiment = Experiment(defaults_for("counting").replace(hidden_size=6, cell="gru", num_layers=2))
    experiment.train(2)
    table = spectral_radius.spectral_history(experiment)
    fig = analysis_charts.spectral_figure(table, "gru")
    line = named(fig, "spectral radius · layer 2")
    expected = table[(table.block == "candidate") & (table.layer == 1)]["spectral_radius"]
    assert np.allclose(line.y, expected)
    assert "candidate block" in fig.layout.title.text


# -- connectivity and the unit explorer ------------------------------------------------------------------
def test_connectivity_bars_are_the_connectivity_scores(trained):
    result = connectivity(trained.model, trained.dataset, "2 3 4 5", position=2)
    fig = analysis_charts.connectivity_figure(result)
    (bars,) = fig.data
    assert np.allclose(bars.y, result.scores) and np.isclose(sum(bars.y), 1.0)
    assert list(bars.customdata) == ["2", "3", "4", "5"]
    assert bars.marker.color[2] != bars.marker.color[0]  # the chosen step stands out
    assert f"p({result.target_label})" in fig.layout.title.text and "step 3" in fig.layout.title.text


def test_connectivity_matrix_figure_is_the_lower_triangle(trained):
    matrix = connectivity_matrix(trained.model, trained.dataset, "2 3 4 5")
    fig = analysis_charts.connectivity_matrix_figure(matrix, ["2", "3", "4", "5"])
    z = np.array(fig.data[0].z, dtype=float)
    below = np.tril(np.ones((4, 4), dtype=bool))
    assert np.allclose(z[below], matrix[below]) and np.isnan(z[~below]).all()


def test_connectivity_matrix_is_kept_a_few_seconds_while_training():
    experiment = Experiment(defaults_for("counting").replace(hidden_size=8, batch_size=4))
    now = [100.0]
    clock = lambda: now[0]  # noqa: E731
    matrix, step = connectivity_view.connectivity_matrix(experiment, clock=clock)
    assert step == 0 and np.allclose(matrix, connectivity_matrix(experiment.model, experiment.dataset, "234"))
    experiment.train(1)
    now[0] += 1.0
    assert connectivity_view.connectivity_matrix(experiment, clock=clock)[1] == 0  # a second old: kept
    now[0] += 5.0
    fresh, step = connectivity_view.connectivity_matrix(experiment, clock=clock)
    assert step == 1 and np.allclose(fresh, connectivity_matrix(experiment.model, experiment.dataset, "234"))
    experiment.config = experiment.config.replace(prefix="56")
    assert connectivity_view.connectivity_matrix(experiment, clock=clock)[0].shape == (2, 2)  # a new prefix: at once
    fig = analysis_charts.connectivity_matrix_figure(fresh, ["2", "3", "4"], step=1)
    assert "model at step 1" in fig.layout.title.text


def test_unit_figure_and_contexts_are_the_unit_report(trained):
    report = unit_explorer.unit_report(trained, 3)
    fig = analysis_charts.unit_symbols_figure(report)
    (bars,) = fig.data
    assert np.allclose(bars.x, report.by_symbol["mean"]) and list(bars.y) == list(report.by_symbol["symbol"])
    assert list(bars.x) == sorted(bars.x, reverse=True)
    contexts = analysis_charts.contexts_frame(report)
    assert len(contexts) == len(report.top) == 8
    assert contexts["activation"].tolist() == [f"{v:+.3f}" for v in report.top["activation"]]
    assert len({len(text) for text in contexts["before"]}) == 1  # padded: the inputs line up
    assert [text.strip() for text in contexts["before"]] == [text.strip() for text in report.top["before"]]


# -- memory tasks ----------------------------------------------------------------------------------------
def test_lag_accuracy_figure_draws_one_line_per_cell_and_chance():
    table = pd.DataFrame({"cell": ["rnn", "rnn", "lstm", "lstm"], "lag": [10, 40, 10, 40],
                          "headline": [0.9, 0.26, 1.0, 0.97], "steps": [300, 300, 50, 100],
                          "seconds": [1.0, 2.0, 0.5, 0.6]})
    fig = memory.lag_accuracy_figure(table, chance=0.25, task="recall")
    assert list(named(fig, "RNN (tanh)").y) == [0.9, 0.26] and list(named(fig, "LSTM").x) == [10, 40]
    assert fig.layout.shapes[0].y0 == 0.25
    assert "Run the sweep" in memory.lag_accuracy_figure(None).layout.annotations[0].text


def test_chance_levels():
    assert memory_score.chance_level("recall") == 0.25
    assert memory_score.chance_level("brackets") == 0.5
    assert np.isclose(memory_score.chance_level("adding"), 0.19)
    # A constant answer of 1.0 to the sum of two U(0, 1) numbers, checked by sampling.
    sums = torch.rand(200_000, 2, generator=torch.Generator().manual_seed(0)).sum(dim=1)
    assert abs(float(((sums - 1.0).abs() <= 0.1).float().mean()) - 0.19) < 0.005


def test_gradient_profile_figure_draws_each_cells_profile_and_yours():
    profiles = gradient_profiles("recall", 6, cells=("rnn", "lstm"), hidden_size=4)
    current = np.linspace(1.0, 2.0, 8)
    fig = memory.gradient_profile_figure(profiles, current=current, current_label="yours")
    for cell, name in (("rnn", "RNN (tanh)"), ("lstm", "LSTM")):
        expected = profiles[profiles.cell == cell]["grad_norm_last"].to_numpy()
        assert np.allclose(named(fig, name).y, expected)
    assert np.allclose(named(fig, "yours").y, current) and fig.layout.yaxis.type == "log"


def test_memory_score_only_for_memory_tasks():
    assert memory_score.memory_score(Experiment(defaults_for("counting").replace(hidden_size=4))) is None
    experiment = Experiment(defaults_for("brackets").replace(hidden_size=4, lag=6))
    scores = memory_score.memory_score(experiment)
    assert scores["which"] == "accuracy_last" and scores["headline"] == scores["accuracy_last"]
    assert scores["chance"] == 0.5 and 0 <= scores["accuracy"] <= 1


# -- side by side ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def side_by_side():
    going = Comparison.of_kind("clipping", defaults_for("counting").replace(hidden_size=8, batch_size=4, lr=0.05))
    going.train(30)
    return going


def test_compare_loss_and_gradient_figures_share_one_axis(side_by_side):
    histories = side_by_side.histories()
    fig = compare_charts.compare_loss_figure(histories, side_by_side.labels)
    for label, experiment in zip(side_by_side.labels, side_by_side.experiments):
        trend = named(fig, label)
        assert list(trend.x) == list(range(1, 31))
        assert np.isclose(trend.y[-1], experiment.trainer.history["loss"].ewm(span=5, adjust=True).mean().iloc[-1])
    grads = compare_charts.compare_grad_norm_figure(histories, side_by_side.labels,
                                                    [e.trainer.clip for e in side_by_side.experiments])
    for label, experiment in zip(side_by_side.labels, side_by_side.experiments):
        assert np.allclose(named(grads, label).y, experiment.trainer.history["grad_norm"])
    assert len(grads.layout.shapes) == 1 and grads.layout.shapes[0].y0 == 1.0  # only the clipped model has θ


def test_compare_step_grad_and_prediction_figures(side_by_side):
    entries = [(label, e.trainer.gradient_log[-1]) for label, e in zip(side_by_side.labels, side_by_side.experiments)]
    fig = compare_charts.compare_step_grad_figure(entries)
    for label, entry in entries:
        assert np.allclose(named(fig, label).y, entry["grad_norms_last"][-1])
    predictions = [(label, e.predict("2 3 4", n=3)) for label, e in zip(side_by_side.labels, side_by_side.experiments)]
    fig = compare_charts.compare_prediction_figure(predictions)
    assert [a.text for a in fig.layout.annotations] == side_by_side.labels  # one panel each
    first_panel = [t for t in fig.data if t.xaxis == "x"]
    top = predictions[0][1].top(3)
    assert np.allclose(first_panel[0].y, [row[0][1] for row in top])


def test_compare_prediction_figure_for_a_series_shares_the_prefix():
    going = Comparison.of_kind("cells", defaults_for("sine").replace(hidden_size=3))
    predictions = [(label, e.predict(n=4)) for label, e in zip(going.labels, going.experiments)]
    fig = compare_charts.compare_prediction_figure(predictions)
    assert [t.name for t in fig.data] == ["prefix", *going.labels]
    for (_, prediction), line in zip(predictions, fig.data[1:]):
        assert np.allclose(line.y[1:], prediction.generated)
