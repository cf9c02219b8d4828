"""Lesson L4: the carried state is the previous batch's last h; the true continuation and the compact table."""

import copy

import pytest
import torch

from rnnviz.config import defaults_for
from rnnviz.datasets import load_dataset, make_series
from rnnviz.experiment import Experiment
from rnnviz.insight.carried import next_chain
from rnnviz.insight.series_truth import MAX_COLUMNS, before_after_table, true_continuation


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_the_carried_state_is_the_previous_batchs_last_h(cell):
    experiment = Experiment(defaults_for("sine").replace(cell=cell, batch_size=4))
    assert experiment.config.carry_state
    assert not next_chain(experiment).carried  # before the first step the chain starts from zeros
    experiment.train(2)
    weights_then = copy.deepcopy(experiment.model)  # the weights step 3 runs with
    experiment.train(1)
    inputs3, targets3, start3 = experiment.trainer.last_batch
    with torch.no_grad():
        _, end3 = weights_then(inputs3, start3)
    h3 = end3[0] if cell == "lstm" else end3
    carried = experiment.trainer.state[0] if cell == "lstm" else experiment.trainer.state
    assert torch.allclose(carried, h3, atol=1e-6)  # the carried state is batch 3's last h
    chain = next_chain(experiment)
    assert chain.carried and chain.batch == 4
    assert torch.equal(chain.start, carried[:, 0])  # the chain drawn starts from it, lane 1
    experiment.train(1)
    inputs4, _, start4 = experiment.trainer.last_batch
    assert torch.equal((start4[0] if cell == "lstm" else start4)[:, 0], chain.start)  # and so did training
    assert torch.equal(chain.inputs[0], inputs4[0])
    assert float(inputs4[0, 0, 0]) == float(targets3[0, -1, 0])  # the lane goes on where it stopped
    with torch.no_grad():  # the chain's first h is the cell applied to x_1 and the carried h
        first, _ = weights_then.rnn(weights_then.features(inputs4[:1, :1]), None)
    assert not torch.allclose(chain.result.hidden[-1, 0, 0], first[0, 0])  # zeros would give another h


def test_the_true_continuation_of_the_lessons_sine_prefix():
    ds = load_dataset("sine")
    truth = true_continuation(ds, ds.parse_prefix("0, 0.16, 0.31, 0.45"), 5)
    assert truth == pytest.approx([torch.sin(torch.tensor(k * torch.pi / 20)).item() for k in range(4, 9)], abs=1e-6)
    assert true_continuation(ds, [5.0, 6.0], 5) is None  # not in the data
    column = make_series([1, 2, 3, 10, 20, 30, 1, 2, 3, 4])
    assert true_continuation(column, [2, 3], 2) == [10, 20]  # the first stretch that matches


def test_the_before_after_table_is_one_line_per_model_with_its_error():
    truth = [0.5, 0.6, 0.7] * 10
    table = before_after_table([("before training", [0.0] * 30), ("now (step 900)", truth)], truth)
    assert list(table[""]) == ["true", "before training", "now (step 900)"]
    assert table.shape == (3, MAX_COLUMNS + 2)
    assert table.iloc[2]["RMSE vs true"] == "0.000" and float(table.iloc[1]["RMSE vs true"]) > 0.5
