"""Experiment: a Config built into data, a seeded model and its trainer; live updates and resets."""

import pytest
import torch
from conftest import same_weights, weights_of

from rnnviz import InputError
from rnnviz.config import Config, defaults_for
from rnnviz.experiment import MODEL_SETTINGS, Experiment

SMALL = Config(hidden_size=16, batch_size=8, seq_len=10)


def test_the_seed_alone_decides_the_initial_weights():
    torch.manual_seed(123)
    first = Experiment(SMALL)
    rng_after = torch.random.get_rng_state()
    torch.manual_seed(456)
    second = Experiment(SMALL)
    assert same_weights(weights_of(first.model), weights_of(second.model))
    assert not same_weights(weights_of(first.model), weights_of(Experiment(SMALL.replace(seed=1)).model))
    # Building an experiment does not disturb the process-wide generator other sessions use.
    torch.manual_seed(123)
    assert torch.equal(torch.random.get_rng_state(), rng_after)


def test_two_runs_of_one_config_are_identical():
    first, second = Experiment(SMALL), Experiment(SMALL)
    first.train(10)
    second.train(10)
    assert first.trainer.history["loss"].tolist() == second.trainer.history["loss"].tolist()


def test_the_config_builds_what_it_says():
    config = defaults_for("sentences").replace(cell="lstm", num_layers=2, hidden_size=6, forget_bias=2.0,
                                               optimizer="sgd", lr=0.05, clip=0.5)
    experiment = Experiment(config)
    model, trainer = experiment.model, experiment.trainer
    assert experiment.dataset.name == "sentences"
    assert (model.cell, model.num_layers, model.hidden_size) == ("lstm", 2, 6)
    assert torch.equal(model.rnn.bias_ih_l1[6:12], torch.full((6,), 2.0))
    assert isinstance(trainer.optimizer, torch.optim.SGD) and trainer.lr == 0.05 and trainer.clip == 0.5
    assert experiment.device == torch.device("cpu") or torch.cuda.is_available()


def test_update_changes_training_settings_in_place():
    experiment = Experiment(SMALL)
    experiment.train(3)
    model = experiment.model
    experiment.update(SMALL.replace(lr=0.002, clip=1.0, batch_size=4, seq_len=6, prefix="5 6"))
    assert experiment.needs_reset(experiment.config) == []
    experiment.train(2)
    trainer = experiment.trainer
    assert experiment.model is model and experiment.step == 5
    assert trainer.history["lr"].tolist() == [0.01] * 3 + [0.002] * 2
    assert trainer.last_batch[0].shape == (4, 6)
    assert trainer.clip == 1.0 and trainer.history["grad_norm_clipped"].iloc[-1] <= 1.0
    assert experiment.predict(n=3).prefix == [5, 6]


def test_changing_the_batch_size_with_a_carried_state_keeps_training():
    experiment = Experiment(defaults_for("sine").replace(steps=10))
    assert experiment.trainer.carry_state
    experiment.train(3)
    experiment.update(experiment.config.replace(batch_size=4))
    assert len(experiment.train(2)) == 2
    assert experiment.trainer.state.shape == (1, 4, 5)


def test_turning_carry_state_off_drops_the_state():
    experiment = Experiment(defaults_for("sine"))
    experiment.train(2)
    assert experiment.trainer.state is not None
    experiment.update(experiment.config.replace(carry_state=False))
    assert experiment.trainer.state is None and not experiment.trainer.carry_state


def test_a_refused_seq_len_changes_nothing():
    experiment = Experiment(defaults_for("shakespeare").replace(hidden_size=8, batch_size=4, seq_len=20))
    experiment.train(3)
    config, step = experiment.config, experiment.step
    history, weights = experiment.trainer.history.copy(), weights_of(experiment.model)
    with pytest.raises(InputError) as error:
        experiment.update(config.replace(seq_len=400, lr=0.5, batch_size=2))
    assert "400" in str(error.value) and "1 to" in str(error.value)
    trainer = experiment.trainer
    assert (trainer.seq_len, trainer.lr, trainer.batch_size) == (20, 0.01, 4)
    assert experiment.config == config and experiment.step == step
    assert trainer.history.equals(history) and same_weights(weights, weights_of(experiment.model))


def test_model_settings_need_a_reset():
    experiment = Experiment(SMALL)
    assert experiment.needs_reset(SMALL.replace(lr=0.5, clip=2.0, batch_size=3, steps=9)) == []
    assert experiment.needs_reset(SMALL.replace(hidden_size=8, cell="gru")) == ["cell", "hidden_size"]
    assert set(MODEL_SETTINGS) >= {"dataset", "cell", "hidden_size", "num_layers", "seed", "optimizer"}
    with pytest.raises(ValueError):
        experiment.update(SMALL.replace(hidden_size=8))
    assert experiment.config == SMALL and experiment.model.hidden_size == 16


def test_milestones_show_the_continuation_at_each_snapshot():
    experiment = Experiment(SMALL)
    untrained = experiment.predict("234", n=5).continuation
    experiment.train(12)
    rows = experiment.milestones("234", n=5)
    assert [step for step, _ in rows] == [0, 1, 2, 5, 10]
    assert rows[0] == (0, untrained)
    earlier = experiment.trainer.model_at(10)
    assert rows[-1][1] == experiment.predict("234", n=5, model=earlier).continuation
    assert experiment.milestones("234", n=5) == rows


def test_train_is_bounded():
    experiment = Experiment(SMALL)
    assert len(experiment.train(4)) == 4
    assert len(experiment.train(500, max_seconds=0)) == 1
    assert experiment.step == 5


def test_an_absent_device_is_refused_before_anything_is_built():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present on this machine")
    with pytest.raises(InputError, match="'cuda' is not available"):
        Experiment(SMALL.replace(device="cuda"))


def test_bad_text_is_refused_when_building():
    with pytest.raises(InputError, match="empty"):
        Experiment(Config(dataset="text", text=""))
    with pytest.raises(InputError, match="NUL"):
        Experiment(Config(dataset="text", text="abc\0def"))
