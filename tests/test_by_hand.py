"""The by-hand view (lesson L1): a loop over nn.*Cell sharing the fused module's weights gives its numbers."""

import pytest
import torch

from rnnviz.datasets import load_dataset
from rnnviz.nn.by_hand import cells_for, compare, loop
from rnnviz.nn.model import SeqModel


@pytest.mark.parametrize("cell, layers, nonlinearity", [("rnn", 1, "tanh"), ("rnn", 3, "relu"), ("lstm", 2, "tanh"),
                                                         ("gru", 3, "tanh"), ("lstm", 1, "tanh")])
def test_the_cell_loop_gives_the_fused_modules_numbers(cell, layers, nonlinearity):
    torch.manual_seed(0)
    ds = load_dataset("counting")
    model = SeqModel.for_dataset(ds, cell=cell, hidden_size=16, num_layers=layers, nonlinearity=nonlinearity)
    inputs = torch.tensor([ds.parse_prefix("2345")])
    result = compare(model, inputs)
    fused, state = model.rnn(model.features(inputs))
    assert torch.allclose(result.fused, fused[0].detach())
    assert result.loop.shape == (4, 16) and result.final_loop.shape == (layers, 16)
    assert result.agree and result.largest_difference <= 1e-5
    assert float((result.fused - result.loop).abs().max()) <= result.largest_difference
    assert f"nn.{ {'rnn': 'RNNCell', 'lstm': 'LSTMCell', 'gru': 'GRUCell'}[cell]}" in result.code


def test_the_cells_share_the_fused_modules_parameters():
    ds = load_dataset("sine")
    model = SeqModel.for_dataset(ds, cell="gru", hidden_size=5, num_layers=2)
    cells = cells_for(model)
    assert cells[1].weight_hh is model.rnn.weight_hh_l1 and cells[0].bias_ih is model.rnn.bias_ih_l0
    with torch.no_grad():
        model.rnn.weight_ih_l0.mul_(3.0)  # a change to the module is a change to the cells
    features = model.features(ds.batch(2, 6)[0])
    with torch.no_grad():
        assert torch.allclose(loop(model, features, cells)[0], model.rnn(features)[0], atol=1e-5)


def test_a_loop_with_other_weights_shows_a_real_difference():
    ds = load_dataset("counting")
    torch.manual_seed(1)
    model, other = (SeqModel.for_dataset(ds, hidden_size=8) for _ in range(2))
    inputs = torch.tensor([ds.parse_prefix("234")])
    result = compare(model, inputs)
    with torch.no_grad():
        wrong, _ = loop(model, model.features(inputs), cells_for(other))
    assert result.agree and float((wrong[0] - result.fused).abs().max()) > 1e-2
