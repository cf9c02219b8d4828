"""Config: every setting clamped into the bounds that keep a shared server safe, and share links that round-trip."""

import math
from dataclasses import fields
from urllib.parse import parse_qs, urlencode

import pytest

from rnnviz import InputError
from rnnviz.config import (
    CHOICES,
    DATASET_DEFAULTS,
    LABELS,
    LIMITS,
    MAX_PREFIX,
    MAX_URL_TEXT,
    Config,
    caution,
    defaults_for,
    label,
)
from rnnviz.datasets import DATASETS


@pytest.mark.parametrize("name,raw,expected,words", [
    ("hidden_size", 10**6, 512, ["hidden_size", "512"]),
    ("hidden_size", -5, 1, ["hidden_size", "1"]),
    ("hidden_size", "1e30", 512, ["hidden_size", "512"]),
    ("num_layers", 9, 4, ["num_layers", "4"]),
    ("lr", 0, 1e-5, ["lr", "1e-05"]),
    ("lr", "500", 100.0, ["lr", "100"]),
    ("seed", -1, 0, ["seed"]),
    ("batch_size", 100_000, 256, ["batch_size", "256"]),
    ("seq_len", 0, 1, ["seq_len"]),
    ("clip", -3, 0.0, ["clip"]),
    ("temperature", 99, 10.0, ["temperature", "10"]),
    ("steps", 10**9, 100_000, ["steps"]),
])
def test_out_of_range_numbers_are_clamped_with_a_notice(name, raw, expected, words):
    config, notices = Config.checked(**{name: raw})
    assert getattr(config, name) == expected
    assert len(notices) == 1 + (caution(name, expected) is not None)
    for word in words:
        assert word in notices[0]


@pytest.mark.parametrize("name,raw,words", [
    ("hidden_size", math.nan, ["hidden_size", "finite", "1 to 512"]),
    ("lr", "inf", ["lr", "finite"]),
    ("hidden_size", "many", ["'many'", "number", "1 to 512"]),
    ("batch_size", None, ["batch_size", "number"]),
    ("hidden_size", 10**400, ["hidden_size", "number"]),
    ("cell", "transformer", ["'transformer'", "rnn, lstm, gru"]),
    ("optimizer", "rmsprop", ["adam", "sgd"]),
    ("dataset", "mnist", ["'mnist'", "counting"]),
    ("carry_state", "maybe", ["carry_state", "true or false"]),
    ("device", "tpu", ["'tpu'", "cpu"]),
])
def test_values_that_cannot_be_understood_are_dropped_with_a_notice(name, raw, words):
    base = defaults_for("sentences")
    config, notices = Config.checked(base, **{name: raw})
    assert config == base
    assert len(notices) == 1
    for word in words:
        assert word in notices[0]


def test_accepted_values_are_normalised_silently():
    config, notices = Config.checked(cell=" LSTM ", hidden_size="24", lr="0.003", carry_state="yes",
                                     num_layers=2.0, device="CPU")
    assert notices == []
    assert (config.cell, config.hidden_size, config.lr, config.carry_state, config.num_layers, config.device) == \
        ("lstm", 24, 0.003, True, 2, "cpu")
    assert isinstance(config.hidden_size, int) and isinstance(config.lr, float)
    assert Config.checked(carry_state="off")[0].carry_state is False


def test_checked_keeps_the_base_and_notes_unknown_settings():
    base = defaults_for("shakespeare")
    config, notices = Config.checked(base, hidden_size=32, colour="red")
    assert config == base.replace(hidden_size=32)
    assert base.hidden_size == 64  # the base itself is untouched
    assert notices == ["Ignored unknown setting 'colour'."]


def test_relu_only_with_the_plain_rnn():
    config, notices = Config.checked(cell="gru", nonlinearity="relu")
    assert (config.cell, config.nonlinearity) == ("gru", "tanh")
    assert any("relu" in n for n in notices)
    config, notices = Config.checked(cell="rnn", nonlinearity="relu")
    assert config.nonlinearity == "relu" and notices == []


def test_long_prefix_and_text_are_cut_with_a_notice():
    config, notices = Config.checked(prefix="1" * (MAX_PREFIX + 50))
    assert config.prefix == "1" * MAX_PREFIX
    assert notices and "prefix" in notices[0]


def test_every_limit_is_enforced():
    small = Config(hidden_size=16, batch_size=4)  # each knob alone at its limit stays within the work budget
    for name, (_kind, low, high) in LIMITS.items():
        config, notices = Config.checked(small, **{name: high * 10 + 10})
        assert getattr(config, name) == high and notices, name
        config, _ = Config.checked(small, **{name: low - 10})
        assert getattr(config, name) == low, name


def a_config_unlike_the_defaults() -> Config:
    return Config(
        dataset="text", text="Some text\nover two lines, with symbols: & = ? # %", cell="lstm",
        nonlinearity="tanh", hidden_size=33, num_layers=3, embedding_dim=7, forget_bias=1.25,
        lr=10 ** -2.5, optimizer="sgd", batch_size=17, seq_len=31, clip=0.37, seed=12345,
        carry_state=True, steps=777, prefix="So", predict_len=42, temperature=0.7, lag=33,
    )


def test_share_links_round_trip_every_field():
    config = a_config_unlike_the_defaults()
    defaults = defaults_for("text")
    changed = {f.name for f in fields(Config) if getattr(config, f.name) != getattr(defaults, f.name)}
    assert changed >= {"cell", "hidden_size", "num_layers", "embedding_dim", "forget_bias", "lr", "optimizer",
                       "batch_size", "seq_len", "clip", "seed", "carry_state", "steps", "prefix", "predict_len",
                       "temperature", "lag", "text"}
    query = config.to_query()
    assert all(isinstance(v, str) for v in query.values())
    restored, notices = Config.from_query(query)
    assert notices == []
    assert restored == config
    # Through a real address bar: encoded, then parsed back into lists of values.
    parsed = parse_qs(urlencode(query), keep_blank_values=True)
    restored, notices = Config.from_query(parsed)
    assert notices == [] and restored == config


@pytest.mark.parametrize("dataset", sorted(DATASET_DEFAULTS))
def test_a_lesson_link_is_short_and_round_trips(dataset):
    defaults = defaults_for(dataset)
    assert defaults.to_query() == {"dataset": dataset}
    assert Config.from_query(defaults.to_query()) == (defaults, [])
    tweaked = defaults.replace(lr=0.02, seed=3)
    assert set(tweaked.to_query()) == {"dataset", "lr", "seed"}
    assert Config.from_query(tweaked.to_query())[0] == tweaked


def test_the_device_is_not_put_in_a_link():
    config = Config(device="cpu")
    assert "device" not in config.to_query()
    assert Config.from_query(config.to_query())[0].device == "auto"


def test_very_long_text_is_left_out_of_a_link():
    config = Config(dataset="text", text="x" * (MAX_URL_TEXT + 1))
    assert "text" not in config.to_query()


def test_unknown_dataset_in_a_link_falls_back_with_a_notice():
    config, notices = Config.from_query({"dataset": "imagenet", "hidden_size": "12"})
    assert config.dataset == "counting" and config.hidden_size == 12
    assert len(notices) == 1 and "'imagenet'" in notices[0] and "counting" in notices[0]


def test_a_hostile_link_is_clamped_not_obeyed():
    config, notices = Config.from_query({"dataset": "counting", "hidden_size": "99999999",
                                         "num_layers": "-3", "steps": "nan", "base": "x", "lr": "1e400"})
    assert config.hidden_size == 512 and config.num_layers == 1
    assert config.steps == defaults_for("counting").steps and config.lr == defaults_for("counting").lr
    assert len(notices) == 5


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_dataset_has_defaults_and_a_link(dataset):
    """A dataset in the registry but without lesson defaults would crash a link that names it."""
    assert dataset in CHOICES["dataset"]
    config, notices = Config.from_query({"dataset": dataset})
    assert config.dataset == dataset and notices == []


def test_defaults_for_an_unknown_dataset_is_refused():
    with pytest.raises(InputError, match="'nope'.*counting"):
        defaults_for("nope")


def test_a_learning_rate_up_to_100_is_allowed_with_a_warning_above_1():
    config, notices = Config.checked(lr=50)
    assert config.lr == 50.0
    assert len(notices) == 1 and "above 1" in notices[0] and "50" in notices[0] and "blow up" in notices[0]
    assert Config.checked(lr=1.0)[1] == [] and Config.checked(lr=0.5)[1] == []
    config, notices = Config.checked(lr=1e9)
    assert config.lr == 100.0 and any("outside" in n for n in notices) and any("above 1" in n for n in notices)
    # Only the settings passed are checked: a config that already has lr 50 is not warned about twice.
    assert Config.checked(config, predict_len=3)[1] == []


def test_every_setting_has_a_human_label():
    assert set(LABELS) == {f.name for f in fields(Config)}
    assert label("num_layers") == "Layers" and label("lr") == "Learning rate"
    assert all("_" not in text for text in LABELS.values())
