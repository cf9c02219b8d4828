"""The parameter-count explorer (lesson L3) against PyTorch's own modules."""

import itertools

import pytest
import torch
from torch import nn

from rnnviz.errors import InputError
from rnnviz.nn.param_count import count_parameters, why_they_differ

MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def test_the_lessons_example_gives_24330_and_24202():
    counts = count_parameters(50, 128, 10)
    rnn, head = nn.RNN(50, 128, batch_first=True), nn.Linear(128, 10)
    assert counts.pytorch == sum(p.numel() for p in rnn.parameters()) + sum(p.numel() for p in head.parameters())
    assert (counts.pytorch, counts.textbook, counts.extra_biases) == (24_330, 24_202, 128)
    assert "1 extra bias vector" in why_they_differ(counts, "rnn", 1, False)


@pytest.mark.parametrize("cell, layers, bidirectional",
                         list(itertools.product(["rnn", "lstm", "gru"], [1, 2, 3], [False, True])))
def test_the_breakdown_adds_up_to_real_modules(cell, layers, bidirectional):
    counts = count_parameters(7, 5, 3, cell=cell, num_layers=layers, bidirectional=bidirectional)
    rnn = MODULES[cell](7, 5, layers, batch_first=True, bidirectional=bidirectional)
    head = nn.Linear(5 * (2 if bidirectional else 1), 3)
    real = sum(p.numel() for p in rnn.parameters()) + sum(p.numel() for p in head.parameters())
    assert sum(part.count for part in counts.parts) == counts.pytorch == real
    # The textbook form drops exactly the b_hh vectors PyTorch keeps.
    b_hh = sum(p.numel() for name, p in rnn.named_parameters() if name.startswith("bias_hh"))
    assert counts.textbook == real - b_hh


def test_bidirectional_doubles_the_output_width():
    rnn = nn.RNN(4, 6, batch_first=True, bidirectional=True)
    output, _ = rnn(torch.zeros(1, 3, 4))
    counts = count_parameters(4, 6, 2, bidirectional=True)
    assert counts.output_width == output.shape[-1] == 12
    assert "twice the hidden size" in why_they_differ(counts, "rnn", 1, True)


@pytest.mark.parametrize("bad", [dict(input_size=0), dict(hidden_size=10**6), dict(num_layers=2.5),
                                 dict(cell="transformer"), dict(output_size=True)])
def test_out_of_range_sizes_are_refused_with_a_message(bad):
    with pytest.raises(InputError):
        count_parameters(**bad)
