"""Memory tasks: the generators make the sequences they claim, the masked loss scores only answers,
and the whole pipeline (Trainer, trace, predict, Experiment) runs on them."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rnnviz import InputError, SeqModel, load_dataset, trace
from rnnviz.config import Config, defaults_for
from rnnviz.datasets.memory_tasks import MARKER, MEMORY_TASKS, accuracy, counted
from rnnviz.experiment import LAGGED, Experiment
from rnnviz.lessons import LESSONS
from rnnviz.nn.trace import loss_per_step, mean_loss


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# -- recall ---------------------------------------------------------------------------------------

def test_recall_sequences_are_letters_noise_cue_then_the_letters():
    ds = load_dataset("recall", seed=0, lag=3, alphabet=4, noise=4, recall=2)
    assert ds.symbols == ["a", "b", "c", "d", "0", "1", "2", "3", "?"]
    inputs, targets = ds.batch(50, None, gen())
    assert inputs.shape == targets.shape == (50, ds.seq_len) == (50, 2 + 3 + 2)
    for row, target in zip(inputs.tolist(), targets.tolist()):
        text = ds.format(row)
        letters = text[:2]
        assert set(letters) <= set("abcd") and set(text[2:5]) <= set("0123")
        assert text[5] == "?" and text[6] == letters[0]  # after the cue, the previous answer is fed in
        assert target[:5] == [-100] * 5
        assert ds.format(target[5:]) == letters
    # Every letter and noise digit turns up: the draws are not stuck.
    assert set(inputs[:, :2].flatten().tolist()) == {0, 1, 2, 3}
    assert set(inputs[:, 2:5].flatten().tolist()) == {4, 5, 6, 7}


def test_recall_first_letter_only_scores_the_cue():
    ds = load_dataset("recall", lag=5)
    inputs, targets = ds.batch(4, None, gen())
    assert inputs.shape == (4, 7)
    assert (inputs[:, -1] == ds.index["?"]).all()
    assert torch.equal(targets[:, -1], inputs[:, 0])
    assert counted(targets).sum(dim=1).tolist() == [1, 1, 1, 1]


def test_memory_batches_are_reproducible_and_seq_len_is_ignored():
    ds = load_dataset("recall", lag=4)
    a = ds.batch(3, 20, gen(5))
    b = ds.batch(3, 999, gen(5))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    held_out = ds.validation_batch(8, 20)
    assert all(torch.equal(x, y) for x, y in zip(held_out, ds.validation_batch(8, 20)))
    assert torch.equal(ds.next_batch(3, 20, 7)[0], ds.next_batch(3, 20, 7)[0])
    ds.check_seq_len(10_000)  # fixed length: any seq_len is accepted and ignored


# -- brackets -------------------------------------------------------------------------------------

def parse(text):
    """An independent check: balanced, depth, the outer pair, and the closer each step expects."""
    pairs = {"(": ")", "[": "]", "{": "}", "<": ">"}
    stack, deepest, expected = [], 0, []
    for position, char in enumerate(text):
        if char in pairs:
            stack.append(char)
        else:
            assert stack and pairs[stack.pop()] == char, text
            if position < len(text) - 1:
                assert stack, f"the outer bracket closed early: {text}"
        deepest = max(deepest, len(stack))
        expected.append(pairs[stack[-1]] if stack else None)
    assert not stack, text
    return deepest, expected


def test_brackets_with_one_type_and_depth_two_has_one_sequence():
    ds = load_dataset("brackets", lag=4, depth=2, types=1)
    inputs, targets = ds.batch(5, None, gen())
    for row, target in zip(inputs.tolist(), targets.tolist()):
        assert ds.format(row) == "(()()"
        assert target == [-100, 1, -100, 1, 1]  # ")" after each opener but the skipped free choices


def test_brackets_depth_three_makes_both_shapes():
    ds = load_dataset("brackets", lag=4, depth=3, types=1)
    inputs, _ = ds.batch(200, None, gen())
    full = {ds.format(row) + ")" for row in inputs.tolist()}
    assert full == {"(()())", "((()))"}


@pytest.mark.parametrize("lag,depth,types", [(2, 2, 2), (10, 3, 2), (31, 4, 3), (40, 2, 4)])
def test_brackets_are_balanced_within_depth_and_targets_are_the_closers(lag, depth, types):
    ds = load_dataset("brackets", lag=lag, depth=depth, types=types)
    inputs, targets = ds.batch(64, None, gen(lag))
    assert inputs.shape[1] == ds.seq_len == lag + lag % 2 + 1
    deepest_seen = 0
    for row, target in zip(inputs.tolist(), targets.tolist()):
        # The item's last symbol is the outer closer: it is the last target.
        full = ds.format(row) + ds.symbols[target[-1]]
        deepest, expected = parse(full)
        assert deepest <= depth
        deepest_seen = max(deepest_seen, deepest)
        for position, value in enumerate(target):
            actual_next = full[position + 1]
            if actual_next in "([{<":
                assert value == -100
            else:
                assert ds.symbols[value] == actual_next == expected[position]
    assert deepest_seen == depth
    assert set(inputs[:, 0].tolist()) == set(range(0, 2 * types, 2))  # every outer type occurs


# -- adding ---------------------------------------------------------------------------------------

def test_adding_has_two_markers_and_asks_their_sum_at_the_end():
    ds = load_dataset("adding", lag=6)
    inputs, targets = ds.batch(200, None, gen())
    assert inputs.shape == targets.shape == (200, 9, 1)
    firsts = set()
    for row, target in zip(inputs[..., 0], targets[..., 0]):
        markers = (row == MARKER).nonzero().flatten().tolist()
        assert len(markers) == 2 and markers[0] <= 1 and markers[1] >= markers[0] + 2 and markers[1] <= 7
        firsts.add(markers[0])
        others = row[row != MARKER]
        assert ((others >= 0) & (others < 1)).all()
        assert torch.isnan(target[:-1]).all()
        assert target[-1] == pytest.approx(float(row[markers[0] + 1] + row[markers[1] + 1]))
        assert len(target) - 1 - (markers[0] + 1) >= 6  # the answer comes at least lag steps later
    assert firsts == {0, 1}
    inputs, targets = load_dataset("adding", lag=1).batch(50, None, gen())
    assert inputs.shape == (50, 4, 1) and (inputs[:, 0, 0] == MARKER).all() and (inputs[:, 2, 0] == MARKER).all()


def test_adding_reads_and_writes_prefixes_like_a_series():
    ds = load_dataset("adding", lag=5)
    assert ds.parse_prefix("0.3, -1, 0.5") == [0.3, -1.0, 0.5]
    assert ds.format([1.25]) == "1.25"


# -- options, registry, config -------------------------------------------------------------------

@pytest.mark.parametrize("name,options,message", [
    ("recall", {"lag": -1}, "lag must be a whole number from 0"),
    ("recall", {"lag": 2.5}, "lag"),
    ("recall", {"alphabet": 1}, "letters to choose from"),
    ("brackets", {"depth": 1}, "depth must be a whole number from 2"),
    ("brackets", {"types": 5}, "bracket types"),
    ("adding", {"lag": 0}, "lag must be a whole number from 1"),
])
def test_bad_options_are_refused(name, options, message):
    with pytest.raises(InputError, match=message):
        load_dataset(name, **options)


def test_memory_tasks_are_registered_with_defaults_and_lessons():
    assert set(MEMORY_TASKS) <= LAGGED
    for name in MEMORY_TASKS:
        config = defaults_for(name)
        assert config.dataset == name and config.lag >= 10
        again, notices = Config.from_query(config.to_query())
        assert again == config and notices == []
    assert {LESSONS[key].config.dataset for key in ("M1", "M2", "M3")} == set(MEMORY_TASKS)


# -- the masked loss -----------------------------------------------------------------------------

def test_masked_token_loss_is_cross_entropy_over_the_answers_only():
    ds = load_dataset("brackets", lag=6)
    torch.manual_seed(0)
    model = SeqModel.for_dataset(ds, cell="gru", hidden_size=8)
    inputs, targets = ds.batch(16, None, gen())
    outputs, _ = model(inputs)
    keep = targets != -100
    expected = F.cross_entropy(outputs[keep], targets[keep])
    assert torch.allclose(mean_loss(model, outputs, targets), expected)
    per_step = loss_per_step(model, outputs, targets)
    assert per_step[0] == 0  # the first target is always an opener: nothing counts there
    for t in range(1, targets.shape[1]):
        if keep[:, t].any():
            assert torch.allclose(per_step[t], F.cross_entropy(outputs[keep[:, t], t], targets[keep[:, t], t]))
    result = trace(model, inputs, targets)
    assert result.loss == pytest.approx(float(expected.detach()), rel=1e-5)


def test_masked_value_loss_ignores_nan_targets_and_keeps_gradients_finite():
    ds = load_dataset("adding", lag=8)
    torch.manual_seed(0)
    model = SeqModel.for_dataset(ds, cell="lstm", hidden_size=8)
    inputs, targets = ds.batch(16, None, gen())
    outputs, _ = model(inputs)
    loss = mean_loss(model, outputs, targets)
    assert torch.allclose(loss, ((outputs[:, -1] - targets[:, -1]) ** 2).mean())
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    result = trace(model, inputs, targets)
    assert torch.isfinite(result.grad_norms).all() and torch.isfinite(result.grad_norms_last).all()
    # Only the last step is scored, so the last step's loss is the whole loss.
    assert torch.allclose(result.grad_norms, result.grad_norms_last)


def test_unmasked_losses_are_unchanged():
    ds = load_dataset("counting")
    torch.manual_seed(0)
    model = SeqModel.for_dataset(ds, hidden_size=8)
    inputs, targets = ds.batch(4, 10, gen())
    outputs, _ = model(inputs)
    plain = F.cross_entropy(outputs.transpose(1, 2), targets)
    assert torch.allclose(mean_loss(model, outputs, targets), plain)
    assert torch.allclose(loss_per_step(model, outputs, targets).mean(), plain)


# -- the pipeline --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(MEMORY_TASKS))
def test_trainer_trace_and_predict_run_on_memory_tasks(name):
    config = defaults_for(name).replace(lag=6, hidden_size=8)
    experiment = Experiment(config)
    rows = experiment.train(3)
    assert len(rows) == 3 and all(math.isfinite(r["loss"]) for r in rows)
    assert experiment.trainer.gradient_log  # traced at step 1
    assert math.isfinite(experiment.trainer.validation_loss())
    inputs, targets = experiment.dataset.batch(2, None, gen())
    result = trace(experiment.model, inputs, targets)
    assert result.grad_norms_last.shape == (1, experiment.dataset.seq_len)
    prediction = experiment.predict()
    assert len(prediction.generated) == config.predict_len
    score = accuracy(experiment.model, experiment.dataset, batches=1, batch_size=8, generator=gen())
    assert 0.0 <= score <= 1.0


class Oracle(nn.Module):
    """Answers recall perfectly: logits that pick the first input at every step."""

    vocab_size = 9

    def forward(self, inputs, state=None):
        return F.one_hot(inputs[:, :1].expand_as(inputs), 9).float(), None


def test_accuracy_counts_only_the_answers():
    ds = load_dataset("recall", lag=10)
    assert accuracy(Oracle(), ds, batches=2, generator=gen()) == 1.0

    class AlwaysA(Oracle):
        def forward(self, inputs, state=None):
            return F.one_hot(torch.zeros_like(inputs), 9).float(), None

    share = accuracy(AlwaysA(), ds, batches=4, generator=gen())
    inputs, _ = ds.batch(64, None, gen())
    assert 0.15 < share < 0.35  # about one letter in four is an "a"


# -- the lesson itself: an LSTM remembers where a tanh RNN cannot -------------------------------------

def train_until(config, steps, target=None, every=50):
    experiment = Experiment(config)
    probe = torch.Generator().manual_seed(123)
    score = 0.0
    for _ in range(steps // every):
        experiment.train(every)
        score = accuracy(experiment.model, experiment.dataset, batches=2, batch_size=128, generator=probe)
        if target is not None and score >= target:
            break
    return score, experiment.step


def test_lstm_recalls_the_first_letter_where_a_tanh_rnn_cannot():
    config = defaults_for("recall")
    assert (config.cell, config.lag) == ("lstm", 40)
    lstm_score, lstm_steps = train_until(config, 400, target=0.9)
    assert lstm_score >= 0.9, f"LSTM reached only {lstm_score:.2f} in {lstm_steps} steps"
    rnn_score, _ = train_until(config.replace(cell="rnn"), 400)
    assert rnn_score <= 0.5, f"the tanh RNN reached {rnn_score:.2f}"  # chance is 0.25


# -- sweeps for the app's accuracy-against-lag and gradient views ---------------------------------

def test_lag_sweep_and_gradient_profiles_have_a_row_per_run():
    from rnnviz.insight.memory_sweep import gradient_profiles, lag_sweep

    seen = []
    table = lag_sweep("brackets", [2, 4], cells=("rnn", "lstm"), steps=2, check_every=1, progress=seen.append,
                      hidden_size=4)
    assert len(table) == len(seen) == 4
    assert list(table[["cell", "lag"]].itertuples(index=False, name=None)) == [
        ("rnn", 2), ("rnn", 4), ("lstm", 2), ("lstm", 4)]
    assert (table.steps == 2).all() and table.accuracy.between(0, 1).all() and table.accuracy_last.between(0, 1).all()
    profiles = gradient_profiles("recall", 5, cells=("rnn", "gru"), hidden_size=4)
    assert list(profiles.groupby("cell").t.max()) == [7, 7]
    assert (profiles.grad_norm_last >= 0).all()
    with pytest.raises(InputError, match="memory task"):
        lag_sweep("counting", [2])
    with pytest.raises(InputError, match="cell"):
        gradient_profiles("recall", 5, cells=("transformer",))


def test_preset_prefixes_are_whole_items_of_their_task():
    recall = load_dataset("recall", lag=defaults_for("recall").lag)
    assert len(recall.parse_prefix(defaults_for("recall").prefix)) == recall.seq_len
    brackets = load_dataset("brackets", lag=defaults_for("brackets").lag)
    text = defaults_for("brackets").prefix
    assert len(text) == brackets.seq_len
    assert parse(text + ")")[0] <= brackets.depth
    adding = load_dataset("adding", lag=defaults_for("adding").lag)
    values = adding.parse_prefix(defaults_for("adding").prefix)
    assert len(values) == adding.seq_len and values.count(MARKER) == 2
