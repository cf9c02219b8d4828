"""compare: models one setting apart, on one dataset and seed, trained in lockstep through Experiment.train,
and beside the page by one worker (rnnviz.serving.live_comparison)."""

import math
import time

import pytest
import torch

from rnnviz import InputError
from rnnviz.compare import KINDS, Comparison, variants
from rnnviz.config import defaults_for
from rnnviz.experiment import model_lock
from rnnviz.serving import live_comparison
from rnnviz.serving.hosting import let_go
from rnnviz.serving.live_comparison import LiveComparison
from rnnviz.serving.turns import TrainingTurns

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


# -- the worker that trains them beside the page (rnnviz.serving.live_comparison) ------------------------------
def wait_until(condition, timeout: float = 30.0, live=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        if live is not None:
            live.seen()  # the page still looks
        time.sleep(0.02)


def test_the_worker_trains_every_model_to_a_step_and_publishes_what_the_page_draws():
    going = Comparison.of_kind("cells", BASE)
    live = LiveComparison(going, TrainingTurns(1), prefix="2 3")
    before = live.published
    assert before.step == 0 and before.prefix == "2 3" and all(p is not None for _, p in before.predictions)
    assert live.step_to(5) and live.running
    wait_until(lambda: not live.running, live=live)
    shown = live.published
    assert [e.step for e in going.experiments] == [5, 5, 5] and shown.step == 5 and shown.state == "paused"
    assert shown.histories().groupby("model").step.max().to_dict() == {"RNN (tanh)": 5, "LSTM": 5, "GRU": 5}
    assert all(model.latest_gradients is not None for model in shown.models)
    live.seen(prefix="4 5")  # a new prefix while paused is continued at once
    after = live.published
    assert after.prefix == "4 5" and all(list(p.prefix) != list(q.prefix)
                                         for (_, p), (_, q) in zip(after.predictions, before.predictions))


def test_the_worker_pauses_when_the_page_stops_looking_or_the_sidebar_trains(monkeypatch):
    monkeypatch.setattr(live_comparison, "AWAY_SECONDS", 0.3)
    monkeypatch.setattr(live_comparison, "LOOK_EVERY", 0.05)
    going = Comparison.of_kind("clipping", BASE)  # the worker holds its Comparison weakly: the test keeps it
    live = LiveComparison(going, TrainingTurns(1))
    assert live.start()
    wait_until(lambda: not live.running)  # nobody calls seen(): the learner left the page
    held = live.comparison.step
    time.sleep(0.2)
    assert live.comparison.step == held and live.published.state == "paused"
    sidebar_trains = []
    live.keep_going = lambda: not sidebar_trains
    assert live.start()
    wait_until(lambda: live.comparison.step > held, live=live)
    sidebar_trains.append(True)
    wait_until(lambda: not live.running, live=live)


def test_the_worker_waits_in_line_and_stops_for_good_when_its_models_are_let_go():
    turns = TrainingTurns(1)
    going = Comparison.of_kind("clipping", BASE)
    live = LiveComparison(going, turns)
    assert turns.try_turn("another session")
    assert live.start()
    wait_until(lambda: live.published.state == "waiting", live=live)
    assert live.published.place == 1 and going.step == 0
    turns.release("another session")
    wait_until(lambda: going.step > 0, live=live)
    live.pause()
    for experiment in going.experiments:
        with model_lock(experiment):
            let_go(experiment)
    assert not live.start() or not wait_until(lambda: not live.running, live=live)
    assert not live.start()
