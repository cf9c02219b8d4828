"""Data a learner brings: text for a character model, or a CSV column to forecast.

An upload passes the same checks as the built-in data (`datasets.check_text`,
the series limits, the Config's bounds), and a refusal is an InputError that
says what was found and what is allowed. Nothing here touches a running
experiment, so a refused upload leaves the learner's model and history as
they were; the app builds a new Experiment only from what is returned.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnviz.config import Config, defaults_for
from rnnviz.datasets import MAX_SERIES_VALUES, SeriesDataset, check_text, make_series, make_text
from rnnviz.datasets.encodings import utf8_text
from rnnviz.datasets.series import check_values
from rnnviz.errors import InputError
from rnnviz.files.disk import megabytes

# Streamlit's uploader counts server.maxUploadSize (1 in .streamlit/config.toml) in MB of 1,000,000 bytes in the
# browser (of 1,048,576 on Windows, and on the server): the smaller figure here, so every browser tells one story.
MAX_UPLOAD_BYTES = 1_000_000
MAX_CSV_COLUMNS = 200
SHOWN_ROWS = 5  # how many row numbers a refusal names



# -- bytes → text -------------------------------------------------------------------------------
def upload_bytes(data) -> bytes:
    """Accept bytes, or Streamlit's UploadedFile (anything with getvalue())."""
    if hasattr(data, "getvalue"):
        data = data.getvalue()
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError("The upload must be a file's bytes.")
    return data


def _file_label(data, filename: str) -> str:
    name = filename or getattr(data, "name", "") or ""
    return f"The file {str(name)[:80]!r}" if name else "The file"


def _check_size(data: bytes, label: str) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{label} is {len(data):,} bytes; the limit is {megabytes(MAX_UPLOAD_BYTES)}. "
            "Upload a shorter excerpt."
        )
    if len(data) == 0:
        raise InputError(f"{label} is empty: it holds no bytes at all.")


def decode_text(data, filename: str = "") -> str:
    """An upload's bytes, within the size limit, as UTF-8 text with newlines as \\n (rnnviz.datasets.encodings)."""
    data_bytes = upload_bytes(data)
    label = _file_label(data, filename)
    _check_size(data_bytes, label)
    return utf8_text(data_bytes, label)


# -- text for a character model -----------------------------------------------------------------
def clean_text(text) -> str:
    """Pasted text with its line ends made uniform, then the character-model checks."""
    if isinstance(text, str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return check_text(text)


def text_from_upload(data, filename: str = "") -> str:
    """The text of an uploaded .txt file, checked like pasted text; InputError says what is wrong."""
    return clean_text(decode_text(data, filename))


def text_config(text: str, base: Config | None = None) -> tuple[Config, list[str]]:
    """A Config that trains on `text`: the text dataset's defaults (or `base` when it already is
    one), a prefix from the text's start so prediction works at once, and a sequence length
    that fits. Raises InputError when the text is too short for the sequence length."""
    text = clean_text(text)
    base = base if base is not None and base.dataset == "text" else defaults_for("text")
    prefix = text[:12].split("\n")[0] or text[0]
    config, notices = Config.checked(base, dataset="text", text=text, prefix=prefix)
    make_text(config.text).check_seq_len(config.seq_len)
    return config, notices


# -- CSV → series -------------------------------------------------------------------------------
@dataclass
class CsvTable:
    """An uploaded CSV read once: what messages call it, and its table (columns named by text)."""

    label: str
    frame: pd.DataFrame

    @property
    def numeric(self) -> list[str]:
        return _numeric(self.frame)


def read_csv(data, filename: str = "") -> CsvTable:
    """An uploaded CSV's table, or an InputError that says why it cannot be read."""
    if isinstance(data, CsvTable):
        return data
    text = decode_text(data, filename)
    label = _file_label(data, filename)
    lines = text.split("\n")
    while lines and not lines[0].strip():  # blank lines before the header; blank ones later are missing rows
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputError(f"{label} holds only blank lines: there is no table in it.")
    text = "\n".join(lines)
    try:
        separator = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    # Every row, not only the header: one row of 500,000 cells costs pandas seconds and hundreds of MB to refuse.
    widths = [line.count(separator) + 1 for line in lines]
    widest = max(range(len(lines)), key=widths.__getitem__)
    if widths[widest] > MAX_CSV_COLUMNS:
        where = "its header" if widest == 0 else f"line {widest + 1:,}"
        raise InputError(f"{label} has {widths[widest]:,} cells in {where}; a table may have at most "
                         f"{MAX_CSV_COLUMNS} columns. Upload one with fewer.")
    first = [cell.strip() for cell in lines[0].split(separator)]
    header = None if all(_is_number(cell) for cell in first) else 0  # a file of bare numbers has no header
    try:
        with warnings.catch_warnings():
            # Rows longer than the header would silently lose cells: make that a refusal.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(io.StringIO(text), sep=separator, header=header, index_col=False,
                                skip_blank_lines=False)
    except pd.errors.ParserWarning:
        raise InputError(f"{label} has rows with more cells than its header has names.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as error:
        reason = str(error).strip().split("\n")[0][:200]
        raise InputError(f"{label} could not be read as a CSV table: {reason}.") from None
    if header is None:
        table.columns = [f"column {i + 1}" for i in range(table.shape[1])]
    table.columns = [str(c) for c in table.columns]
    return CsvTable(label, table)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _numeric(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns
            if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]


def numeric_columns(data, filename: str = "") -> list[str]:
    """The names of the CSV's columns that hold numbers (for the learner to pick one); `data` may be a CsvTable."""
    return read_csv(data, filename).numeric


def _rows_text(positions) -> str:
    shown = ", ".join(str(int(p) + 1) for p in positions[:SHOWN_ROWS])
    return shown + (", …" if len(positions) > SHOWN_ROWS else "")


def _not_numbers_hint(table: pd.DataFrame) -> str:
    hints = []
    for name in list(table.columns)[:5]:
        values = table[name].dropna()
        if len(values):
            hints.append(f"{name!r} holds text such as {str(values.iloc[0])[:20]!r}")
    return ("; ".join(hints) + ".") if hints else "every cell is empty."


def series_from_csv(data, column: str | None = None, seq_len: int | None = None,
                    filename: str = "") -> SeriesDataset:
    """One numeric column of an uploaded CSV (its bytes, or the CsvTable read from them) as a series to forecast
    (the dataset named "csv").

    `column` defaults to the first numeric column; `seq_len`, when given, must fit in the rows.
    Rows are counted from 1 at the first data row (the header is not a row).
    """
    read = read_csv(data, filename)
    table, label, numeric = read.frame, read.label, read.numeric
    if not numeric:
        raise InputError(f"{label} has no column of numbers: {_not_numbers_hint(table)} "
                         "Numbers must use a point for decimals (3.5, not 3,5).")
    if column is None:
        column = numeric[0]
    column = str(column)
    if column not in table.columns:
        raise InputError(f"There is no column {column[:60]!r}; the numeric columns are {', '.join(numeric)}.")
    if column not in numeric:
        raise InputError(f"Column {column!r} does not hold numbers; pick one of {', '.join(numeric)}.")
    values = table[column].to_numpy(dtype=np.float64)
    missing = np.flatnonzero(np.isnan(values))
    if len(missing):
        raise InputError(f"Column {column!r} has {len(missing)} missing value{'s' if len(missing) > 1 else ''}, "
                         f"in row{'s' if len(missing) > 1 else ''} {_rows_text(missing)}. "
                         "Fill them in or remove those rows.")
    infinite = np.flatnonzero(~np.isfinite(values))
    if len(infinite):
        raise InputError(f"Column {column!r} has {len(infinite)} infinite value{'s' if len(infinite) > 1 else ''}, "
                         f"in row{'s' if len(infinite) > 1 else ''} {_rows_text(infinite)}. "
                         "Only finite numbers can be learned.")
    if len(values) > MAX_SERIES_VALUES:
        raise InputError(f"Column {column!r} has {len(values):,} rows; the limit is {MAX_SERIES_VALUES:,}. "
                         "Upload a shorter stretch.")
    needed = max(3, (seq_len or 0) + 1)
    if len(values) < needed:
        why = f"a sequence length of {seq_len} needs at least {needed}" if seq_len else f"at least {needed} are needed"
        raise InputError(f"Column {column!r} has only {len(values)} row{'s' if len(values) != 1 else ''}; "
                         f"{why} (one more than the window, for the value to predict).")
    if len(values) >= 3:  # fewer: refused above, with what is needed
        check_values(values, f"Column {column!r}")  # numbers that 32-bit floats hold, with a spread they can scale
    return make_series(values.tolist(), title=f"{column} (your CSV)")


def series_text(dataset: SeriesDataset) -> str:
    """The series as Config.series text; 9 significant digits give back the same float32 values."""
    return ", ".join(format(v, ".9g") for v in dataset.values.tolist())


def csv_config(dataset: SeriesDataset, base: Config | None = None) -> tuple[Config, list[str]]:
    """A Config that trains on an uploaded series: the csv defaults (or `base` when it already
    is csv), the numbers in `series`, the first values as the prefix. Raises InputError when the
    series is too short for the sequence length."""
    base = base if base is not None and base.dataset == "csv" else defaults_for("csv")
    first = dataset.values[:4].tolist()
    prefix = ", ".join(format(v, ".4g") for v in first if math.isfinite(v))
    config, notices = Config.checked(base, dataset="csv", series=series_text(dataset), prefix=prefix)
    dataset.check_seq_len(config.seq_len)
    return config, notices
