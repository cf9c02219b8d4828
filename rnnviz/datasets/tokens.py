"""Token data, learned with cross-entropy: counting runs (L0), three sentences (L2), Shakespeare (L3), your text."""

from __future__ import annotations

import random
import re

import torch

from rnnviz.choices import MAX_SYMBOLS
from rnnviz.choices import MAX_TEXT as MAX_TEXT_CHARS
from rnnviz.datasets.base import Dataset
from rnnviz.errors import InputError, check_encodable, check_whole, shown

MAX_RUNS = MAX_TEXT_CHARS // 10  # counting runs of ten: a stream no longer than the longest text
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
            try:
                known = s in self.index
            except TypeError:  # a list or dict among a prefix's items given from Python
                known = False
            if not known:
                raise InputError(
                    f"{shown(s, 20)} is not in the vocabulary of {self.title}. Allowed: {self.vocabulary_text()}"
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
                numbers = [str(check_whole("prefix's numbers", int(t), 0, self.vocab_size - 1)) for t in text]
            except (TypeError, ValueError, OverflowError):
                raise InputError(
                    f"The prefix {shown(list(text), 60)} must hold whole numbers from 0 to {self.vocab_size - 1}."
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
                    f"{shown(piece, 20)} is not a whole number. The counting data uses the numbers "
                    f"0 to {self.vocab_size - 1}; type them like 234, 2 3 4 or 2,3,4 "
                    "(numbers above 9 need a separator)."
                )
        # Compared as text: int() refuses more than 4,300 digits, and such a number is out of range anyway.
        numbers = [piece.lstrip("0") or "0" for piece in pieces]
        for piece, number in zip(pieces, numbers):
            if number not in self.index:
                raise InputError(
                    f"{piece[:20]}{'…' if len(piece) > 20 else ''} is not in the vocabulary: the counting data uses "
                    "the numbers "
                    f"0 to {self.vocab_size - 1}."
                )
        return self.encode(numbers)


def _counting_stream(rng: random.Random, runs: int) -> list[int]:
    stream = []
    for _ in range(runs):
        start = rng.randint(0, 10)
        stream.extend(range(start, start + 10))
    return stream


def make_counting(seed: int = 0, runs: int = 100) -> CountingDataset:
    runs = check_whole("number of counting runs", runs, 1, MAX_RUNS)
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
    if text.strip() == "":
        raise InputError("The text holds only blank space (spaces, tabs, line ends): there is nothing to learn. "
                         "Paste or upload at least a few sentences.")
    check_encodable(text, "The text")
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
