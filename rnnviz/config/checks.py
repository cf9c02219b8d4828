"""Each setting on its own: its bounds, its choices, its name as the learner reads it, and the check every value
passes, from a widget, a link, a model file, the command line or Python.
"""

from __future__ import annotations

import math
import re

from rnnviz.choices import (
    CELLS,
    DEVICE_CHOICES,
    MAX_LAG,
    MAX_PREDICT,
    MAX_PREFIX,
    MAX_SERIES_TEXT,
    MAX_TEMPERATURE,
    MAX_TEXT,
    NONLINEARITIES,
    OPTIMIZERS,
)
from rnnviz.config.defaults import DATASET_NAMES
from rnnviz.errors import InputError, check_encodable, shown

SERIES_PATTERN = re.compile(r"[0-9eE+\-.,;\s]*")

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
    "lag": (int, 1, MAX_LAG),
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
    "dataset": DATASET_NAMES,
    "cell": CELLS,
    "nonlinearity": NONLINEARITIES,
    "optimizer": OPTIMIZERS,
    "device": DEVICE_CHOICES,
}


def check_value(name: str, raw, strict: bool = False):
    """The value `raw` for setting `name` and a notice if it was clamped or cut; an InputError (its message
    starting with the setting's name) if it cannot be used. `strict`: clamping or cutting is refused too."""
    if name in CHOICES:
        value = as_text(name, raw).strip().lower()
        if value not in CHOICES[name]:
            raise InputError(f"{name}={shown(raw)}: choose one of {', '.join(CHOICES[name])}.")
        return value, None
    if name == "carry_state":
        if isinstance(raw, bool):
            return raw, None
        text = as_text(name, raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True, None
        if text in ("0", "false", "no", "off", ""):
            return False, None
        raise InputError(f"carry_state={shown(raw)}: use true or false.")
    if name == "series":
        value = as_text(name, raw)
        if len(value) > MAX_SERIES_TEXT or not SERIES_PATTERN.fullmatch(value):
            raise InputError(f"series: it must be numbers separated by commas, at most {MAX_SERIES_TEXT:,} characters.")
        return value, None
    if name in ("prefix", "text"):
        value = check_encodable(as_text(name, raw), f"{name}: it")
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
    return check_value(name, value, strict=True)[0]


def as_text(name: str, raw) -> str:
    try:
        return str(raw)
    except ValueError:  # a whole number of more than 4,300 digits, from a model file, has no text
        raise InputError(f"{name}={shown(raw)}: it is far outside what {name} allows.") from None


def to_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(value)
