"""What a model file says, checked before any weight is used: its settings against the Config's limits, its
tensors' names and shapes against the model those settings build, its data against the data it will meet.
A refusal is an InputError that says what is wrong."""

from __future__ import annotations

import math

import torch

from rnnviz.choices import NONLINEARITIES
from rnnviz.config import LIMITS, Config, defaults_for
from rnnviz.datasets import DATASETS, MAX_SYMBOLS
from rnnviz.errors import InputError, shown
from rnnviz.nn.model import CELLS, SeqModel

SETTINGS_KEYS = {"input_size", "output_size", "cell", "hidden_size", "num_layers", "nonlinearity",
                 "vocab_size", "embedding_dim", "forget_bias"}


def _whole(settings: dict, name: str, low: int, high: int, label: str) -> int:
    value = settings.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{label}: {name} is {shown(value, 20)}; it must be a whole number from {low} to {high}.")
    return value


def checked_settings(settings, label: str) -> dict:
    if not isinstance(settings, dict) or set(settings) != SETTINGS_KEYS:
        raise InputError(f"{label}: the model settings must name exactly {', '.join(sorted(SETTINGS_KEYS))}.")
    if not isinstance(settings["cell"], str) or settings["cell"] not in CELLS:
        raise InputError(f"{label}: cell {shown(settings['cell'], 20)} is not one of {', '.join(CELLS)}.")
    nonlinearity = settings["nonlinearity"]
    if (not isinstance(nonlinearity, str) or nonlinearity not in NONLINEARITIES
            or (settings["cell"] != "rnn" and nonlinearity != "tanh")):
        raise InputError(f"{label}: nonlinearity {shown(nonlinearity, 20)} does not fit a "
                         f"{settings['cell']} cell.")
    for name in ("hidden_size", "num_layers", "embedding_dim"):
        _whole(settings, name, LIMITS[name][1], LIMITS[name][2], label)
    if settings["vocab_size"] is None:
        _whole(settings, "input_size", 1, 1, label)
        _whole(settings, "output_size", 1, 1, label)
        if settings["embedding_dim"]:
            raise InputError(f"{label}: a model of numbers (no vocabulary) cannot have an embedding.")
    else:
        vocab = _whole(settings, "vocab_size", 1, MAX_SYMBOLS, label)
        _whole(settings, "input_size", vocab, vocab, label)
        _whole(settings, "output_size", vocab, vocab, label)
    bias = settings["forget_bias"]
    low, high = LIMITS["forget_bias"][1:]
    if bias is not None and (not isinstance(bias, (int, float)) or isinstance(bias, bool)
                             or not math.isfinite(bias) or not low <= bias <= high):
        raise InputError(f"{label}: forget_bias must be empty or a number from {low:g} to {high:g}.")
    return dict(settings)


def checked_dataset(data, settings: dict, label: str) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or data["name"] not in DATASETS:
        raise InputError(f"{label}: the dataset must be one of {', '.join(DATASETS)}.")
    if settings["vocab_size"] is not None:
        symbols = data.get("symbols")
        if (data.get("kind") != "tokens" or not isinstance(symbols, list) or len(symbols) != settings["vocab_size"]
                or not all(isinstance(s, str) and 0 < len(s) <= 16 for s in symbols)
                or len(set(symbols)) != len(symbols)):
            raise InputError(f"{label}: the vocabulary must be {settings['vocab_size']} distinct symbols, "
                             "one for each of the model's inputs.")
        return {"name": data["name"], "kind": "tokens", "symbols": list(symbols)}
    center, scale = data.get("center"), data.get("scale")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (center, scale))
    if data.get("kind") != "values" or not numbers or scale <= 0:
        raise InputError(f"{label}: a model of numbers needs the value scale it was trained with (center, scale > 0).")
    return {"name": data["name"], "kind": "values", "center": float(center), "scale": float(scale)}


def checked_config(raw, settings: dict, data: dict, label: str) -> tuple[Config, list[str]]:
    if not isinstance(raw, dict):
        raise InputError(f"{label}: the training settings are missing.")
    values = {str(k): v for k, v in raw.items() if k not in ("dataset", "device")}
    # The device it was saved on may be missing here; "auto" picks the best one present.
    config, notices = Config.checked(defaults_for(data["name"]), device="auto", **values)
    for name in ("cell", "hidden_size", "num_layers", "nonlinearity"):
        if getattr(config, name) != settings[name]:
            raise InputError(f"{label}: the settings disagree: the model has {name} {settings[name]}, "
                             f"the training settings {shown(raw.get(name), 20)}.")
    if settings["vocab_size"] is not None and config.embedding_dim != settings["embedding_dim"]:
        raise InputError(f"{label}: the settings disagree on embedding_dim.")
    return config, [f"From the model file: {notice}" for notice in notices]


def checked_tensors(tensors: dict, settings: dict, label: str) -> dict[str, torch.Tensor]:
    with torch.device("meta"):  # shapes only: no memory, no random numbers drawn
        expected = {name: tuple(t.shape) for name, t in SeqModel(**settings).state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(str(name)[:40] for name in set(tensors) - set(expected))  # check_plain made str() safe
    if missing or extra:
        parts = ([f"missing {', '.join(missing[:4])}"] if missing else []) + (
            [f"unexpected {', '.join(extra[:4])}"] if extra else [])
        raise InputError(f"{label}: its tensors do not match the model its settings describe ({'; '.join(parts)}).")
    checked = {}
    for name, shape in expected.items():
        tensor = tensors[name]
        if tensor.layout != torch.strided or tensor.is_quantized:
            raise InputError(f"{label}: tensor {name} is not a plain dense tensor.")
        if tuple(tensor.shape) != shape:
            raise InputError(f"{label}: tensor {name} has shape {list(tensor.shape)}; the settings need {list(shape)}.")
        tensor = tensor.to(torch.float32)
        if not torch.isfinite(tensor).all():
            raise InputError(f"{label}: tensor {name} holds NaN or infinite weights.")
        checked[name] = tensor
    return checked


def check_data_fits(saved: dict, dataset) -> list[str]:
    """Whether `dataset` is the data a saved model can continue on (`saved`: the data its file describes);
    notices for a mismatch it can live with, InputError for one it cannot."""
    kind = "tokens" if dataset.is_tokens else "values"
    if kind != saved["kind"]:
        what = {"tokens": "symbols", "values": "numbers"}
        raise InputError(f"This model reads {what[saved['kind']]}, but the {dataset.name} data is {what[kind]}.")
    if kind == "tokens":
        if list(dataset.symbols) != saved["symbols"]:
            lost = [s for s in dataset.symbols if s not in saved["symbols"]]
            unused = [s for s in saved["symbols"] if s not in dataset.symbols]
            detail = (f"the data has {''.join(lost[:10])!r} that the model never saw" if lost else
                      f"the model knows {''.join(unused[:10])!r} that the data lacks" if unused else
                      "the same symbols are numbered in a different order")
            raise InputError(f"The model's vocabulary does not match the {dataset.name} data: {detail}. "
                             "Load it with the data it was trained on.")
        return []
    if not (math.isclose(dataset.center, saved["center"], rel_tol=1e-4, abs_tol=1e-6)
            and math.isclose(dataset.scale, saved["scale"], rel_tol=1e-4, abs_tol=1e-6)):
        return ["This data spans a different range of values than the model was trained on; "
                "its predictions start out of scale until it trains further."]
    return []
