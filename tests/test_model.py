"""SeqModel: the architecture a learner picks, its parameter count (L3) and its refusals."""

import pytest
import torch
from conftest import seeded_model
from torch import nn

from rnnviz import InputError, SeqModel, load_dataset
from rnnviz.nn.model import detach_state


def test_parameter_count_of_the_l3_example():
    model = SeqModel(50, 10, cell="rnn", hidden_size=128)
    count = model.parameter_count()
    assert count.pytorch == 24_330
    assert count.one_bias == 24_202
    assert count.extra_biases == 128
    assert count.pytorch == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("cell,gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
@pytest.mark.parametrize("layers", [1, 2])
def test_parameter_count_by_hand(cell, gates, layers):
    inputs, hidden, outputs = 7, 5, 3
    model = SeqModel(inputs, outputs, cell=cell, hidden_size=hidden, num_layers=layers)
    per_layer = [gates * hidden * (width + hidden + 2) for width in [inputs] + [hidden] * (layers - 1)]
    expected = sum(per_layer) + hidden * outputs + outputs
    count = model.parameter_count()
    assert count.pytorch == expected
    assert count.one_bias == expected - layers * gates * hidden


@pytest.mark.parametrize("cell,kind", [("rnn", nn.RNN), ("lstm", nn.LSTM), ("gru", nn.GRU)])
def test_for_dataset_builds_one_hot_models(cell, kind):
    ds = load_dataset("counting", seed=0)
    model = SeqModel.for_dataset(ds, cell=cell, hidden_size=8, num_layers=2)
    assert isinstance(model.rnn, kind) and model.rnn.batch_first
    assert model.rnn.input_size == 20 and model.rnn.num_layers == 2
    assert isinstance(model.head, nn.Linear) and model.head.out_features == 20
    inputs, _ = ds.batch(4, 6, torch.Generator().manual_seed(0))
    features = model.features(inputs)
    assert features.shape == (4, 6, 20) and features.dtype == torch.float32
    assert torch.equal(features.argmax(-1), inputs) and torch.equal(features.sum(-1), torch.ones(4, 6))
    outputs, state = model(inputs)
    assert outputs.shape == (4, 6, 20)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 4, 8)


def test_embedding_and_series_features():
    ds = load_dataset("counting", seed=0)
    model = SeqModel.for_dataset(ds, hidden_size=8, embedding_dim=3)
    inputs, _ = ds.batch(2, 5)
    assert model.features(inputs).shape == (2, 5, 3) and model.rnn.input_size == 3
    sine = load_dataset("sine", seed=0)
    model = SeqModel.for_dataset(sine, hidden_size=5)
    assert model.vocab_size is None and model.rnn.input_size == 1 and model.head.out_features == 1
    values, _ = sine.batch(2, 5)
    assert torch.equal(model.features(values), values)
    assert model(values)[0].shape == (2, 5, 1)


def test_initial_state_is_zero_and_shaped_per_cell():
    ds = load_dataset("counting", seed=0)
    h = SeqModel.for_dataset(ds, cell="gru", hidden_size=4, num_layers=3).initial_state(2)
    assert h.shape == (3, 2, 4) and not h.any()
    h, c = SeqModel.for_dataset(ds, cell="lstm", hidden_size=4, num_layers=3).initial_state(2)
    assert h.shape == c.shape == (3, 2, 4) and not h.any() and not c.any()
    assert h.data_ptr() != c.data_ptr()


def test_forget_bias_sets_the_forget_gate_of_every_layer():
    model = SeqModel(3, 2, cell="lstm", hidden_size=4, num_layers=2, forget_bias=1.5)
    for layer in range(2):
        b_ih = getattr(model.rnn, f"bias_ih_l{layer}")
        b_hh = getattr(model.rnn, f"bias_hh_l{layer}")
        assert torch.equal(b_ih[4:8], torch.full((4,), 1.5))
        assert not b_hh[4:8].any()
        assert not torch.equal(b_ih[:4], torch.full((4,), 1.5))


def test_settings_rebuild_the_same_architecture():
    ds = load_dataset("sentences", seed=0)
    model = seeded_model(ds, cell="gru", hidden_size=6, num_layers=2, embedding_dim=4)
    twin = SeqModel(**model.settings())
    twin.load_state_dict(model.state_dict())
    inputs, _ = ds.batch(3, 14)
    with torch.no_grad():
        assert torch.equal(model(inputs)[0], twin(inputs)[0])


@pytest.mark.parametrize("settings,words", [
    (dict(cell="transformer"), ["'transformer'", "rnn", "lstm", "gru"]),
    (dict(nonlinearity="sigmoid"), ["'sigmoid'", "tanh", "relu"]),
    (dict(cell="lstm", nonlinearity="relu"), ["relu", "LSTM"]),
])
def test_bad_architecture_is_refused_with_a_message(settings, words):
    with pytest.raises(InputError) as error:
        SeqModel(3, 2, hidden_size=4, **settings)
    for word in words:
        assert word in str(error.value)


def test_detach_state_cuts_the_graph():
    x = torch.ones(2, requires_grad=True)
    assert detach_state(None) is None
    assert detach_state(x * 2).grad_fn is None
    h, c = detach_state((x * 2, x * 3))
    assert h.grad_fn is None and c.grad_fn is None and torch.equal(c, torch.full((2,), 3.0))


def test_models_are_named_as_learners_say_them():
    from rnnviz.nn.model import describe

    assert describe("rnn", 12) == "an RNN with 12 units"
    assert describe("lstm", 32) == "an LSTM with 32 units"
    assert describe("gru", 1) == "a GRU with 1 unit"
    assert describe("rnn", 128, 2, "relu") == "a 2-layer RNN (relu) with 128 units each"
