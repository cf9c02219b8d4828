"""Share links under attack: every field round-trips, and nothing a link carries can crash the Config.

tests/test_config.py covers the ordinary clamping; these are the strange inputs a
shared link or st.query_params can hand over (lists, nested values, huge numbers,
long keys) and a property test that any valid lesson survives the address bar.
"""

import math
from dataclasses import fields
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz.config import (
    CHOICES,
    DATASET_DEFAULTS,
    LIMITS,
    MAX_PREFIX,
    MAX_SERIES_TEXT,
    MAX_TEXT,
    Config,
    caution,
    defaults_for,
)
from rnnviz.errors import InputError, shown
from rnnviz.serving.budget import over_budget

# A value unlike any dataset's default for each field a link carries (device stays on its machine).
UNUSUAL = {
    "text": "Hello, world & friends = ?#%\n\tünïcödé 🙂 +",
    "series": "1, 2.5, -3e-4, 7",
    "cell": "gru",
    "nonlinearity": "relu",
    "hidden_size": 33,
    "num_layers": 3,
    "embedding_dim": 7,
    "forget_bias": -1.25,
    "lr": 10 ** -2.5,
    "optimizer": "sgd",
    "batch_size": 17,
    "seq_len": 31,
    "clip": 0.37,
    "seed": 2**31 - 1,
    "carry_state": None,  # flipped from the dataset's default
    "steps": 777,
    "prefix": "Zz 9,. +&",
    "predict_len": 42,
    "temperature": 0.7,
    "lag": 33,
}


def test_every_field_but_the_device_has_an_unusual_value_here():
    assert set(UNUSUAL) == {f.name for f in fields(Config)} - {"dataset", "device"}


@pytest.mark.parametrize("dataset", sorted(DATASET_DEFAULTS))
@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_each_field_alone_round_trips_through_an_address_bar(dataset, name):
    base = defaults_for(dataset)
    value = (not base.carry_state) if name == "carry_state" else UNUSUAL[name]
    if name == "cell" and value == base.cell:
        value = "rnn"  # the brackets and adding presets start from a gru
    config = base.replace(**{name: value})
    if name == "nonlinearity":
        config = config.replace(cell="rnn")
    query = config.to_query()
    assert name in query and query["dataset"] == dataset
    assert Config.from_query(query) == (config, [])
    in_the_bar = parse_qs(urlencode(query), keep_blank_values=True)  # what a browser gives back: lists
    assert Config.from_query(in_the_bar) == (config, [])


def valid_configs():
    """Any Config a widget could produce: every number in range, every choice allowed."""
    numbers = {name: (st.integers(low, high) if kind is int else st.floats(low, high, allow_nan=False))
               for name, (kind, low, high) in LIMITS.items()}
    choices = {name: st.sampled_from(CHOICES[name]) for name in ("cell", "optimizer")}
    series = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=0, max_size=20).map(
        lambda values: ", ".join(repr(v) for v in values))
    return st.builds(
        lambda dataset, relu, **values: defaults_for(dataset).replace(
            nonlinearity="relu" if relu and values["cell"] == "rnn" else "tanh", **values),
        dataset=st.sampled_from(sorted(DATASET_DEFAULTS)), relu=st.booleans(),
        text=st.text(max_size=300), prefix=st.text(max_size=MAX_PREFIX), series=series,
        carry_state=st.booleans(), **numbers, **choices,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_any_valid_lesson_round_trips_exactly(config):
    if over_budget(config, defaults_for(config.dataset)) is not None:  # too much work: refused, within budget
        refused, notices = Config.from_query(config.to_query())
        assert over_budget(refused) is None and "RNNVIZ_STEP_BUDGET" in notices[-1]
        return
    for query in (config.to_query(), parse_qs(urlencode(config.to_query()), keep_blank_values=True)):
        read, notices = Config.from_query(query)
        assert read == config
        # Nothing changed on the way; a learning rate above 1 comes back with its caution, as it should.
        assert notices == ([caution("lr", config.lr)] if caution("lr", config.lr) else [])


def test_floats_keep_every_digit_in_a_link():
    config = defaults_for("counting").replace(lr=0.00123456789012345, clip=1 / 3, forget_bias=-math.pi)
    assert Config.from_query(config.to_query())[0] == config


# -- what st.query_params and hand-edited links can carry ---------------------------------------
@pytest.mark.parametrize("raw", [[], [[]], [["12"]], {"a": 1}, None, b"12", object(), True, 10**400, -1e400,
                                 float("nan"), "", " ", "0x10", "½", "1e999", "-inf", "NaN", "12 13",
                                 10**5000, -(10**5000), "9" * 5000, [10**5000], "\ud800", 5e-324, "1e-320"],
                         ids=lambda raw: shown(raw, 12))
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_numbers_that_are_not_numbers_never_crash(name, raw):
    config, notices = Config.from_query({name: raw})
    kind, low, high = LIMITS[name]
    value = getattr(config, name)
    assert isinstance(value, kind) and low <= value <= high
    assert all(isinstance(n, str) and len(n) < 300 for n in notices)


@pytest.mark.parametrize("raw, expected", [(" 12 ", 12), ("12.7", 13), ("+5", 5), ("1_000", 512), ("1e2", 100),
                                           (["3", "40"], 40), (("7",), 7)])
def test_number_spellings_and_the_last_of_repeated_values(raw, expected):
    assert Config.from_query({"hidden_size": raw})[0].hidden_size == expected


@pytest.mark.parametrize("raw", [[], 5, {"sine": 1}, [["sine"]], "../../etc/passwd",
                                 "<script>alert(1)</script>", "", "x" * 100_000, "sine\udc80", 10**5000],
                         ids=lambda raw: shown(raw, 12))
def test_hostile_dataset_names_fall_back_to_counting(raw):
    config, notices = Config.from_query({"dataset": raw, "hidden_size": "12"})
    assert config.dataset == "counting" and config.hidden_size == 12
    assert len(notices) == 1 and len(notices[0]) < 200
    assert Config.from_query({"dataset": None}) == (defaults_for("counting"), [])  # None: not given


def test_dataset_names_are_read_like_the_other_choices():
    assert Config.from_query({"dataset": " Sine "})[0] == defaults_for("sine")
    assert Config.from_query({"dataset": ["counting", "sentences"]})[0] == defaults_for("sentences")


@pytest.mark.parametrize("key", ["base", "cls", "self", "values", "__class__", "x" * 100_000, "", "dataset "])
def test_unknown_keys_even_python_ones_are_only_noted(key):
    config, notices = Config.from_query({key: "1", "seed": "4"})
    assert config == defaults_for("counting").replace(seed=4)
    assert len(notices) == 1 and len(notices[0]) < 100


def test_very_long_prefix_text_and_series():
    config, notices = Config.from_query({"prefix": "2" * 100_000, "text": "ab" * MAX_TEXT})
    assert len(config.prefix) == MAX_PREFIX and len(config.text) == MAX_TEXT
    assert len(notices) == 2 and all(len(n) < 200 for n in notices)
    config, notices = Config.from_query({"dataset": "csv", "series": "1," * MAX_SERIES_TEXT})
    assert config.series == "" and len(notices) == 1 and len(notices[0]) < 200


@pytest.mark.parametrize("raw", ["1, 2, abc", "nan, 1, 2", "inf", "1;2;3<script>", ["1, 2", "x"]])
def test_a_series_with_anything_but_numbers_is_dropped(raw):
    config, notices = Config.from_query({"dataset": "csv", "series": raw})
    assert config.series == "" and len(notices) == 1 and "series" in notices[0]


@pytest.mark.parametrize("name", ["cell", "nonlinearity", "optimizer", "device", "carry_state"])
@pytest.mark.parametrize("raw", [[], [[]], None, 1, "", "  ", "lstm\x00", "ＬＳＴＭ", "x" * 10_000, "lstm\ud800",
                                 10**5000], ids=lambda raw: shown(raw, 12))
def test_choices_given_nonsense_keep_their_defaults(name, raw):
    config, notices = Config.from_query({name: raw})
    base = defaults_for("counting")
    if name == "carry_state" and raw in ("", "  ", 1):
        assert config.carry_state is (raw == 1)  # 1 is on; an empty switch in a link means off
    else:
        assert getattr(config, name) == getattr(base, name)
    assert all(len(n) < 300 for n in notices)


def test_query_params_as_pairs_and_as_a_mapping_agree():
    pairs = [("dataset", "sentences"), ("hidden_size", "20"), ("prefix", "hey")]
    assert Config.from_query(pairs) == Config.from_query(dict(pairs))
    assert Config.from_query(pairs)[0] == defaults_for("sentences").replace(hidden_size=20, prefix="hey")


# -- the classes a hostile-input probe found: lone surrogates, numbers of thousands of digits -----------------
# Some text, a lone surrogate (U+D800–U+DFFF: what JSON's "\\ud800" or an undecodable command-line byte gives), more.
unencodable = st.tuples(st.text(max_size=12), st.characters(categories=["Cs"]), st.text(max_size=12)).map("".join)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["text", "prefix", "series", "cell", "hidden_size", "carry_state"]), raw=unencodable)
def test_text_that_is_not_unicode_never_reaches_a_config(name, raw):
    config, notices = Config.from_query({"dataset": "text", name: raw})
    assert config == defaults_for("text")
    assert len(notices) == 1 and name in notices[0] and len(notices[0]) < 300
    notices[0].encode("utf-8")  # the notice quotes the value escaped, so a page can show it
    if name in ("text", "prefix"):
        assert "which is not a character" in notices[0]


@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(sorted(LIMITS) + ["cell", "prefix", "text", "carry_state"]),
       digits=st.integers(4301, 8000), sign=st.sampled_from([1, -1]))
def test_whole_numbers_of_thousands_of_digits_are_dropped_with_a_short_notice(name, digits, sign):
    for raw in (sign * 10**digits, "9" * digits):
        config, notices = Config.checked(defaults_for("counting"), **{name: raw})
        kind = LIMITS.get(name, (str,))[0]
        assert isinstance(getattr(config, name), kind if name != "carry_state" else bool)
        assert all(len(notice) < 300 for notice in notices)
        if name == "text" and isinstance(raw, str):
            assert config.text == raw  # digits are text a model can learn
        else:
            with pytest.raises(InputError):
                Config.exactly(defaults_for("counting"), **{name: raw})
