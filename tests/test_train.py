"""Trainer: bounded steps, a faithful history, live settings, carried state, snapshots and divergence."""

import copy
import math

import pytest
import torch
from conftest import same_weights, seeded_model, weights_of

from rnnviz import InputError, Trainer, load_dataset, trace
from rnnviz.nn.trace import loss_per_step
from rnnviz.nn.train import HISTORY_COLUMNS, MAX_SNAPSHOTS


def make_trainer(ds=None, seed=0, cell="rnn", hidden_size=16, nonlinearity="tanh", num_layers=1, **options):
    ds = ds or load_dataset("counting", seed=0)
    model = seeded_model(ds, seed=seed, cell=cell, hidden_size=hidden_size, nonlinearity=nonlinearity,
                         num_layers=num_layers)
    options = {"batch_size": 8, "seq_len": 10, "seed": seed, **options}
    return Trainer(model, ds, **options)


def total_grad_norm(model, inputs, targets, state=None):
    model.zero_grad(set_to_none=True)
    outputs, _ = model(inputs, state)
    loss_per_step(model, outputs, targets).mean().backward()
    return float(torch.cat([p.grad.flatten() for p in model.parameters()]).norm())


# -- determinism and the history -------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_same_seed_same_history(optimizer):
    first, second = make_trainer(optimizer=optimizer), make_trainer(optimizer=optimizer)
    first.train_steps(15)
    second.train_steps(15)
    assert first.history["loss"].tolist() == second.history["loss"].tolist()
    assert first.history["grad_norm"].tolist() == second.history["grad_norm"].tolist()
    assert same_weights(weights_of(first.model), weights_of(second.model))
    other = make_trainer(optimizer=optimizer, seed=1)
    other.train_steps(15)
    assert first.history["loss"].tolist() != other.history["loss"].tolist()


def test_first_row_is_the_untrained_loss_on_the_seeded_batch():
    trainer = make_trainer(seed=4)
    untrained = copy.deepcopy(trainer.model)
    inputs, targets = trainer.ds.batch(8, 10, torch.Generator().manual_seed(4))
    (row,) = trainer.train_steps(1)
    with torch.no_grad():
        expected = loss_per_step(untrained, untrained(inputs)[0], targets).mean()
    assert row["loss"] == pytest.approx(float(expected), rel=1e-6)
    assert row["grad_norm"] == pytest.approx(total_grad_norm(untrained, inputs, targets), rel=1e-5)
    assert row["step"] == 1 and trainer.step == 1


def test_history_has_every_row_in_order():
    trainer = make_trainer()
    rows = trainer.train_steps(4) + trainer.train_steps(3)
    history = trainer.history
    assert list(history.columns) == HISTORY_COLUMNS
    assert history["step"].tolist() == list(range(1, 8))
    assert history["loss"].tolist() == [r["loss"] for r in rows]
    assert history["seconds"].is_monotonic_increasing and (history["seconds"] > 0).all()
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]


def test_train_steps_is_bounded():
    trainer = make_trainer()
    assert len(trainer.train_steps(3)) == 3
    assert trainer.train_steps(0) == [] and trainer.step == 3
    # A time budget already spent still finishes the step it started, then stops.
    assert len(trainer.train_steps(1000, max_seconds=0)) == 1
    assert trainer.step == 4 and len(trainer.history) == 4


def test_callbacks_see_every_row():
    trainer = make_trainer()
    seen = []
    trainer.callbacks.append(lambda t, row: seen.append((t.step, row["step"])))
    trainer.train_steps(3)
    assert seen == [(1, 1), (2, 2), (3, 3)]


# -- settings that change between steps ------------------------------------------------------------
def test_learning_rate_changes_without_a_reset():
    trainer = make_trainer(lr=0.01)
    trainer.train_steps(3)
    trainer.lr = 0.001
    trainer.train_steps(3)
    history = trainer.history
    assert history["lr"].tolist() == [0.01] * 3 + [0.001] * 3
    assert history["step"].tolist() == list(range(1, 7))
    adam_steps = {float(state["step"]) for state in trainer.optimizer.state.values()}
    assert adam_steps == {6.0}  # the optimizer kept its moments: not rebuilt


def test_learning_rate_really_steers_the_update():
    small, large = make_trainer(optimizer="sgd", lr=0.001), make_trainer(optimizer="sgd", lr=0.001)
    large.lr = 0.1
    start = weights_of(small.model)
    small.train_steps(1)
    large.train_steps(1)
    moved_small = sum(float((small.model.state_dict()[k] - start[k]).abs().sum()) for k in start)
    moved_large = sum(float((large.model.state_dict()[k] - start[k]).abs().sum()) for k in start)
    assert moved_large == pytest.approx(100 * moved_small, rel=1e-3)


def test_clipping_caps_the_update_and_reports_both_norms():
    clip = 0.05
    trainer = make_trainer(clip=clip)
    after_clipping = []
    trainer.callbacks.append(lambda t, row: after_clipping.append(
        float(torch.cat([p.grad.flatten() for p in t.model.parameters()]).norm())))
    for _ in range(5):
        before = copy.deepcopy(trainer.model)
        (row,) = trainer.train_steps(1)
        inputs, targets, _ = trainer.last_batch
        assert row["grad_norm"] == pytest.approx(total_grad_norm(before, inputs, targets), rel=1e-5)
        assert row["grad_norm"] > clip
        assert row["grad_norm_clipped"] <= clip
        assert row["grad_norm_clipped"] == pytest.approx(clip, rel=1e-4)
    assert trainer.history["grad_norm_clipped"].tolist() == pytest.approx(after_clipping, rel=1e-5)
    trainer.clip = None
    (row,) = trainer.train_steps(1)
    assert row["grad_norm_clipped"] == row["grad_norm"] > clip


def test_without_clipping_both_norms_are_equal():
    trainer = make_trainer()
    rows = trainer.train_steps(3)
    assert all(r["grad_norm"] == r["grad_norm_clipped"] > 0 for r in rows)


# -- the hidden state carried from batch to batch (L4) ---------------------------------------------
@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_carried_state_continues_detached(cell):
    sine = load_dataset("sine", seed=0)
    trainer = make_trainer(sine, cell=cell, hidden_size=5, carry_state=True, batch_size=2, seq_len=10)
    previous_targets, previous_state = None, None
    for step in range(1, 5):
        before = copy.deepcopy(trainer.model)
        trainer.train_steps(1)
        inputs, targets, start_state = trainer.last_batch
        if step == 1:
            assert start_state is None
        else:
            assert torch.equal(inputs[:, 0], previous_targets[:, -1])  # the next stretch of each lane
            for given, kept in zip(_parts(start_state), _parts(previous_state)):
                assert torch.equal(given, kept)
        with torch.no_grad():
            _, expected = before(inputs, start_state)
        for carried, reference in zip(_parts(trainer.state), _parts(expected)):
            assert carried.grad_fn is None and not carried.requires_grad
            torch.testing.assert_close(carried, reference, atol=1e-6, rtol=0)
        previous_targets, previous_state = targets, trainer.state


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


def test_state_is_reset_per_batch_by_default():
    trainer = make_trainer()
    trainer.train_steps(3)
    assert trainer.state is None and trainer.last_batch[2] is None


# -- snapshots -------------------------------------------------------------------------------------
def test_snapshots_replay_the_model_as_it_was():
    trainer = make_trainer()
    initial = weights_of(trainer.model)
    at_step = {}
    trainer.callbacks.append(lambda t, row: at_step.__setitem__(t.step, weights_of(t.model)))
    trainer.train_steps(12)
    assert trainer.snapshot_steps() == [0, 1, 2, 5, 10]
    assert same_weights(trainer.snapshots[0], initial)
    assert same_weights(weights_of(trainer.model_at(0)), initial)
    assert same_weights(weights_of(trainer.model_at(5)), at_step[5])
    assert same_weights(weights_of(trainer.model_at(4)), at_step[5])  # the nearest snapshot
    assert same_weights(weights_of(trainer.model_at(999)), at_step[10])
    earlier = trainer.model_at(1)
    assert not earlier.training and earlier is not trainer.model
    with torch.no_grad():
        earlier.head.bias.add_(1.0)
    assert same_weights(weights_of(trainer.model), at_step[12])


def test_snapshots_are_capped_and_keep_the_first_and_latest():
    trainer = make_trainer(hidden_size=4, snapshot_every=1, trace_every=0, validate_every=0)
    trainer.train_steps(45)
    steps = trainer.snapshot_steps()
    assert len(steps) <= MAX_SNAPSHOTS
    assert steps[0] == 0 and steps[-1] == 45
    assert {1, 2, 5, 10, 20} <= set(steps)


# -- instrumentation -------------------------------------------------------------------------------
def test_gradient_log_follows_the_cadence_and_matches_trace():
    trainer = make_trainer(num_layers=2, trace_every=5, trace_batch=3)
    traced = {}

    def check(t, row):
        inputs, targets, _ = t.last_batch
        traced[t.step] = trace(t.model, inputs[:3], targets[:3]).grad_norms

    trainer.callbacks.append(check)
    trainer.train_steps(12)
    log = trainer.gradient_log
    assert [entry["step"] for entry in log] == [1, 5, 10]
    for entry in log:
        assert entry["grad_norms"].shape == entry["grad_norms_last"].shape == (2, 10)
        assert (entry["grad_norms"] > 0).all()
        torch.testing.assert_close(torch.from_numpy(entry["grad_norms"]), traced[entry["step"]])
    quiet = make_trainer(trace_every=0)
    quiet.train_steps(3)
    assert quiet.gradient_log == []


def test_validation_loss_at_its_cadence():
    trainer = make_trainer(validate_every=5)
    trainer.train_steps(10)
    val = trainer.history["val_loss"]
    assert math.isfinite(val.iloc[4]) and math.isfinite(val.iloc[9])
    assert val.drop(index=[4, 9]).isna().all()
    inputs, targets = trainer.ds.validation_batch(8, 10)
    with torch.no_grad():
        expected = loss_per_step(trainer.model, trainer.model(inputs)[0], targets).mean()
    assert val.iloc[9] == pytest.approx(float(expected), rel=1e-5)
    sine = make_trainer(load_dataset("sine", seed=0), hidden_size=4, validate_every=2)
    sine.train_steps(2)
    assert math.isnan(sine.history["val_loss"].iloc[1])


# -- divergence ------------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_huge_learning_rate_stops_training_with_a_message(optimizer):
    trainer = make_trainer(nonlinearity="relu", lr=1e6, optimizer=optimizer)
    last_good = {}
    trainer.callbacks.append(lambda t, row: last_good.update(weights_of(t.model)))
    rows = trainer.train_steps(50)
    assert trainer.diverged is not None
    assert len(rows) < 50 and len(trainer.history) == trainer.step == len(rows)
    assert "Lower the learning rate" in trainer.diverged and "1e+06" in trainer.diverged
    assert f"step {trainer.step + 1}" in trainer.diverged
    assert all(math.isfinite(r["loss"]) for r in rows)
    # The step whose loss was not finite was not applied: the weights are the last good ones.
    assert same_weights(weights_of(trainer.model), last_good)
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())
    assert trainer.train_steps(5) == [] and len(trainer.history) == len(rows)


def test_an_infinite_weight_stops_at_once_and_changes_nothing():
    trainer = make_trainer()
    with torch.no_grad():
        trainer.model.head.bias[0] = math.inf
    before = weights_of(trainer.model)
    assert trainer.train_steps(5) == []
    assert "loss" in trainer.diverged and "learning rate" in trainer.diverged
    assert trainer.step == 0 and trainer.history.empty and trainer.gradient_log == []
    assert same_weights(weights_of(trainer.model), before)


@pytest.mark.parametrize("clip", [None, 1.0])
def test_an_infinite_gradient_is_not_applied(clip):
    trainer = make_trainer(clip=clip)
    trainer.train_steps(2)
    before = weights_of(trainer.model)
    trainer.model.rnn.weight_hh_l0.register_hook(lambda grad: grad * math.inf)
    assert trainer.train_steps(3) == []
    assert "gradient" in trainer.diverged and "learning rate" in trainer.diverged
    assert trainer.step == 2 and len(trainer.history) == 2
    assert same_weights(weights_of(trainer.model), before)


# -- refusals --------------------------------------------------------------------------------------
def test_trainer_refuses_unknown_optimizer_and_too_long_windows():
    ds = load_dataset("shakespeare", seed=0)
    model = seeded_model(ds, hidden_size=4)
    with pytest.raises(InputError, match="'rmsprop'.*adam or sgd"):
        Trainer(model, ds, optimizer="rmsprop")
    with pytest.raises(InputError, match="1 to"):
        Trainer(model, ds, seq_len=10_000)


def test_snapshots_of_a_large_model_are_capped_by_bytes():
    from rnnviz import SeqModel
    from rnnviz.nn.train import MAX_SNAPSHOT_BYTES

    ds = load_dataset("counting", seed=0)
    model = SeqModel.for_dataset(ds, cell="lstm", hidden_size=256, num_layers=2)
    trainer = Trainer(model, ds, batch_size=2, seq_len=3)
    model_bytes = sum(v.numel() * v.element_size() for v in model.state_dict().values())
    assert trainer.max_snapshots == MAX_SNAPSHOT_BYTES // model_bytes < 30
    for step in range(1, 40):  # snapshots come at 1, 2, 5, 10, 20 and every 100: force more
        trainer.step = step * 100
        trainer.take_snapshot()
    assert len(trainer.snapshots) == trainer.max_snapshots
    assert 0 in trainer.snapshots and 3900 in trainer.snapshots


def test_a_loss_that_blows_up_stops_training_with_advice():
    """lr 50 with Adam: tanh saturates, so nothing overflows, but the loss jumps hundreds of times above its start."""
    trainer = make_trainer(lr=50.0)
    rows = trainer.train_steps(30)
    assert trainer.diverged is not None and len(rows) < 30
    assert "blew up" in trainer.diverged and "Lower the learning rate (now 50)" in trainer.diverged
    assert "turn on gradient clipping" in trainer.diverged
    assert all(r["loss"] <= 100 * rows[0]["loss"] for r in rows)
    # The same model with a sane learning rate never trips it.
    calm = make_trainer(lr=0.01)
    calm.train_steps(60)
    assert calm.diverged is None and calm.warning is None


def test_a_fast_growing_gradient_norm_warns_before_anything_overflows():
    trainer = make_trainer(lr=50.0, optimizer="sgd", hidden_size=32)
    seen = []
    trainer.callbacks.append(lambda t, row: seen.append((row["grad_norm"], t.warning)))
    trainer.train_steps(30)
    warned = [(norm, text) for norm, text in seen if text]
    assert warned, [norm for norm, _ in seen]
    norm, text = warned[0]
    assert math.isfinite(norm) and "grew from" in text and "Lower the learning rate (now 50)" in text
    assert trainer.warning_step is not None and trainer.warning_step <= trainer.step
    # Clipping caps every update, so the same run with clipping on does not warn.
    clipped = make_trainer(lr=50.0, optimizer="sgd", hidden_size=32, clip=1.0)
    warnings = []
    clipped.callbacks.append(lambda t, row: warnings.append(t.warning))
    clipped.train_steps(len(seen))
    assert warnings and not any(warnings)


def test_logged_batches_keep_each_weights_gradient_before_and_after_clipping():
    trainer = make_trainer(clip=0.05, trace_every=5)
    trainer.train_steps(5)
    entry = trainer.gradient_log[-1]
    names = [row["name"] for row in entry["weights"]]
    assert names == [name for name, _ in trainer.model.named_parameters()]
    row = trainer.history.iloc[-1]
    after = math.sqrt(sum(w["after"] ** 2 for w in entry["weights"]))
    before = math.sqrt(sum(w["before"] ** 2 for w in entry["weights"]))
    assert after == pytest.approx(row["grad_norm_clipped"], rel=1e-4)
    assert before == pytest.approx(row["grad_norm"], rel=1e-4)
