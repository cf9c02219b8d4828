"""Config: every setting of a lesson in one dataclass, with the bounds that keep a shared server safe.

Widgets, share links, uploaded checkpoints and the command line all pass their
values through `Config.checked`, which clamps numbers into range and drops
what cannot be understood, returning a notice for each change so the app can
say what happened instead of failing. `to_query`/`from_query` round-trip a
lesson through a URL, like TensorFlow Playground's state in the address bar.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, replace

from .datasets import DATASETS
from .device import DEVICE_CHOICES
from .errors import InputError
from .model import CELLS, NONLINEARITIES
from .predict import MAX_PREDICT, MAX_TEMPERATURE
from .train import OPTIMIZERS

MAX_URL_TEXT = 2000  # own text longer than this is not put in a link


@dataclass(frozen=True)
class Config:
    dataset: str = "counting"
    text: str = ""
    series: str = ""  # the csv dataset's numbers, comma-separated (an uploaded column)
    cell: str = "rnn"
    nonlinearity: str = "tanh"
    hidden_size: int = 256
    num_layers: int = 1
    embedding_dim: int = 0
    forget_bias: float = 0.0
    lr: float = 0.01
    optimizer: str = "adam"
    batch_size: int = 50
    seq_len: int = 20
    clip: float = 0.0
    seed: int = 0
    device: str = "auto"
    carry_state: bool = False
    steps: int = 60
    prefix: str = "234"
    predict_len: int = 5
    temperature: float = 0.0
    lag: int = 20

    def replace(self, **changes) -> Config:
        return replace(self, **changes)

    # -- bounds ------------------------------------------------------------------------------
    @classmethod
    def checked(cls, base: Config | None = None, /, **values) -> tuple[Config, list[str]]:
        """A Config from `base` with `values` applied, each clamped or dropped; plus notices (and a caution
        for an allowed but risky value, such as a learning rate above 1)."""
        # base is positional-only: a link's ?base= or ?cls= is then an unknown setting, not a crash.
        base = base or cls()
        accepted, notices = {}, []
        for name, raw in values.items():
            if name not in FIELD_NAMES:
                notices.append(f"Ignored unknown setting {name[:40]!r}.")
                continue
            try:
                value, notice = _check_field(name, raw)
            except InputError as error:
                notices.append(str(error))
                continue
            accepted[name] = value
            if notice:
                notices.append(notice)
            if caution(name, value):
                notices.append(caution(name, value))
        config = replace(base, **accepted)
        if config.cell != "rnn" and config.nonlinearity != "tanh":
            config = replace(config, nonlinearity="tanh")
            notices.append("Only the plain RNN cell takes relu; switched the nonlinearity back to tanh.")
        return config, notices

    # -- share links -------------------------------------------------------------------------
    def to_query(self) -> dict[str, str]:
        """The settings that differ from the dataset's defaults, as URL query parameters."""
        defaults = defaults_for(self.dataset)
        query = {"dataset": self.dataset}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("dataset", "device") or value == getattr(defaults, item.name):
                continue
            if item.name in ("text", "series") and len(value) > MAX_URL_TEXT:
                continue
            query[item.name] = _to_text(value)
        return query

    @classmethod
    def from_query(cls, params) -> tuple[Config, list[str]]:
        """A Config from URL parameters; anything out of range is clamped or dropped with a notice."""
        params = {str(k): (v[-1] if isinstance(v, (list, tuple)) and v else v) for k, v in dict(params).items()}
        notices = []
        dataset = params.pop("dataset", None)
        base = cls()
        if dataset is not None:
            dataset = str(dataset).strip().lower()  # a link may carry anything, even a nested list
            if dataset in DATASETS:
                base = defaults_for(dataset)
            else:
                notices.append(f"Unknown dataset {str(dataset)[:40]!r} in the link; using counting.")
        config, more = cls.checked(base, **params)
        return config, notices + more

    def to_dict(self) -> dict:
        return asdict(self)


FIELD_NAMES = {f.name for f in fields(Config)}

# name → (kind, low, high) for numbers, or a tuple of choices.
LIMITS = {
    "hidden_size": (int, 1, 512),
    "num_layers": (int, 1, 4),
    "embedding_dim": (int, 0, 128),
    "forget_bias": (float, -5.0, 5.0),
    "lr": (float, 1e-5, 100.0),
    "batch_size": (int, 1, 256),
    "seq_len": (int, 1, 400),
    "clip": (float, 0.0, 100.0),
    "seed": (int, 0, 2**31 - 1),
    "steps": (int, 1, 100_000),
    "predict_len": (int, 1, MAX_PREDICT),
    "temperature": (float, 0.0, MAX_TEMPERATURE),
    "lag": (int, 1, 300),
}
# Each setting as a learner reads it: the one place a page, a notice or a table names a Config field.
LABELS = {
    "dataset": "Dataset", "text": "Your text", "series": "Your numbers", "cell": "Cell",
    "nonlinearity": "Nonlinearity", "hidden_size": "Hidden size", "num_layers": "Layers",
    "embedding_dim": "Embedding size", "forget_bias": "Forget-gate bias", "lr": "Learning rate",
    "optimizer": "Optimizer", "batch_size": "Batch size", "seq_len": "Sequence length",
    "clip": "Clip gradient norm at", "seed": "Seed", "device": "Device",
    "carry_state": "Carry the hidden state between batches", "steps": "Steps", "prefix": "Prefix",
    "predict_len": "Length", "temperature": "Temperature", "lag": "Lag (steps to remember)",
}
# Values allowed but worth a warning: name → (above this, what to expect). A learning rate above 1 is
# how the exploding-gradient lesson is shown, so it is allowed, never silently.
CAUTIONS = {
    "lr": (1.0, "Learning rate {value:g} is above 1: every update is a giant step, so expect the loss and the "
                "gradients to blow up (the exploding-gradient lesson). Clipping the gradient norm tames it."),
}


def label(name: str) -> str:
    """A Config field's name as the learner reads it ("num_layers" → "Layers")."""
    return LABELS.get(name, name.replace("_", " "))


class Caution(str):
    """A notice that warns of an allowed value and changes nothing (the command line prints it, not refuses)."""


def caution(name: str, value) -> Caution | None:
    """A warning for an allowed but risky value of setting `name` (a learning rate above 1), or None."""
    if name not in CAUTIONS or isinstance(value, (bool, str)):
        return None
    above, text = CAUTIONS[name]
    return Caution(text.format(value=value)) if value > above else None


CHOICES = {
    "dataset": tuple(DATASETS),
    "cell": tuple(CELLS),
    "nonlinearity": NONLINEARITIES,
    "optimizer": tuple(OPTIMIZERS),
    "device": DEVICE_CHOICES,
}
MAX_PREFIX = 200
MAX_TEXT = 1_000_000
MAX_SERIES_TEXT = 2_000_000  # room for datasets.MAX_SERIES_VALUES numbers
SERIES_PATTERN = re.compile(r"[0-9eE+\-.,;\s]*")


def _check_field(name: str, raw):
    if name in CHOICES:
        value = str(raw).strip().lower()
        if value not in CHOICES[name]:
            raise InputError(f"Ignored {name}={str(raw)[:40]!r}: choose one of {', '.join(CHOICES[name])}.")
        return value, None
    if name == "carry_state":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True, None
        if text in ("0", "false", "no", "off", ""):
            return False, None
        raise InputError(f"Ignored carry_state={str(raw)[:40]!r}: use true or false.")
    if name == "series":
        value = str(raw)
        if len(value) > MAX_SERIES_TEXT or not SERIES_PATTERN.fullmatch(value):
            raise InputError("Ignored series: it must be numbers separated by commas, at most "
                             f"{MAX_SERIES_TEXT:,} characters.")
        return value, None
    if name in ("prefix", "text"):
        value = str(raw)
        limit = MAX_PREFIX if name == "prefix" else MAX_TEXT
        if len(value) > limit:
            return value[:limit], f"Cut {name} to its first {limit:,} characters."
        return value, None
    kind, low, high = LIMITS[name]
    try:
        number = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"Ignored {name}={str(raw)[:40]!r}: it must be a number from {low:g} to {high:g}.") from None
    if not math.isfinite(number):
        raise InputError(f"Ignored {name}={str(raw)[:40]!r}: it must be a finite number from {low:g} to {high:g}.")
    if kind is int and number != int(number):
        number = round(number)
    clamped = min(max(number, low), high)
    value = int(clamped) if kind is int else float(clamped)
    if clamped != number:
        return value, f"{name} {number:g} is outside {low:g}–{high:g}; using {value:g}."
    return value, None


def _to_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(value)


# Each dataset's lesson settings, made to teach fast.
DATASET_DEFAULTS = {
    "counting": dict(hidden_size=256, lr=0.01, batch_size=50, seq_len=20, steps=60,
                     prefix="234", predict_len=5),
    "sentences": dict(hidden_size=12, lr=0.01, batch_size=3, seq_len=14, steps=100,
                      prefix="good", predict_len=11),
    "shakespeare": dict(hidden_size=64, lr=0.01, batch_size=32, seq_len=40, steps=300,
                        prefix="To be", predict_len=60, temperature=0.0),
    "sine": dict(hidden_size=5, lr=0.01, batch_size=1, seq_len=20, steps=1000, carry_state=True,
                 prefix="0, 0.16, 0.31, 0.45", predict_len=20),
    "text": dict(hidden_size=128, lr=0.005, batch_size=32, seq_len=50, steps=500,
                 prefix="The", predict_len=100, temperature=0.5),
    # An uploaded column; the app sets series and a prefix from the data (uploads.csv_config).
    "csv": dict(hidden_size=16, lr=0.01, batch_size=16, seq_len=20, steps=300, prefix="", predict_len=20),
    # Memory tasks (rnnviz.memory_tasks): the lag sets the length, so seq_len is not used. A gated cell (an LSTM
    # whose forget gate starts open, bias 5, or a GRU) learns them in a few hundred steps; a tanh RNN fails.
    "recall": dict(cell="lstm", forget_bias=5.0, hidden_size=32, lr=0.01, batch_size=64, clip=1.0, lag=40,
                   steps=300, prefix="c" + "0123" * 10 + "?", predict_len=1),
    "brackets": dict(cell="gru", hidden_size=32, lr=0.005, batch_size=32, clip=1.0, lag=80, steps=400,
                     prefix="(()[[]](())()[][[]](())(()[][])[()]()()()[]()(()()[]())[][]()[[]]()[][()[]()[]][]",
                     predict_len=1),
    "adding": dict(cell="gru", hidden_size=32, lr=0.005, batch_size=32, clip=1.0, lag=20, steps=500,
                   predict_len=1,
                   prefix="0.24, -1, 0.37, 0.6, 0.63, 0.07, 0.01, 0.84, 0.26, 0.23, 0.98, 0.47, -1, 0.48, 0.64, "
                          "0.15, 0.63, 0.87, 0.52, 0.74, 0.67, 0.06, 0.76"),
}


def defaults_for(dataset: str) -> Config:
    if dataset not in DATASET_DEFAULTS:
        raise InputError(f"Unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}.")
    return Config(dataset=dataset, **DATASET_DEFAULTS[dataset])
