"""predict: warm up on a prefix, then continue it; checked against the model's own forward pass."""

import math

import pytest
import torch
from conftest import same_weights, seeded_model, weights_of

from rnnviz import InputError, predict
from rnnviz.config import Config, defaults_for
from rnnviz.experiment import Experiment


@pytest.fixture
def lstm_counting(counting):
    return seeded_model(counting, seed=3, cell="lstm", hidden_size=12, num_layers=2)


def full_forward(model, ids):
    with torch.no_grad():
        outputs, _ = model(torch.tensor([ids]))
    return outputs[0]


def test_greedy_is_the_argmax_of_the_model_and_repeatable(counting, lstm_counting):
    model = lstm_counting
    p = predict(model, counting, "2 3 4", n=6, temperature=0)
    assert p.prefix == [2, 3, 4] and len(p.generated) == 6
    again = predict(model, counting, "234", n=6)
    assert again.generated == p.generated and torch.equal(again.probs, p.probs)
    logits = full_forward(model, p.prefix + p.generated)
    assert p.generated == logits[2:-1].argmax(-1).tolist()
    assert p.text == counting.format(p.prefix + p.generated)
    assert p.continuation == counting.format(p.generated)
    assert p.text.startswith("2 3 4 ")


def test_probs_are_the_distributions_each_token_came_from(counting, lstm_counting):
    p = predict(lstm_counting, counting, [2, 3, 4], n=5)
    assert p.probs.shape == (5, 20)
    torch.testing.assert_close(p.probs.sum(1), torch.ones(5))
    expected = torch.softmax(full_forward(lstm_counting, p.prefix + p.generated)[2:-1], dim=-1)
    torch.testing.assert_close(p.probs, expected, atol=1e-5, rtol=0)
    top = p.top(3)
    assert len(top) == 5 and all(len(row) == 3 for row in top)
    assert top[0][0] == (counting.symbols[p.generated[0]], pytest.approx(float(p.probs[0].max())))
    assert top[0][0][1] >= top[0][1][1] >= top[0][2][1]


def test_hidden_is_every_layer_after_every_input(counting, lstm_counting):
    p = predict(lstm_counting, counting, "2 3 4", n=4)
    ids = p.prefix + p.generated
    assert p.hidden.shape == (2, len(ids), 12)
    with torch.no_grad():
        top, (h_n, _) = lstm_counting.rnn(lstm_counting.features(torch.tensor([ids])))
    torch.testing.assert_close(p.hidden[1], top[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(p.hidden[:, -1], h_n[:, 0], atol=1e-5, rtol=0)


def test_sampling_is_reproducible_with_a_seeded_generator(counting, lstm_counting):
    def sample(seed, temperature=1.5):
        return predict(lstm_counting, counting, "2 3 4", n=30, temperature=temperature,
                       generator=torch.Generator().manual_seed(seed))

    first, again, other = sample(0), sample(0), sample(1)
    assert first.generated == again.generated
    assert first.generated != other.generated
    assert first.temperature == 1.5
    logits = full_forward(lstm_counting, first.prefix + first.generated)[2:-1]
    torch.testing.assert_close(first.probs, torch.softmax(logits / 1.5, dim=-1), atol=1e-5, rtol=0)
    cooler = sample(0, temperature=0.2)
    assert float(cooler.probs[0].max()) > float(first.probs[0].max())


def test_sine_prefix_continues_as_values(sine):
    model = seeded_model(sine, hidden_size=5)
    p = predict(model, sine, "0, 0.16, 0.31, 0.45", n=7)
    assert p.prefix == [0.0, 0.16, 0.31, 0.45]
    assert len(p.generated) == 7 and all(isinstance(v, float) and math.isfinite(v) for v in p.generated)
    assert p.probs is None and p.top() == []
    assert p.hidden.shape == (1, 4 + 7, 5)
    # Each value is the model's output on the prefix and the values generated so far, fed back in.
    fed = sine.to_model(p.prefix + p.generated).reshape(1, -1, 1)
    with torch.no_grad():
        outputs, _ = model(fed)
    assert p.generated == pytest.approx(sine.from_model(outputs[0, 3:-1, 0]), abs=1e-4)
    assert p.text.startswith("0.00, 0.16, 0.31, 0.45, ")
    assert p.continuation == sine.format(p.generated)


@pytest.mark.parametrize("n", [0, -1, 501, 2.5, "5", True, None])
def test_bad_n_is_refused(counting, lstm_counting, n):
    with pytest.raises(InputError, match="from 1 to 500"):
        predict(lstm_counting, counting, "234", n=n)


@pytest.mark.parametrize("temperature", [-0.1, 10.5, math.nan, math.inf, "hot", None])
def test_bad_temperature_is_refused(counting, lstm_counting, temperature):
    with pytest.raises(InputError, match="from 0 .greedy. to 10"):
        predict(lstm_counting, counting, "234", n=3, temperature=temperature)


@pytest.mark.parametrize("prefix", [",", " ; ", [], ""])
def test_a_prefix_with_nothing_in_it_is_refused(counting, sine, lstm_counting, prefix):
    with pytest.raises(InputError, match="at least one"):
        predict(lstm_counting, counting, prefix, n=3)
    with pytest.raises(InputError, match="at least one"):
        predict(seeded_model(sine, hidden_size=3), sine, prefix, n=3)


def test_predict_leaves_the_model_mode_and_weights_alone(counting, lstm_counting):
    before = weights_of(lstm_counting)
    lstm_counting.train()
    predict(lstm_counting, counting, "234", n=3, temperature=1.0)
    assert lstm_counting.training
    assert same_weights(before, weights_of(lstm_counting))


def test_a_refused_prefix_changes_nothing():
    experiment = Experiment(Config(hidden_size=16, batch_size=8))
    experiment.train(3)
    step, history, weights = experiment.step, experiment.trainer.history.copy(), weights_of(experiment.model)
    for bad in ("2 25", "2 x", "²"):
        with pytest.raises(InputError) as error:
            experiment.predict(bad)
        assert "0 to 19" in str(error.value)
    assert experiment.step == step
    assert experiment.trainer.history.equals(history)
    assert same_weights(weights, weights_of(experiment.model))
    assert experiment.predict("234").prefix == [2, 3, 4]


def test_counting_lesson_learns_to_count():
    experiment = Experiment(defaults_for("counting"))
    before = experiment.predict("234", n=5).text
    experiment.train(experiment.config.steps)
    assert experiment.predict("234", n=5).text == "2 3 4 5 6 7 8 9"
    assert before != "2 3 4 5 6 7 8 9"
    assert experiment.predict("2,3,4", n=5).text == "2 3 4 5 6 7 8 9"


def test_sentences_lesson_finishes_the_sentence():
    experiment = Experiment(defaults_for("sentences"))
    assert experiment.config.hidden_size == 12
    experiment.train(experiment.config.steps)
    prediction = experiment.predict("good", n=11)
    assert prediction.text == "good i am fine "
    assert len(prediction.text) == 15
    assert experiment.trainer.history["loss"].iloc[0] > 2.0
