"""A learner's own data: text and CSV uploads are accepted, or refused with a message that says why."""

import pytest
import torch

from rnnviz.config import Config, defaults_for
from rnnviz.datasets import MAX_SERIES_VALUES, MAX_SYMBOLS
from rnnviz.datasets.uploads import (
    MAX_UPLOAD_BYTES,
    csv_config,
    numeric_columns,
    series_from_csv,
    series_text,
    text_config,
    text_from_upload,
)
from rnnviz.errors import InputError
from rnnviz.experiment import Experiment


class UploadedFile:
    """What Streamlit's file_uploader hands over: a name and getvalue()."""

    def __init__(self, name, data):
        self.name, self._data = name, data

    def getvalue(self):
        return self._data


def refusal(function, *args, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        function(*args, **kwargs)
    return str(caught.value)


# -- text ----------------------------------------------------------------------------------------
def test_utf8_text_is_read_with_its_byte_order_mark_and_windows_line_ends_cleaned():
    assert text_from_upload("héllo wörld\n".encode()) == "héllo wörld\n"
    assert text_from_upload(b"\xef\xbb\xbfhello\r\nthere\rend") == "hello\nthere\nend"
    assert text_from_upload(UploadedFile("poem.txt", b"roses are red")) == "roses are red"


def test_utf16_is_named_as_what_was_found():
    message = refusal(text_from_upload, "hello there".encode("utf-16"), "notes.txt")
    assert "UTF-16" in message and "notes.txt" in message and "UTF-8" in message
    message = refusal(text_from_upload, "hello there, a longer line".encode("utf-16-le"))
    assert "UTF-16 without a byte-order mark" in message
    assert "UTF-32" in refusal(text_from_upload, "hi".encode("utf-32"))


def test_latin1_text_names_the_first_bad_byte_and_its_offset():
    message = refusal(text_from_upload, "caf\xe9 au lait".encode("latin-1"))
    assert "byte 3 (0xE9)" in message
    assert "Latin-1" in message and "'é'" in message
    assert "byte 5 (0xE9)" in refusal(text_from_upload, b"\xef\xbb\xbfab\xe9")  # counted from the file's start


def test_a_binary_file_is_recognised():
    assert "PNG image" in refusal(text_from_upload, b"\x89PNG\r\n\x1a\n" + bytes(50), "cat.png")
    assert "zip archive" in refusal(text_from_upload, b"PK\x03\x04\x14\x00\x06\x00\xff\xfe")


def test_empty_blank_and_oversized_files_are_refused():
    assert "empty" in refusal(text_from_upload, b"")
    assert "empty" in refusal(text_from_upload, b"\xef\xbb\xbf")
    assert "blank" in refusal(text_from_upload, b" \n\n\t ")
    message = refusal(text_from_upload, b"a" * (MAX_UPLOAD_BYTES + 1), "big.txt")
    assert "1 MB" in message and f"{MAX_UPLOAD_BYTES + 1:,} bytes" in message
    assert len(text_from_upload("é".encode() * (MAX_UPLOAD_BYTES // 2))) == MAX_UPLOAD_BYTES // 2  # at the limit


def test_text_rules_apply_to_uploads():
    assert "NUL on line 2" in refusal(text_from_upload, b"first line\nsecond\x00line")
    many = "".join(chr(0x100 + i) for i in range(MAX_SYMBOLS + 10)).encode()
    assert "distinct characters" in refusal(text_from_upload, many)
    assert "at least 2 characters" in refusal(text_from_upload, b"a")
    with pytest.raises(InputError):
        text_from_upload("not bytes")


def test_text_config_trains_on_the_upload_and_predicts_from_its_start():
    text = text_from_upload(b"the cat sat on the mat. " * 30)
    config, notices = text_config(text, base=defaults_for("counting"))
    assert notices == [] and config.dataset == "text" and config.text == text
    assert config.prefix == "the cat sat "
    experiment = Experiment(config.replace(hidden_size=8))
    experiment.train(2)
    assert experiment.predict(n=5).text.startswith("the cat sat ")


def test_text_too_short_for_the_sequence_length_is_refused():
    message = refusal(text_config, "a short text", defaults_for("text").replace(seq_len=50))
    assert "Sequence length 50" in message and "1 to 11" in message


# -- CSV -----------------------------------------------------------------------------------------
def table(*rows) -> bytes:
    return "\n".join(rows).encode()


def test_numeric_columns_are_listed_and_the_first_is_the_default():
    data = table("date,temperature,city,rain", *[f"2024-01-{d:02d},{d * 0.5},Oslo,{d % 3}" for d in range(1, 30)])
    assert numeric_columns(data) == ["temperature", "rain"]
    assert series_from_csv(data).values[:3].tolist() == [0.5, 1.0, 1.5]
    rain = series_from_csv(data, column="rain", seq_len=20)
    assert rain.name == "csv" and rain.values[:4].tolist() == [1.0, 2.0, 0.0, 1.0]
    assert "rain" in rain.title


def test_other_separators_and_headerless_files_are_read():
    assert numeric_columns(table("a;b", *[f"{i};{i * 2}" for i in range(10)])) == ["a", "b"]
    headerless = series_from_csv(table(*[str(i) for i in range(10)]))
    assert headerless.values.tolist() == [float(i) for i in range(10)]  # the first number is data, not a name
    assert numeric_columns(table(*[f"{i}\t{-i}" for i in range(5)])) == ["column 1", "column 2"]


def test_no_numeric_column_is_refused_with_what_was_found():
    message = refusal(series_from_csv, table("name,score", "ann,1,5", "bob,2,5"), filename="marks.csv")
    assert "'marks.csv' has rows with more cells than its header" in message
    message = refusal(series_from_csv, table("name,score", "ann,high", "bob,low"), filename="marks.csv")
    assert "no column of numbers" in message and "'score' holds text such as 'high'" in message
    assert "point for decimals" in message


def test_missing_values_are_counted_and_located():
    rows = [f"{i},{'' if i in (2, 5, 6) else i}" for i in range(30)]
    message = refusal(series_from_csv, table("t,value", *rows), column="value")
    assert "3 missing values" in message and "rows 3, 6, 7" in message


def test_non_finite_values_are_counted_and_located():
    rows = [f"{i},{'inf' if i == 4 else '-inf' if i == 9 else i}" for i in range(30)]
    message = refusal(series_from_csv, table("t,value", *rows), column="value")
    assert "2 infinite values" in message and "rows 5, 10" in message
    assert "1 missing value," in refusal(series_from_csv, table("v", "1", "nan", "3", "4"))
    many = [f"{'' if i % 2 else i}" for i in range(40)]
    assert "rows 2, 4, 6, 8, 10, …" in refusal(series_from_csv, table("v", *many))


def test_too_few_rows_for_the_sequence_length_is_refused():
    data = table("v", *[str(i) for i in range(15)])
    message = refusal(series_from_csv, data, seq_len=20)
    assert "only 15 rows" in message and "sequence length of 20 needs at least 21" in message
    assert len(series_from_csv(data, seq_len=14).values) == 15
    assert "only 2 rows" in refusal(series_from_csv, table("v", "1", "2"))


def test_size_row_and_column_limits():
    assert "1 MB" in refusal(series_from_csv, b"1\n" * (MAX_UPLOAD_BYTES // 2 + 1))
    assert f"limit is {MAX_SERIES_VALUES:,}" in refusal(series_from_csv, b"v\n" + b"1\n" * (MAX_SERIES_VALUES + 1))
    assert "columns" in refusal(series_from_csv, (",".join(f"c{i}" for i in range(500)) + "\n").encode())
    assert "32-bit" in refusal(series_from_csv, table("v", "1", "2", "1e300", "4"))


def test_columns_that_are_not_there_or_not_numbers():
    data = table("a,b", *[f"{i},x{i}" for i in range(10)])
    assert "no column 'zzz'" in refusal(series_from_csv, data, column="zzz")
    assert "does not hold numbers" in refusal(series_from_csv, data, column="b")


def test_csv_encodings_and_damage_are_refused_clearly():
    assert "UTF-16" in refusal(series_from_csv, "v\n1\n2\n3\n".encode("utf-16"))
    assert "blank lines" in refusal(series_from_csv, b"\n\n\n")
    assert "could not be read" in refusal(series_from_csv, table("a,b", "1,2", "3,4,5,6", "7,8"))


def test_csv_config_builds_the_same_series_and_trains():
    values = [round(0.37 * i - 1.1, 3) for i in range(40)] + [1e-7, 12345.678]
    dataset = series_from_csv(table("x", *map(str, values)), seq_len=20)
    config, notices = csv_config(dataset, base=defaults_for("sine"))
    assert notices == [] and config.dataset == "csv" and config.hidden_size == 16
    experiment = Experiment(config)
    assert torch.equal(experiment.dataset.values, dataset.values)  # 9 digits: float32 exactly
    assert experiment.dataset.center == dataset.center and experiment.dataset.scale == dataset.scale
    experiment.train(2)
    assert experiment.predict(n=3).text.startswith("-1.10, -0.73")


def test_a_short_series_rides_in_a_share_link_and_a_long_one_does_not():
    short = series_from_csv(table("v", *[str(i % 5) for i in range(30)]))
    config, _ = csv_config(short)
    assert config.series == series_text(short) == ", ".join(str(i % 5) for i in range(30))
    again, notices = Config.from_query(config.to_query())
    assert again == config and notices == []
    long = series_from_csv(table("v", *[str(i * 1.234567) for i in range(1000)]))
    assert "series" not in csv_config(long)[0].to_query()


def test_csv_config_refuses_a_series_shorter_than_the_sequence_length():
    dataset = series_from_csv(table("v", *map(str, range(10))))
    message = refusal(csv_config, dataset, defaults_for("csv").replace(seq_len=30))
    assert "Sequence length 30" in message
