"""compare: models one setting apart, on one dataset and seed, trained in lockstep through Experiment.train."""

import math

import pytest
import torch

from rnnviz import InputError
from rnnviz.compare import KINDS, Comparison, variants
from rnnviz.config import defaults_for

BASE = defaults_for("counting").replace(hidden_size=8, batch_size=4, seq_len=6)


def test_each_kind_changes_only_its_setting():
    for kind in KINDS:
        pairs = variants(kind, BASE)
        assert 2 <= len(pairs) <= 3
        for _, config in pairs:
            changed = {name for name in config.to_dict() if getattr(config, name) != getattr(BASE, name)}
            assert changed <= {"cell", "nonlinearity", "forget_bias", "clip", "optimizer"}, (kind, changed)
    assert [c.cell for _, c in variants("cells", BASE)] == ["rnn", "lstm", "gru"]
    assert variants("cells", BASE)[1][1].forget_bias == 1.0  # an LSTM compared starts with its forget gate open
    assert variants("cells", defaults_for("recall"))[1][1].forget_bias == 5.0  # or as the preset has it
    assert [c.clip for _, c in variants("clipping", BASE)] == [0.0, 1.0]
    assert [c.clip for _, c in variants("clipping", BASE.replace(clip=2.5))] == [0.0, 2.5]
    assert [c.optimizer for _, c in variants("optimizer", BASE)] == ["sgd", "adam"]
    with pytest.raises(InputError, match="Unknown comparison"):
        variants("transformer", BASE)


def test_models_share_the_dataset_and_see_the_same_batches():
    going = Comparison.of_kind("cells", BASE)
    assert going.labels == ["RNN (tanh)", "LSTM", "GRU"]
    assert all(e.dataset is going.dataset for e in going.experiments)
    going.train(3)
    first = going.experiments[0].trainer.last_batch[0]
    for experiment in going.experiments[1:]:
        assert torch.equal(experiment.trainer.last_batch[0], first)
    assert [e.model.cell for e in going.experiments] == ["rnn", "lstm", "gru"]


def test_same_seed_same_start_then_the_one_setting_makes_the_difference():
    going = Comparison.of_kind("clipping", BASE.replace(lr=0.5, clip=0.01))
    off, on = going.experiments
    assert all(torch.equal(a, b) for a, b in zip(off.model.state_dict().values(), on.model.state_dict().values()))
    going.train(2)
    assert (on.trainer.history["grad_norm_clipped"] <= 0.01 + 1e-6).all()
    assert (off.trainer.history["grad_norm_clipped"] == off.trainer.history["grad_norm"]).all()
    assert not torch.equal(off.model.head.weight, on.model.head.weight)


def test_train_keeps_the_models_in_step_and_uses_the_given_call():
    going = Comparison.of_kind("cells", BASE)
    calls = []

    def train(experiment, steps, seconds):
        calls.append((experiment.config.cell, steps, seconds))
        return experiment.train(steps, max_seconds=seconds)

    assert going.train(4, max_seconds=30.0, train=train) == 4
    assert [e.step for e in going.experiments] == [4, 4, 4]
    assert calls == [("rnn", 4, 10.0), ("lstm", 4, 10.0), ("gru", 4, 10.0)]  # an equal share each
    going.train(2)
    assert going.step == 6 and len(going.histories()) == 18
    assert going.histories().groupby("model").step.max().to_dict() == {"RNN (tanh)": 6, "LSTM": 6, "GRU": 6}


def test_a_model_left_behind_catches_up_before_the_others_go_on():
    going = Comparison.of_kind("clipping", BASE)
    first, second = going.experiments
    first.train(5)  # as if the other ran out of time in its share
    assert going.step == 0
    going.train(2)
    assert (first.step, second.step) == (5, 2)  # the leader waits at its step
    going.train(3)
    assert (first.step, second.step) == (5, 5)
    going.train(1)
    assert (first.step, second.step) == (6, 6)


def test_a_diverged_model_stops_and_the_others_go_on():
    going = Comparison.of_kind("clipping", BASE)
    broken, fine = going.experiments
    broken.model.head.bias.data.fill_(math.nan)
    going.train(3)
    assert going.diverged and list(going.diverged) == [going.labels[0]]
    assert fine.step == 3 and broken.step == 0 and going.step == 3
    going.train(2)
    assert fine.step == 5


def test_steps_for_follows_the_measured_speed():
    going = Comparison.of_kind("clipping", BASE)
    assert going.steps_for(0.2) >= 1
    going.train(5)
    per_step = sum(e.trainer.seconds / e.trainer.step for e in going.experiments)
    assert going.steps_for(1.0) == max(1, int(1.0 / per_step))


def test_refuses_different_data_too_few_or_too_many_models_and_repeated_labels():
    with pytest.raises(InputError, match="same data and seed.*seed"):
        Comparison([("a", BASE), ("b", BASE.replace(seed=1))])
    with pytest.raises(InputError, match="same data.*dataset"):
        Comparison([("a", BASE), ("b", defaults_for("sentences"))])
    with pytest.raises(InputError, match="2 to 3 models"):
        Comparison([("a", BASE)])
    with pytest.raises(InputError, match="2 to 3 models"):
        Comparison([(str(k), BASE) for k in range(4)])
    with pytest.raises(InputError, match="own label"):
        Comparison([("a", BASE), ("a", BASE.replace(clip=1.0))])


def test_needs_rebuild_when_the_sidebar_moves_on():
    going = Comparison.of_kind("cells", BASE)
    assert not going.needs_rebuild(BASE)
    assert not going.needs_rebuild(BASE.replace(prefix="5", temperature=0.5))  # these keep the models
    assert going.needs_rebuild(BASE.replace(hidden_size=16))
    assert going.needs_rebuild(BASE.replace(lr=0.1))
