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

from rnnviz.datasets import DATASETS
from rnnviz.errors import InputError, check_encodable, shown
from rnnviz.nn.device import DEVICE_CHOICES
from rnnviz.nn.model import CELLS, NONLINEARITIES
from rnnviz.nn.predict import MAX_PREDICT, MAX_PREFIX, MAX_TEMPERATURE
from rnnviz.nn.train import OPTIMIZERS
from rnnviz.serving.budget import over_budget

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
        config, notices = _applied(base, values, strict=False)
        return _within_budget(config, base, notices)

    @classmethod
    def exactly(cls, base: Config | None = None, /, **values) -> Config:
        """A Config from `base` with `values` applied as given, for the command line and the Python API: what
        `checked` would clamp, cut or drop is refused instead (one InputError naming each), since nothing
        should run on settings other than those asked for; so is a combination over the work budget."""
        config, refusals = _applied(base or cls(), values, strict=True)
        if not refusals:
            refusals = [refusal] if (refusal := over_budget(config, _lesson_of(config))) else []
        if refusals:
            raise InputError(" ".join(refusals))
        return config

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
            try:
                name = _as_text("dataset", dataset).strip().lower()  # a link may carry anything, even a nested list
            except InputError:
                name = None
            if name in DATASETS:
                base = defaults_for(name)
            else:
                notices.append(f"Unknown dataset {shown(name if name is not None else dataset)} in the link; "
                               "using counting.")
        config, more = cls.checked(base, **params)
        return config, notices + more

    def to_dict(self) -> dict:
        return asdict(self)


FIELD_NAMES = {f.name for f in fields(Config)}


def _applied(base: Config, values: dict, strict: bool) -> tuple[Config, list[str]]:
    """`base` with `values` applied, and a notice for each change (`strict`: a refusal for each)."""
    ignored = "" if strict else "Ignored "
    accepted, notices = {}, []
    for name, raw in values.items():
        if name not in FIELD_NAMES:
            notices.append(f"{'Unknown' if strict else 'Ignored unknown'} setting {name[:40]!r}.")
            continue
        try:
            value, notice = _check_field(name, raw, strict)
        except InputError as error:
            notices.append(f"{ignored}{error}")
            continue
        accepted[name] = value
        if notice:
            notices.append(notice)
        if not strict and (warned := caution(name, value)):  # allowed, but the learner should know
            notices.append(warned)
    config = replace(base, **accepted)
    if config.cell != "rnn" and config.nonlinearity != "tanh":
        if strict:
            notices.append(f"Only the plain RNN cell takes relu; the {config.cell} cell uses tanh in its gates.")
        else:
            config = replace(config, nonlinearity="tanh")
            notices.append("Only the plain RNN cell takes relu; switched the nonlinearity back to tanh.")
    return config, notices


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
MAX_TEXT = 1_000_000
MAX_SERIES_TEXT = 2_000_000  # room for datasets.MAX_SERIES_VALUES numbers
SERIES_PATTERN = re.compile(r"[0-9eE+\-.,;\s]*")


# What the work budget (rnnviz.serving.budget) takes back, in this order, when a combination costs too much.
WORK_FIELDS = ("batch_size", "seq_len", "lag", "predict_len", "prefix")
SHAPE_FIELDS = ("cell", "nonlinearity", "hidden_size", "num_layers", "embedding_dim")


def _within_budget(config: Config, base: Config, notices: list[str]) -> tuple[Config, list[str]]:
    """`config` if one step, trace and prediction of it fit the server's budget; else the nearest that does:
    the work settings of `base` or of the lesson, then those halved, and only then a smaller network."""
    defaults = _lesson_of(config)
    refusal = over_budget(config, defaults)
    if refusal is None:
        return config, notices
    for fallback in _fallbacks(config, base, defaults):
        if over_budget(fallback, defaults) is None:
            kept = [f"{label(name).lower()} {_to_text(getattr(fallback, name))[:20]}"
                    for name in WORK_FIELDS + SHAPE_FIELDS
                    if name not in ("nonlinearity", "prefix") and getattr(fallback, name) != getattr(config, name)]
            return fallback, notices + [f"{refusal} Using {', '.join(kept) or 'the earlier prefix'} instead."]
    return defaults, notices + [f"{refusal} Started from the {config.dataset} lesson's settings instead."]


def _fallbacks(config: Config, base: Config, defaults: Config):
    for source in (base, defaults):
        yield replace(config, **{name: getattr(source, name) for name in WORK_FIELDS})
    smaller = replace(config, **{name: getattr(defaults, name) for name in WORK_FIELDS})
    while smaller.batch_size > 1 or smaller.seq_len > 1 or smaller.predict_len > 1:  # a model file keeps its network
        smaller = replace(smaller, batch_size=max(1, smaller.batch_size // 2), seq_len=max(1, smaller.seq_len // 2),
                          predict_len=max(1, smaller.predict_len // 2))
        yield smaller
    for source in (base, defaults):
        yield replace(config, **{name: getattr(source, name) for name in WORK_FIELDS + SHAPE_FIELDS})



def _lesson_of(config: Config) -> Config:
    """The dataset's lesson settings, which the budget measures a combination against."""
    return defaults_for(config.dataset) if config.dataset in DATASET_DEFAULTS else Config()


def _check_field(name: str, raw, strict: bool = False):
    """The value `raw` for setting `name` and a notice if it was clamped or cut; an InputError (its message
    starting with the setting's name) if it cannot be used. `strict`: clamping or cutting is refused too."""
    if name in CHOICES:
        value = _as_text(name, raw).strip().lower()
        if value not in CHOICES[name]:
            raise InputError(f"{name}={shown(raw)}: choose one of {', '.join(CHOICES[name])}.")
        return value, None
    if name == "carry_state":
        if isinstance(raw, bool):
            return raw, None
        text = _as_text(name, raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True, None
        if text in ("0", "false", "no", "off", ""):
            return False, None
        raise InputError(f"carry_state={shown(raw)}: use true or false.")
    if name == "series":
        value = _as_text(name, raw)
        if len(value) > MAX_SERIES_TEXT or not SERIES_PATTERN.fullmatch(value):
            raise InputError(f"series: it must be numbers separated by commas, at most {MAX_SERIES_TEXT:,} characters.")
        return value, None
    if name in ("prefix", "text"):
        value = check_encodable(_as_text(name, raw), f"{name}: it")
        limit = MAX_PREFIX if name == "prefix" else MAX_TEXT
        if len(value) > limit and strict:
            raise InputError(f"The {name} has {len(value):,} characters; at most {limit:,} are allowed.")
        if len(value) > limit:
            return value[:limit], f"Cut {name} to its first {limit:,} characters."
        return value, None
    kind, low, high = LIMITS[name]
    allowed = f"{'a whole number' if kind is int else 'a number'} from {low:g} to {high:g}"
    try:
        number = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}={shown(raw)}: it must be {allowed}.") from None
    if not math.isfinite(number):
        raise InputError(f"{name}={shown(raw)}: it must be a finite number, {allowed}.")
    if kind is int and number != int(number):
        if strict:
            raise InputError(f"{name} {number:g} is not whole: it must be {allowed}.")
        number = round(number)
    clamped = min(max(number, low), high)
    value = int(clamped) if kind is int else float(clamped)
    if clamped != number and strict:
        raise InputError(f"{name} {number:g} is outside {low:g}–{high:g}: it must be {allowed}.")
    if clamped != number:
        return value, f"{name} {number:g} is outside {low:g}–{high:g}; using {value:g}."
    return value, None


def check_setting(name: str, value):
    """One setting given from Python (SeqModel, Trainer) checked as one from a link or a widget is, but refused
    instead of clamped: the value to use, or an InputError that says what is allowed."""
    return _check_field(name, value, strict=True)[0]


def _as_text(name: str, raw) -> str:
    try:
        return str(raw)
    except ValueError:  # a whole number of more than 4,300 digits, from a model file, has no text
        raise InputError(f"{name}={shown(raw)}: it is far outside what {name} allows.") from None


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
    # Many-to-one (rnnviz.insight.many_to_one): six digits in, yes or no out, from the last hidden state.
    "climbs": dict(hidden_size=32, lr=0.01, batch_size=64, steps=300, prefix="135789", predict_len=1),
    # Memory tasks (datasets.memory_tasks): the lag sets the length, so seq_len is not used. A gated cell (an LSTM
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
