"""The Python API is public too: what Config bounds for the app, SeqModel, Trainer, load_dataset and predict refuse
with an InputError that says what is allowed, and the model, the trainer and the data are left as they were."""

import io
import json

import pytest
import torch
from conftest import same_weights, seeded_model, weights_of

from rnnviz import SeqModel, Trainer, load_dataset, predict
from rnnviz.config import LIMITS, Config, defaults_for
from rnnviz.datasets import make_series
from rnnviz.errors import InputError, shown
from rnnviz.experiment import Experiment
from rnnviz.files.checkpoint import export_bytes, read_checkpoint


def refusal(action, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        action(*args, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(("settings", "words"), [
    ({"cell": None}, "cell=None: choose one of rnn, lstm, gru."),
    ({"cell": "transformer"}, "cell='transformer': choose one of rnn, lstm, gru."),
    ({"hidden_size": 100_000}, "hidden_size 100000 is outside 1–512"),
    ({"hidden_size": "lots"}, "hidden_size='lots': it must be a whole number from 1 to 512."),
    ({"num_layers": 0}, "num_layers 0 is outside 1–4"),
    ({"embedding_dim": -1}, "embedding_dim -1 is outside 0–128"),
    ({"forget_bias": float("nan")}, "forget_bias=nan: it must be a finite number"),
    ({"vocab_size": 10**9}, "The vocabulary size must be a whole number from 1 to 256"),
    ({"input_size": 10**5000}, "a whole number of about 5,000 digits"),
])
def test_a_model_out_of_bounds_is_refused(settings, words):
    assert words in refusal(SeqModel, **{"input_size": 4, "output_size": 4, **settings})


def test_a_model_in_bounds_is_built_as_asked():
    model = SeqModel(20, 20, cell="GRU", hidden_size=512, num_layers=4, vocab_size=20, embedding_dim=128)
    assert (model.cell, model.hidden_size, model.num_layers, model.embedding_dim) == ("gru", 512, 4, 128)
    assert LIMITS["hidden_size"][2] == 512 and LIMITS["num_layers"][2] == 4  # the app's bounds, not a copy


@pytest.mark.parametrize(("options", "words"), [
    ({"batch_size": -1}, "batch_size -1 is outside 1–256"),
    ({"batch_size": 0}, "batch_size 0 is outside 1–256"),
    ({"batch_size": 2.5}, "batch_size 2.5 is not whole"),
    ({"seq_len": 0}, "seq_len 0 is outside 1–400"),
    ({"seed": -1}, "seed -1 is outside 0–2.14748e+09"),
    ({"clip": float("inf")}, "clip=inf: it must be a finite number"),
    ({"lr": 0}, "The learning rate must be a number above 0; got 0.0."),
    ({"lr": "fast"}, "The learning rate must be a number above 0"),
    ({"optimizer": None}, "Unknown optimizer None: choose adam or sgd."),
])
def test_a_trainer_out_of_bounds_is_refused_and_the_model_kept(counting, options, words):
    model = seeded_model(counting, hidden_size=8)
    before = weights_of(model)
    assert words in refusal(Trainer, model, counting, **options)
    assert same_weights(before, weights_of(model))


@pytest.mark.parametrize(("name", "options", "words"), [
    ("counting", {"runs": 10**9}, "counting runs must be a whole number from 1 to 100,000; got 1000000000."),
    ("counting", {"runs": 0}, "from 1 to 100,000; got 0."),
    ("sine", {"points": 10**9}, "The number of points must be a whole number from 3 to 100,000"),
    ("recall", {"lag": 10**5000}, "The lag must be a whole number from 0 to 300; got a whole number of about 5,000"),
    ("text", {"text": "   \n\t "}, "The text holds only blank space"),
    ("text", {"text": "ab\ud800cd"}, "The text holds U+D800 at character 3, which is not a character"),
    ("csv", {"values": [0.0, 1e-45, 0.0, 1e-45]}, "spans only 1.4e-45"),
    ("csv", {"values": [1.0, 2.0, 1e39]}, "holds 1e+39, too large for the model's 32-bit floats"),
    ("csv", {"values": "1e-45, 0, 1e-45, 0"}, "spans only 1.4e-45"),
    ("sentences", {"size": 3}, "The sentences data has no option size; it takes only a seed."),
    (["counting"], {}, "Unknown dataset ['counting']: choose one of counting, sentences"),
])
def test_datasets_out_of_bounds_are_refused(name, options, words):
    assert words in refusal(load_dataset, name, **options)


def test_numbers_that_float32_can_scale_are_accepted():
    series = make_series([0.0, 1e-30, 2e-30, 3e-30])  # tiny, but a spread float32 holds as a normal number
    assert torch.isfinite(series.stream).all() and float(series.stream.max()) == pytest.approx(1.0)


def test_predict_refuses_a_huge_prefix_before_reading_it(counting):
    model = seeded_model(counting, hidden_size=8)
    assert "The prefix has 1,200,000 characters; at most 200 are allowed." in refusal(
        predict, model, counting, "2" * 1_200_000)
    assert "The prefix has 1,000 items; at most 200" in refusal(predict, model, counting, [2] * 1000)
    assert predict(model, counting, "2" * 200, n=1).prefix == [2] * 200  # at the limit


def test_a_counting_prefix_with_thousands_of_digits_is_refused(counting):
    digits = "9" * 5000
    assert f"{'9' * 20}… is not in the vocabulary: the counting data uses the numbers 0 to 19." in refusal(
        counting.parse_prefix, "1 " + digits)
    assert "must hold whole numbers from 0 to 19" in refusal(counting.parse_prefix, [1, 10**5000])
    assert "must hold whole numbers from 0 to 19" in refusal(counting.parse_prefix, [1, "9" * 5000])
    assert counting.parse_prefix("0007 8") == [7, 8]  # leading zeros still read as the number


@pytest.mark.parametrize("prefix", ["1e308", "1" + "0" * 308, "0, -3.5e38", [0.5, 1e300]])
def test_a_sine_prefix_outside_float32_is_refused(sine, prefix):
    assert "too far outside the data's range (-1 to 1) for the model's 32-bit floats" in refusal(
        sine.parse_prefix, prefix)


def test_unencodable_and_huge_values_never_break_a_message():
    assert shown("a\ud800b") == "'a\\ud800b'" and shown(10**5000) == "a whole number of about 5,000 digits"
    assert shown([1, 10**5000]) == "a list too large to show"
    config, notices = Config.checked(hidden_size=10**5000, cell=10**5000, prefix="2\udcff3", text=10**5000)
    assert config == defaults_for("counting") and len(notices) == 4
    assert all(len(notice) < 300 for notice in notices)
    assert "Ignored prefix: it holds U+DCFF at character 2" in notices[2]


def test_config_exactly_refuses_what_checked_would_change():
    with pytest.raises(InputError, match="hidden_size 0 is outside 1–512: it must be a whole number from 1 to 512."):
        Config.exactly(hidden_size=0)
    with pytest.raises(InputError, match="The prefix has 201 characters; at most 200 are allowed."):
        Config.exactly(prefix="2" * 201)
    assert Config.exactly(defaults_for("sine"), hidden_size=7) == defaults_for("sine").replace(hidden_size=7)


def test_a_pt_model_file_with_a_long_number_or_a_lone_surrogate_is_refused(counting):
    exported = read_checkpoint(export_bytes(Experiment(defaults_for("counting").replace(hidden_size=4))))
    metadata = {"format": "rnnviz-checkpoint", "version": 1, "model": exported.model_settings,
                "config": exported.config.to_dict(), "dataset": exported.dataset, "step": 0}
    cases = [(("model", "hidden_size", 10**600), "hidden_size is a whole number of about 600 digits"),
             (("config", "prefix", "a\ud800"), "the text 'a\\ud800' in its settings holds U+D800 at character 2"),
             # torch's weights-only reader has no opcode for a number of 4,300 digits: refused as a Python object.
             ((None, "step", 10**5000), "holds Python objects that are not plain tensors")]
    for (section, key, value), words in cases:
        changed = json.loads(json.dumps(metadata))
        (changed if section is None else changed[section])[key] = value
        buffer = io.BytesIO()
        torch.save({"rnnviz": changed, "state_dict": exported.state_dict}, buffer)
        assert words in refusal(read_checkpoint, buffer.getvalue())
