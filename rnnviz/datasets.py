"""The data a learner can train on, each small enough to learn in seconds.

Token datasets (counting, sentences, shakespeare, text) yield integer ids and
are learned with cross-entropy; series datasets (sine, an uploaded column)
yield floats and are learned with mean squared error. Every dataset answers
the same questions: what symbols or values it has, how to turn a prefix the
learner typed into model input, how to print a continuation, and how to draw
a batch (random windows, or the next stretch of each lane when the hidden
state is carried from batch to batch).
"""

from __future__ import annotations

import math
import random
import re

import torch

from .errors import InputError

MAX_TEXT_CHARS = 1_000_000
MAX_SYMBOLS = 256
# C0 and C1 control characters and DEL, but for newline and tab.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A held-out tail is only meaningful when there is enough text to spare.
VALIDATION_MIN_CHARS = 2000
VALIDATION_FRACTION = 0.1

SENTENCES = ("hey how are you", "good i am fine", "have a nice day")
SHAKESPEARE = (
    "To be or not to be, that is the question.\n"
    "Whether 'tis nobler in the mind to suffer\n"
    "The slings and arrows of outrageous fortune,\n"
    "Or to take arms against a sea of troubles"
)


class Dataset:
    """What every dataset offers; see TokenDataset and SeriesDataset."""

    name: str = ""
    title: str = ""
    description: str = ""
    kind: str = ""  # "tokens" (classification) or "values" (regression)
    fixed_length: bool = False  # items of one length: seq_len is ignored

    @property
    def is_tokens(self) -> bool:
        return self.kind == "tokens"

    def check_seq_len(self, seq_len: int) -> None:
        """Refuse a window longer than the data can supply."""
        if self.fixed_length:
            return
        longest = self.max_seq_len
        if seq_len < 1 or seq_len > longest:
            raise InputError(
                f"Sequence length {seq_len} does not fit the {self.title or self.name} data: "
                f"it has room for windows of 1 to {longest} steps."
            )

    @property
    def max_seq_len(self) -> int:
        return len(self.stream) - 1

    def _windows(self, stream: torch.Tensor, starts: torch.Tensor, seq_len: int):
        offsets = torch.arange(seq_len + 1)
        chunk = stream[starts[:, None] + offsets[None, :]]
        return self._shape(chunk[:, :-1]), self._shape(chunk[:, 1:])

    def _shape(self, chunk: torch.Tensor) -> torch.Tensor:
        return chunk

    def batch(self, batch_size: int, seq_len: int, generator: torch.Generator | None = None):
        """A random batch of windows, batch first; targets are inputs shifted by one."""
        self.check_seq_len(seq_len)
        starts = torch.randint(0, len(self.stream) - seq_len, (batch_size,), generator=generator)
        return self._windows(self.stream, starts, seq_len)

    def next_batch(self, batch_size: int, seq_len: int, index: int):
        """Batch number `index` of consecutive stretches, for a carried hidden state.

        The stream is cut into `batch_size` lanes; batch k holds the k-th stretch
        of each lane, so the state left by batch k is the right start for k + 1.
        Lanes wrap around at their end.
        """
        self.check_seq_len(seq_len)
        lane = max(len(self.stream) // batch_size, seq_len + 1)
        per_lane = max((lane - 1) // seq_len, 1)
        position = (index % per_lane) * seq_len
        starts = (torch.arange(batch_size) * lane + position) % (len(self.stream) - seq_len)
        return self._windows(self.stream, starts, seq_len)

    def validation_batch(self, batch_size: int, seq_len: int):
        """A fixed held-out batch, or None when the dataset has no split."""
        return None


class TokenDataset(Dataset):
    """A stream (or a set of equal-length items) of symbols from a small vocabulary."""

    kind = "tokens"

    def __init__(self, name, title, description, symbols, stream=None, items=None,
                 separator="", validation=None):
        self.name, self.title, self.description = name, title, description
        self.symbols = list(symbols)
        self.index = {s: i for i, s in enumerate(self.symbols)}
        self.separator = separator
        self.items = items
        self.fixed_length = items is not None
        self.stream = stream if stream is not None else torch.empty(0, dtype=torch.long)
        self.validation = validation

    @property
    def vocab_size(self) -> int:
        return len(self.symbols)

    @property
    def input_size(self) -> int:
        return self.vocab_size

    @property
    def output_size(self) -> int:
        return self.vocab_size

    def vocabulary_text(self) -> str:
        shown = [repr(s) if s.strip() == "" or len(s) > 1 and not s.isdigit() else s for s in self.symbols]
        if len(shown) > 60:
            shown = shown[:60] + [f"… ({len(shown)} in all)"]
        return " ".join(shown)

    def encode(self, symbols) -> list[int]:
        ids = []
        for s in symbols:
            if s not in self.index:
                raise InputError(
                    f"{s!r} is not in the vocabulary of {self.title}. Allowed: {self.vocabulary_text()}"
                )
            ids.append(self.index[s])
        return ids

    def decode(self, ids) -> list[str]:
        return [self.symbols[int(i)] for i in ids]

    def parse_prefix(self, text) -> list[int]:
        """Turn what a learner typed into token ids (one character per token)."""
        if isinstance(text, (list, tuple)):
            return self.encode(text)
        if not isinstance(text, str) or text == "":
            raise InputError("Type a prefix of at least one symbol for the model to continue.")
        return self.encode(list(text))

    def format(self, ids) -> str:
        return self.separator.join(self.decode(ids))

    def batch(self, batch_size: int, seq_len: int, generator: torch.Generator | None = None):
        if self.items is None:
            return super().batch(batch_size, seq_len, generator)
        n = self.items.shape[0]
        if batch_size >= n:
            chosen = self.items
        else:
            chosen = self.items[torch.randperm(n, generator=generator)[:batch_size]]
        return chosen[:, :-1], chosen[:, 1:]

    def next_batch(self, batch_size: int, seq_len: int, index: int):
        if self.items is None:
            return super().next_batch(batch_size, seq_len, index)
        return self.batch(batch_size, seq_len)

    def validation_batch(self, batch_size: int, seq_len: int):
        if self.validation is None or len(self.validation) < seq_len + 1:
            return None
        count = min(batch_size, len(self.validation) - seq_len)
        starts = torch.linspace(0, len(self.validation) - seq_len - 1, count).long()
        return self._windows(self.validation, starts, seq_len)


class CountingDataset(TokenDataset):
    """Runs of ten consecutive integers (L0); prefixes may be typed as 234, 2 3 4 or 2,3,4."""

    def parse_prefix(self, text) -> list[int]:
        if isinstance(text, (list, tuple)):
            try:
                numbers = [str(int(t)) for t in text]
            except (TypeError, ValueError):
                raise InputError(
                    f"The prefix {list(text)!r} must hold whole numbers from 0 to {self.vocab_size - 1}."
                ) from None
            return self.encode(numbers)
        if not isinstance(text, str) or not text.strip():
            raise InputError("Type a prefix of at least one number, such as 234 or 2 3 4.")
        text = text.strip()
        if re.search(r"[\s,;]", text):
            pieces = [p for p in re.split(r"[\s,;]+", text) if p]
        else:
            # Digits typed with no separator are one digit each, as in the lesson.
            pieces = list(text)
        for piece in pieces:
            # isascii: str.isdigit() also accepts '²', which int() cannot read.
            if not (piece.isascii() and piece.isdigit()):
                raise InputError(
                    f"{piece!r} is not a whole number. The counting data uses the numbers "
                    f"0 to {self.vocab_size - 1}; type them like 234, 2 3 4 or 2,3,4 "
                    "(numbers above 9 need a separator)."
                )
        for piece in pieces:
            if str(int(piece)) not in self.index:
                raise InputError(
                    f"{piece} is not in the vocabulary: the counting data uses the numbers "
                    f"0 to {self.vocab_size - 1}."
                )
        return self.encode([str(int(p)) for p in pieces])


def _counting_stream(rng: random.Random, runs: int) -> list[int]:
    stream = []
    for _ in range(runs):
        start = rng.randint(0, 10)
        stream.extend(range(start, start + 10))
    return stream


def make_counting(seed: int = 0, runs: int = 100) -> CountingDataset:
    rng = random.Random(seed)
    stream = _counting_stream(rng, runs)
    held_out = _counting_stream(rng, 20)
    return CountingDataset(
        "counting",
        "Counting runs",
        "Runs of ten consecutive integers, each starting anywhere from 0 to 10: "
        "after 2 3 4 comes 5 6 7 8 9.",
        [str(i) for i in range(20)],
        stream=torch.tensor(stream),
        separator=" ",
        validation=torch.tensor(held_out),
    )


def make_sentences(seed: int = 0) -> TokenDataset:
    width = max(len(s) for s in SENTENCES)
    padded = [s.ljust(width) for s in SENTENCES]
    symbols = sorted(set("".join(padded)))
    index = {s: i for i, s in enumerate(symbols)}
    items = torch.tensor([[index[c] for c in s] for s in padded])
    return TokenDataset(
        "sentences",
        "Three sentences",
        "Three short sentences padded with spaces; the model learns each one by heart.",
        symbols,
        items=items,
    )


def check_text(text) -> str:
    """Refuse text a character model cannot or should not train on."""
    if not isinstance(text, str):
        raise InputError("The text must be a string of characters.")
    if text == "":
        raise InputError("The text is empty: paste or upload at least a few sentences.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"The text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
            "Use a shorter excerpt."
        )
    bad = CONTROL_CHARACTERS.search(text)
    if bad:
        position, code = bad.start(), ord(bad.group())
        name = "NUL" if code == 0 else f"control character U+{code:04X}"
        line = text.count("\n", 0, position) + 1
        raise InputError(
            f"The text contains a {name} on line {line} (character {position + 1}). "
            "Only printable characters, newlines and tabs are allowed."
        )
    distinct = len(set(text))
    if distinct > MAX_SYMBOLS:
        raise InputError(
            f"The text uses {distinct} distinct characters; a character model here allows at most "
            f"{MAX_SYMBOLS}. Remove unusual symbols or use a smaller excerpt."
        )
    if len(text) < 2:
        raise InputError("The text needs at least 2 characters: one to read and one to predict.")
    return text


def make_text(text: str, name: str = "text", title: str = "Your text", seed: int = 0) -> TokenDataset:
    text = check_text(text)
    symbols = sorted(set(text))
    index = {s: i for i, s in enumerate(symbols)}
    ids = torch.tensor([index[c] for c in text])
    validation = None
    if len(text) >= VALIDATION_MIN_CHARS:
        cut = int(len(ids) * (1 - VALIDATION_FRACTION))
        ids, validation = ids[:cut], ids[cut:]
    return TokenDataset(
        name,
        title,
        f"{len(text):,} characters, {len(symbols)} distinct symbols, learned one character at a time.",
        symbols,
        stream=ids,
        validation=validation,
    )


def make_shakespeare(seed: int = 0) -> TokenDataset:
    return make_text(SHAKESPEARE, name="shakespeare", title="Shakespeare, four lines")


class SeriesDataset(Dataset):
    """A sequence of real numbers; the model predicts the next value (regression)."""

    kind = "values"
    input_size = 1
    output_size = 1

    def __init__(self, name, title, description, values, x_step=1.0):
        values = torch.as_tensor(values, dtype=torch.float32)
        if values.ndim != 1 or len(values) < 3:
            raise InputError("A series needs at least 3 numbers.")
        if not torch.isfinite(values).all():
            raise InputError("A series may only hold finite numbers.")
        self.name, self.title, self.description = name, title, description
        self.values = values
        self.x_step = x_step
        low, high = float(values.min()), float(values.max())
        self.value_range = (low, high)
        # Train on a standard scale so an uploaded column in any unit learns alike.
        self.center = (high + low) / 2
        self.scale = (high - low) / 2 or 1.0
        self.stream = (values - self.center) / self.scale

    def _shape(self, chunk: torch.Tensor) -> torch.Tensor:
        return chunk.unsqueeze(-1)

    def to_model(self, values) -> torch.Tensor:
        return (torch.as_tensor(values, dtype=torch.float32) - self.center) / self.scale

    def from_model(self, values) -> list[float]:
        return [float(v) * self.scale + self.center for v in torch.as_tensor(values).flatten()]

    def parse_prefix(self, text) -> list[float]:
        """Numbers separated by commas or spaces, e.g. `0, 0.16, 0.31`."""
        if isinstance(text, (list, tuple)):
            pieces = list(text)
        else:
            if not isinstance(text, str) or not text.strip():
                raise InputError("Type at least one number for the model to continue, e.g. 0, 0.16, 0.31.")
            pieces = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
        values = []
        for piece in pieces:
            try:
                value = float(piece)
            except (TypeError, ValueError):
                raise InputError(
                    f"{piece!r} is not a number. Type numbers separated by commas, e.g. 0, 0.16, 0.31."
                ) from None
            if not math.isfinite(value):
                raise InputError(f"{piece!r} is not a finite number.")
            values.append(value)
        return values

    def format(self, values) -> str:
        return ", ".join(f"{v:.2f}" for v in values)


def make_sine(seed: int = 0, points: int = 2000, step: float = math.pi / 20) -> SeriesDataset:
    x = torch.arange(points, dtype=torch.float64) * step
    return SeriesDataset(
        "sine",
        "Sine wave",
        "A sine curve sampled every π/20; the model predicts the next value from the ones so far.",
        torch.sin(x).float(),
        x_step=step,
    )


MAX_SERIES_VALUES = 100_000


def make_series(values, seed: int = 0, title: str = "Your series") -> SeriesDataset:
    """Numbers from an uploaded CSV column (or a link): a series to forecast, like the sine."""
    if isinstance(values, str):
        pieces = [p for p in re.split(r"[\s,;]+", values.strip()) if p]
        try:
            values = [float(p) for p in pieces]
        except ValueError:
            raise InputError("The series must be numbers separated by commas.") from None
    if len(values) == 0:
        raise InputError("The csv dataset needs numbers: upload a CSV file and pick a column.")
    if len(values) > MAX_SERIES_VALUES:
        raise InputError(f"The series has {len(values):,} values; the limit is {MAX_SERIES_VALUES:,}.")
    return SeriesDataset("csv", title, f"{len(values):,} values; the model predicts the next one.", values)


DATASETS = {
    "counting": make_counting,
    "sentences": make_sentences,
    "shakespeare": make_shakespeare,
    "sine": make_sine,
    "text": make_text,
    "csv": make_series,
}


# The memory tasks (recall, brackets, adding) build on the classes above, so they join the registry here.
from .memory_tasks import MEMORY_TASKS  # noqa: E402

DATASETS.update(MEMORY_TASKS)


def dataset_names() -> list[str]:
    return list(DATASETS)


def load_dataset(name: str, seed: int = 0, **options) -> Dataset:
    """Build a dataset by name; `text` takes text=..., series ones may take values=..."""
    if name not in DATASETS:
        raise InputError(f"Unknown dataset {name!r}: choose one of {', '.join(DATASETS)}.")
    if name == "text":
        if "text" not in options:
            raise InputError("The text dataset needs text: paste or upload some.")
        return make_text(options["text"], seed=seed)
    if name == "csv" and "values" not in options:
        raise InputError("The csv dataset needs numbers: upload a CSV file and pick a column.")
    return DATASETS[name](seed=seed, **options)
