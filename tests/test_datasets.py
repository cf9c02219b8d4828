"""Datasets: the data each lesson trains on, its batches, its prefixes, and the text it refuses."""

import math

import pytest
import torch

from rnnviz import InputError, load_dataset
from rnnviz.datasets import (
    DATASETS,
    MAX_SYMBOLS,
    MAX_TEXT_CHARS,
    SENTENCES,
    SHAKESPEARE,
    SeriesDataset,
    check_text,
    dataset_names,
    make_text,
)


def is_window_of(stream, window) -> bool:
    n = len(window)
    return any(torch.equal(stream[i:i + n], window) for i in range(len(stream) - n + 1))


# -- counting (L0) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_counting_stream_is_100_runs_of_ten(seed):
    ds = load_dataset("counting", seed=seed)
    assert ds.stream.dtype == torch.long and ds.stream.shape == (1000,)
    runs = ds.stream.reshape(100, 10)
    assert ((runs[:, 0] >= 0) & (runs[:, 0] <= 10)).all()
    assert torch.equal(runs - runs[:, :1], torch.arange(10).expand(100, 10))
    assert len(set(runs[:, 0].tolist())) > 5  # the starts really vary
    assert ds.symbols == [str(i) for i in range(20)] and ds.vocab_size == 20
    assert ds.input_size == ds.output_size == 20


def test_counting_is_reproducible_per_seed():
    assert torch.equal(load_dataset("counting", seed=3).stream, load_dataset("counting", seed=3).stream)
    assert not torch.equal(load_dataset("counting", seed=3).stream, load_dataset("counting", seed=4).stream)


def test_counting_batches_are_shifted_windows_of_the_stream(counting):
    inputs, targets = counting.batch(50, 20, torch.Generator().manual_seed(0))
    assert inputs.shape == targets.shape == (50, 20)
    assert inputs.dtype == targets.dtype == torch.long
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    for row in range(0, 50, 7):
        assert is_window_of(counting.stream, torch.cat([inputs[row], targets[row, -1:]]))
    again, _ = counting.batch(50, 20, torch.Generator().manual_seed(0))
    other, _ = counting.batch(50, 20, torch.Generator().manual_seed(1))
    assert torch.equal(inputs, again) and not torch.equal(inputs, other)


def test_counting_validation_batch_is_fixed_and_held_out(counting):
    first = counting.validation_batch(50, 20)
    second = counting.validation_batch(50, 20)
    assert first is not None
    inputs, targets = first
    assert inputs.shape == targets.shape and inputs.shape[1] == 20 and 1 <= inputs.shape[0] <= 50
    assert torch.equal(inputs, second[0]) and torch.equal(targets, second[1])
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    for row in range(inputs.shape[0]):
        assert is_window_of(counting.validation, torch.cat([inputs[row], targets[row, -1:]]))
    assert not torch.equal(counting.validation, counting.stream[:len(counting.validation)])


# -- prefixes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["234", "2 3 4", "2,3,4", " 2, 3 ,4 ", "2;3;4", [2, 3, 4], ["2", "3", "4"]])
def test_counting_prefix_forms(counting, typed):
    assert counting.parse_prefix(typed) == [2, 3, 4]


def test_counting_numbers_above_nine_need_a_separator(counting):
    assert counting.parse_prefix("12 13") == [12, 13]
    assert counting.parse_prefix("12,13,19") == [12, 13, 19]
    assert counting.parse_prefix("1213") == [1, 2, 1, 3]
    assert counting.parse_prefix("25") == [2, 5]  # no separator: one digit per token, as in L0
    assert counting.format([2, 3, 4, 12]) == "2 3 4 12"
    assert counting.decode([0, 19]) == ["0", "19"]
    assert counting.encode(["5", "15"]) == [5, 15]


@pytest.mark.parametrize("typed,named", [("2 25", "25"), ("25,", "25"), ("a", "'a'"), ("2 x", "'x'"), ("2 3 20", "20"),
                                         ("-1", "'-'"), ("²", "'²'"), ([25], "25"), (["x"], "'x'")])
def test_counting_bad_symbols_name_the_symbol_and_the_vocabulary(counting, typed, named):
    with pytest.raises(InputError) as error:
        counting.parse_prefix(typed)
    message = str(error.value)
    assert named in message
    assert "0" in message and "19" in message


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_counting_empty_prefix_is_refused(counting, typed):
    with pytest.raises(InputError, match="at least one"):
        counting.parse_prefix(typed)


def test_character_prefix_names_the_symbol_and_shows_the_vocabulary():
    ds = load_dataset("sentences", seed=0)
    assert ds.format(ds.parse_prefix("good")) == "good"
    with pytest.raises(InputError) as error:
        ds.parse_prefix("goOd")
    message = str(error.value)
    assert "'O'" in message
    for symbol in "abcdefghi":
        if symbol in ds.symbols:
            assert symbol in message
    assert "' '" in message  # the space is shown so the learner can see it is allowed


# -- sentences (L2) --------------------------------------------------------------------------------
def test_sentences_are_padded_items_with_seventeen_symbols():
    ds = load_dataset("sentences", seed=0)
    assert ds.vocab_size == 17 and ds.symbols == sorted(set("".join(SENTENCES)))
    assert ds.fixed_length
    width = max(len(s) for s in SENTENCES)
    assert ds.items.shape == (3, width)
    assert sorted(ds.format(row) for row in ds.items) == sorted(s.ljust(width) for s in SENTENCES)
    inputs, targets = ds.batch(3, 999)  # fixed-length items ignore seq_len
    assert inputs.shape == targets.shape == (3, width - 1) and inputs.dtype == torch.long
    full = {s.ljust(width) for s in SENTENCES}
    for row_in, row_out in zip(inputs, targets):
        sentence = ds.format(row_in) + ds.format(row_out)[-1]
        assert sentence in full
        assert ds.format(row_out) == sentence[1:] and ds.format(row_in) == sentence[:-1]
    assert ds.validation_batch(3, 14) is None


def test_sentences_smaller_batches_are_drawn_from_the_three():
    ds = load_dataset("sentences", seed=0)
    inputs, targets = ds.batch(2, 14, torch.Generator().manual_seed(0))
    assert inputs.shape == (2, 14)
    rows = {tuple(r.tolist()) for r in ds.items[:, :-1]}
    assert all(tuple(r.tolist()) in rows for r in inputs)


# -- shakespeare and own text ----------------------------------------------------------------------
def test_shakespeare_is_the_four_lines_by_character():
    ds = load_dataset("shakespeare", seed=0)
    assert ds.format(ds.stream) == SHAKESPEARE
    assert SHAKESPEARE.count("\n") == 3
    assert ds.symbols == sorted(set(SHAKESPEARE))
    inputs, targets = ds.batch(4, 30, torch.Generator().manual_seed(0))
    assert inputs.shape == (4, 30) and torch.equal(inputs[:, 1:], targets[:, :-1])
    assert ds.format(inputs[0]) in SHAKESPEARE


def test_text_dataset_and_its_validation_tail():
    text = "".join(f"line {i} of a long text\n" for i in range(200))
    ds = load_dataset("text", seed=0, text=text)
    assert ds.symbols == sorted(set(text))
    assert len(ds.stream) + len(ds.validation) == len(text)
    assert ds.format(ds.validation) == text[len(ds.stream):]
    inputs, targets = ds.validation_batch(8, 30)
    assert inputs.shape == (8, 30)
    tail = text[len(ds.stream):]
    for row_in, row_out in zip(inputs, targets):
        assert (ds.format(row_in) + ds.format(row_out)[-1]) in tail
    short = load_dataset("text", seed=0, text="abcabc")
    assert short.validation_batch(8, 3) is None


def test_seq_len_longer_than_the_data_is_refused():
    ds = load_dataset("text", seed=0, text="hello there")
    ds.batch(2, len("hello there") - 1)
    with pytest.raises(InputError) as error:
        ds.batch(2, 11)
    assert "11" in str(error.value) and "1 to 10" in str(error.value)
    with pytest.raises(InputError):
        ds.next_batch(2, 0, 0)


def test_next_batch_continues_each_lane():
    """Batch k+1 starts in every lane exactly where batch k ended (unique symbols show the position)."""
    text = "".join(chr(0x4E00 + i) for i in range(240))
    ds = make_text(text)
    for batch_size, seq_len in [(1, 7), (4, 5), (7, 3), (3, 1)]:
        previous = None
        for k in range(6):
            inputs, targets = ds.next_batch(batch_size, seq_len, k)
            assert inputs.shape == (batch_size, seq_len)
            assert torch.equal(inputs[:, 1:], targets[:, :-1])
            if previous is not None:
                assert torch.equal(inputs[:, 0], previous[:, -1])
            previous = targets
        starts = {int(row[0]) for row in ds.next_batch(batch_size, seq_len, 0)[0]}
        assert len(starts) == batch_size  # lanes do not start at the same place


def test_series_next_batch_continues_too():
    ds = SeriesDataset("ramp", "Ramp", "", torch.arange(300.0))
    previous = None
    for k in range(5):
        inputs, targets = ds.next_batch(2, 10, k)
        assert inputs.shape == (2, 10, 1)
        if previous is not None:
            assert torch.equal(inputs[:, 0], previous[:, -1])
        previous = targets


# -- sine (L4) -------------------------------------------------------------------------------------
def test_sine_batches_are_float_values(sine):
    inputs, targets = sine.batch(4, 20, torch.Generator().manual_seed(0))
    assert inputs.shape == targets.shape == (4, 20, 1)
    assert inputs.dtype == torch.float32
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
    assert sine.input_size == sine.output_size == 1 and not sine.is_tokens
    low, high = sine.value_range
    assert low == pytest.approx(-1, abs=1e-3) and high == pytest.approx(1, abs=1e-3)
    x = torch.arange(len(sine.values), dtype=torch.float64) * sine.x_step
    assert sine.from_model(sine.stream[:50]) == pytest.approx(torch.sin(x[:50]).tolist(), abs=1e-5)
    assert sine.validation_batch(4, 20) is None


def test_sine_prefix_is_numbers(sine):
    assert sine.parse_prefix("0, 0.16, 0.31") == [0.0, 0.16, 0.31]
    assert sine.parse_prefix("0 -0.5;1e-1") == [0.0, -0.5, 0.1]
    assert sine.parse_prefix([0.5, 1]) == [0.5, 1.0]
    torch.testing.assert_close(sine.to_model(sine.from_model(torch.tensor([0.2, -0.7]))), torch.tensor([0.2, -0.7]))
    assert sine.format([0.123, -1]) == "0.12, -1.00"
    for bad, named in [("0, x", "'x'"), ("nan", "'nan'"), ("1, inf", "'inf'"), ("", "number")]:
        with pytest.raises(InputError) as error:
            sine.parse_prefix(bad)
        assert named in str(error.value)


def test_series_refuses_too_few_or_non_finite_values():
    with pytest.raises(InputError, match="at least 3"):
        SeriesDataset("s", "S", "", [1.0, 2.0])
    with pytest.raises(InputError, match="finite"):
        SeriesDataset("s", "S", "", [1.0, math.nan, 2.0])


# -- refused text ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text,wrong,allowed", [
    ("", "empty", "at least"),
    ("a" * (MAX_TEXT_CHARS + 1), "1,000,001", "1,000,000"),
    ("".join(chr(0x100 + i) for i in range(MAX_SYMBOLS + 10)), "266 distinct", "at most 256"),
    ("ab\0cd", "NUL", "newlines and tabs"),
    ("ok\nthen\x01", "U+0001", "newlines and tabs"),
    ("escape \x1b[31m", "U+001B", "printable"),
    ("del\x7f", "U+007F", "printable"),
])
def test_text_refusals_say_what_is_wrong_and_what_is_allowed(text, wrong, allowed):
    with pytest.raises(InputError) as error:
        load_dataset("text", seed=0, text=text)
    assert wrong in str(error.value) and allowed in str(error.value)


def test_text_control_character_message_gives_the_line():
    with pytest.raises(InputError, match="line 3"):
        check_text("one\ntwo\nthree\0")


def test_text_limits_allow_their_edges():
    assert check_text("a\tb\nc") == "a\tb\nc"
    edge = "".join(chr(0x100 + i) for i in range(MAX_SYMBOLS))
    assert load_dataset("text", seed=0, text=edge).vocab_size == MAX_SYMBOLS
    assert len(check_text("ab" * (MAX_TEXT_CHARS // 2))) == MAX_TEXT_CHARS


def test_text_refuses_non_strings_and_missing_text():
    with pytest.raises(InputError, match="string"):
        check_text(b"bytes")
    with pytest.raises(InputError, match="needs text"):
        load_dataset("text", seed=0)


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(InputError) as error:
        load_dataset("mnist")
    assert "'mnist'" in str(error.value)
    for name in ("counting", "sentences", "shakespeare", "sine", "text"):
        assert name in str(error.value) and name in DATASETS
    assert dataset_names() == list(DATASETS)


def test_c1_control_characters_are_refused_too():
    from rnnviz.datasets import check_text
    from rnnviz.errors import InputError

    with pytest.raises(InputError, match=r"control character U\+0085 on line 2"):
        check_text("fine\nnext\x85line")
    assert check_text("tabs\tand\nnewlines are fine")
