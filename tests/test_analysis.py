"""analysis: spectral radius, connectivity and the unit explorer against independent references
(numpy's eigenvalues, torch.func gradients through the fused module, a plain forward pass)."""

import numpy as np
import pytest
import torch
from conftest import seeded_model

from rnnviz import InputError, Trainer, load_dataset
from rnnviz.insight.connectivity import connectivity, connectivity_matrix
from rnnviz.insight.spectral import spectral_over_training, spectral_radius, spectral_table
from rnnviz.insight.units import unit_report

# -- spectral radius ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell,blocks", [("rnn", ["W_hh"]), ("lstm", ["input", "forget", "candidate", "output"]),
                                         ("gru", ["reset", "update", "candidate"])])
def test_spectral_table_is_eigvals_and_singular_values_of_each_block(cell, blocks):
    ds = load_dataset("counting")
    model = seeded_model(ds, cell=cell, hidden_size=7, num_layers=2)
    table = spectral_table(model)
    assert list(table.columns) == ["layer", "block", "spectral_radius", "largest_singular"]
    assert len(table) == 2 * len(blocks)
    for row in table.itertuples():
        weight = getattr(model.rnn, f"weight_hh_l{row.layer}").detach().double()
        k = blocks.index(row.block)
        matrix = weight[k * 7:(k + 1) * 7]
        assert row.spectral_radius == pytest.approx(float(torch.linalg.eigvals(matrix).abs().max()), rel=1e-9)
        assert row.spectral_radius == pytest.approx(np.abs(np.linalg.eigvals(matrix.numpy())).max(), rel=1e-9)
        assert row.largest_singular == pytest.approx(np.linalg.svd(matrix.numpy(), compute_uv=False)[0], rel=1e-9)
        assert row.spectral_radius <= row.largest_singular + 1e-12
    headline = "W_hh" if cell == "rnn" else "candidate"
    first = table[(table.layer == 1) & (table.block == headline)].spectral_radius.item()
    assert spectral_radius(model, layer=1) == pytest.approx(first)


def test_spectral_radius_and_singular_value_differ_for_a_nilpotent_matrix():
    ds = load_dataset("counting")
    model = seeded_model(ds, hidden_size=3)
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(torch.tensor([[0.0, 2.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]))
    row = spectral_table(model).iloc[0]
    assert row.spectral_radius == pytest.approx(0.0, abs=1e-6)  # repeated multiplication dies out...
    assert row.largest_singular == pytest.approx(2.0)  # ...though one step can double a vector
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(1.5 * torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    assert spectral_radius(model) == pytest.approx(1.5)


def test_spectral_over_training_reads_the_snapshots():
    ds = load_dataset("counting")
    model = seeded_model(ds, hidden_size=16)
    trainer = Trainer(model, ds, lr=0.05, batch_size=8, seq_len=10)
    trainer.train_steps(20)
    over = spectral_over_training(trainer)
    assert sorted(set(over.step)) == trainer.snapshot_steps() == [0, 1, 2, 5, 10, 20]
    start = over[over.step == 0].spectral_radius.item()
    assert start == pytest.approx(spectral_radius(trainer.model_at(0)))
    assert over[over.step == 20].spectral_radius.item() == pytest.approx(spectral_radius(model))
    assert over[over.step == 20].spectral_radius.item() != pytest.approx(start)
    with pytest.raises(InputError, match="cell"):
        spectral_table(trainer.snapshots[0])


# -- connectivity --------------------------------------------------------------------------------

def reference_gradient(model, features, position, target, quantity):
    """∂(chosen output)/∂features by torch.func through the fused module, not rnnviz's replay."""
    def chosen(x):
        hidden, _ = model.rnn(x)
        output = model.head(hidden)[0, position]
        if target is None:
            return output[0]
        return torch.softmax(output, -1)[target] if quantity == "probability" else output[target]

    return torch.func.grad(chosen)(features)[0].detach()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("quantity", ["probability", "logit"])
def test_connectivity_equals_an_autograd_reference(cell, quantity):
    ds = load_dataset("shakespeare")
    model = seeded_model(ds, cell=cell, hidden_size=12, num_layers=2)
    prefix = "To be or not"
    for position in (3, -1):
        result = connectivity(model, ds, prefix, position=position, quantity=quantity)
        ids = torch.tensor([ds.parse_prefix(prefix)])
        features = model.features(ids).detach()
        with torch.no_grad():
            logits = model(ids)[0][0, position]
        assert result.target == int(logits.argmax()) and result.target_label == ds.symbols[result.target]
        grad = reference_gradient(model, features, position, result.target, quantity)
        raw = grad.norm(dim=-1).numpy()
        assert np.allclose(result.raw, raw, rtol=1e-4, atol=1e-9)
        assert np.allclose(result.scores, raw / raw.sum(), rtol=1e-4, atol=1e-7)
        assert result.scores.sum() == pytest.approx(1.0)
        assert not result.scores[result.position + 1:].any()  # later inputs cannot move an earlier output
        assert result.labels == list(prefix)


def test_connectivity_with_embeddings_and_a_chosen_target():
    ds = load_dataset("counting")
    model = seeded_model(ds, cell="gru", hidden_size=8, embedding_dim=4)
    result = connectivity(model, ds, "2 3 4 5", target=7)
    ids = torch.tensor([[2, 3, 4, 5]])
    features = model.features(ids).detach()
    raw = reference_gradient(model, features, -1, 7, "probability").norm(dim=-1).numpy()
    assert result.target == 7 and np.allclose(result.raw, raw, rtol=1e-4)
    assert result.labels == ["2", "3", "4", "5"]


def test_connectivity_on_a_series_differentiates_the_value():
    ds = load_dataset("sine")
    model = seeded_model(ds, cell="lstm", hidden_size=5)
    result = connectivity(model, ds, "0, 0.16, 0.31, 0.45, 0.59")
    features = ds.to_model([0, 0.16, 0.31, 0.45, 0.59]).reshape(1, -1, 1)
    raw = reference_gradient(model, features, -1, None, None).norm(dim=-1).numpy()
    assert result.quantity == "value" and result.target is None
    assert np.allclose(result.raw, raw, rtol=1e-4)


def test_connectivity_matrix_rows_are_connectivity_at_each_step():
    ds = load_dataset("shakespeare")
    model = seeded_model(ds, cell="rnn", hidden_size=10)
    matrix = connectivity_matrix(model, ds, "To be or")
    assert matrix.shape == (8, 8)
    for position in range(8):
        assert np.allclose(matrix[position], connectivity(model, ds, "To be or", position=position).scores)
    assert np.allclose(np.triu(matrix, 1), 0)


def test_connectivity_refuses_bad_requests():
    ds = load_dataset("shakespeare")
    model = seeded_model(ds, hidden_size=4)
    with pytest.raises(InputError, match="output step from 0 to 4"):
        connectivity(model, ds, "To be", position=5)
    with pytest.raises(InputError, match="probability or the logit"):
        connectivity(model, ds, "To be", quantity="loss")
    with pytest.raises(InputError, match="vocabulary"):
        connectivity(model, ds, "To be ~")
    with pytest.raises(InputError, match="at most 150"):
        connectivity_matrix(model, ds, "To be " * 30)


# -- the unit explorer ----------------------------------------------------------------------------

def test_unit_report_on_a_stream_matches_a_forward_pass():
    ds = load_dataset("shakespeare")
    model = seeded_model(ds, cell="rnn", hidden_size=6)
    report = unit_report(model, ds, unit=2, top=5, width=8, after=3)
    with torch.no_grad():
        hidden, _ = model.rnn(model.features(ds.stream.reshape(1, -1)))
    activations = hidden[0, :, 2].double().numpy()
    assert np.allclose(report.activations[0], activations, atol=1e-5)
    text = ds.format(ds.stream.tolist())
    for row in report.by_symbol.itertuples():
        positions = [i for i, char in enumerate(text) if char == row.symbol]
        assert row.count == len(positions)
        assert row.mean == pytest.approx(activations[positions].mean(), abs=1e-5)
    assert list(report.by_symbol["mean"]) == sorted(report.by_symbol["mean"], reverse=True)
    best = report.top.iloc[0]
    assert best.activation == pytest.approx(activations.max(), abs=1e-5)
    p = int(best.position)
    assert (best.before, best.symbol, best.after) == (text[max(0, p - 8):p], text[p], text[p + 1:p + 4])
    assert list(report.top.activation) == sorted(report.top.activation, reverse=True)
    lowest = unit_report(model, ds, unit=2, top=1, order="low").top.iloc[0]
    assert lowest.activation == pytest.approx(activations.min(), abs=1e-5)


def test_unit_report_in_windows_and_on_lstm_cells():
    ds = load_dataset("counting")
    model = seeded_model(ds, cell="lstm", hidden_size=4, num_layers=2)
    report = unit_report(model, ds, unit=1, layer=1, state="cell", seq_len=20, max_steps=200)
    assert len(report.activations) == 10 and all(len(a) == 20 for a in report.activations)
    with torch.no_grad():
        windows = ds.stream[:200].reshape(10, 20)
        _, (h, c) = model.rnn(model.features(windows))
    # The last step of each window: its cell state, layer 1, unit 1.
    assert np.allclose([a[-1] for a in report.activations], c[1, :, 1].numpy(), atol=1e-5)
    assert set(report.by_symbol.symbol) <= set(ds.symbols)


def test_unit_report_on_items_series_and_memory_tasks():
    sentences = load_dataset("sentences")
    report = unit_report(seeded_model(sentences, hidden_size=4), sentences, unit=0)
    assert len(report.activations) == 3 and report.by_symbol["count"].sum() == 3 * 14
    sine = load_dataset("sine")
    report = unit_report(seeded_model(sine, hidden_size=3), sine, unit=1, max_steps=400)
    assert len(report.by_symbol) == 10 and report.by_symbol["count"].sum() == 400
    recall = load_dataset("recall", lag=10)
    report = unit_report(seeded_model(recall, cell="gru", hidden_size=4), recall, unit=3)
    assert set(report.by_symbol.symbol) == set(recall.symbols)
    assert report.top.symbol.map(len).eq(1).all()


def test_unit_report_refuses_bad_requests():
    ds = load_dataset("counting")
    model = seeded_model(ds, hidden_size=4)
    with pytest.raises(InputError, match="unit from 0 to 3"):
        unit_report(model, ds, unit=4)
    with pytest.raises(InputError, match="'cell' for an LSTM"):
        unit_report(model, ds, unit=0, state="cell")
    with pytest.raises(InputError, match="layer"):
        unit_report(model, ds, unit=0, layer=1)
