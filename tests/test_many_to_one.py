"""Lesson L1b, many-to-one: six digits → yes/no from the last hidden state through the Linear head."""

import pytest
import torch
import torch.nn.functional as F

from rnnviz.config import defaults_for
from rnnviz.datasets import load_dataset
from rnnviz.datasets.base import IGNORE_INDEX
from rnnviz.datasets.climbs import EXAMPLES, LENGTH, climbs
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment
from rnnviz.insight.many_to_one import readout
from rnnviz.lessons import LESSONS, lesson_query
from rnnviz.nn.trace import mean_loss


def test_only_the_last_step_has_a_label_and_it_is_right():
    ds = load_dataset("climbs")
    inputs, targets = ds.batch(2000, None, torch.Generator().manual_seed(3))
    assert inputs.shape == targets.shape == (2000, LENGTH) and int(inputs.max()) <= 9
    assert (targets[:, :-1] == IGNORE_INDEX).all()
    labels = targets[:, -1]
    assert ((labels == ds.yes) == climbs(inputs)).all() and set(labels.tolist()) == {ds.yes, ds.no}
    assert 0.4 < float((labels == ds.yes).float().mean()) < 0.6
    sorted_rows = inputs.sort(dim=1).values
    near_misses = (~climbs(inputs)) & (sorted_rows[:, 1:] > sorted_rows[:, :-1]).all(dim=1)
    assert int(near_misses.sum()) > 300  # distinct digits out of order: the hard negatives


def test_the_loss_is_cross_entropy_of_the_last_hidden_state_through_the_head():
    experiment = Experiment(defaults_for("climbs").replace(hidden_size=8, num_layers=2, cell="gru"))
    ds, model = experiment.dataset, experiment.model
    inputs, targets = ds.batch(16, None, torch.Generator().manual_seed(0))
    outputs, state = model(inputs)
    by_pytorch = F.cross_entropy(model.head(state[-1]), targets[:, -1])  # h_T of the top layer → Linear
    assert mean_loss(model, outputs, targets).item() == pytest.approx(by_pytorch.item(), rel=1e-6)


def test_prefixes_are_rows_of_digits():
    ds = load_dataset("climbs")
    assert ds.parse_prefix("135789") == ds.parse_prefix("1 3 5 7 8 9") == ds.parse_prefix("1,3,5,7,8,9")
    for bad in ("13a", "yes", "", "12 x"):
        with pytest.raises(InputError):
            ds.parse_prefix(bad)


def test_the_lesson_learns_to_judge_rows_from_the_last_hidden_state():
    experiment = Experiment(LESSONS["L1b"].config)
    before = readout(experiment.model, experiment.dataset)
    experiment.train(LESSONS["L1b"].config.steps)
    after = readout(experiment.model, experiment.dataset)
    assert before.accuracy < 0.8 < 0.9 <= after.accuracy
    assert after.said == after.truth  # every example right, near misses included
    assert after.last_hidden.shape == (len(EXAMPLES), 32) and after.held_out_points.shape == (200, 2)
    assert experiment.predict("135789").continuation == "yes" and experiment.predict("135798").continuation == "no"
    assert lesson_query("L1b") == "?dataset=climbs"
