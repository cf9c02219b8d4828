"""Export a trained model with the settings that built it, and load one back without running its code.

A checkpoint is a safetensors file: the model's tensors plus one JSON string
of metadata (the SeqModel settings, the Config, the dataset's name and its
symbols or value scale, the training step). Safetensors holds numbers and
text only, so reading one cannot execute anything. A `.pt` made by
torch.save is read with `weights_only=True`, which refuses every Python object
but tensors and plain containers. Either way the settings are checked against
the Config's limits and every tensor's name and shape against the model those
settings build, before any weight is used; a refusal is an InputError that
says what is wrong.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import safetensors.torch
import torch
from safetensors import SafetensorError

from rnnviz.config import LIMITS, Config, defaults_for, in_groups
from rnnviz.datasets import DATASETS, MAX_SYMBOLS
from rnnviz.errors import INT_BITS, INT_DIGITS, InputError, check_encodable, shown
from rnnviz.experiment import Experiment, dataset_for
from rnnviz.files import saved_history
from rnnviz.files.disk import megabytes, read_limited, write_bytes
from rnnviz.nn.model import CELLS, NONLINEARITIES, SeqModel

MAX_CHECKPOINT_BYTES = 50_000_000  # 50 MB, counted as the uploads are (rnnviz.datasets.uploads.MAX_UPLOAD_BYTES)
FORMAT = "rnnviz-checkpoint"
VERSION = 1
METADATA_KEY = "rnnviz"
MAX_STEP = 10**9
FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}
SETTINGS_KEYS = {"input_size", "output_size", "cell", "hidden_size", "num_layers", "nonlinearity",
                 "vocab_size", "embedding_dim", "forget_bias"}
# What says which data, and a prefix that fits it; the file keeps its own seed (it drew the weights).
DATA_FIELDS = (*(name for name in in_groups("data") if name != "seed"), "prefix")
TORCH_HINT = ("A .pt file is read only if torch.save wrote a dict {'rnnviz': <settings>, 'state_dict': <tensors>}; "
              "the simplest is to export from rnnviz, which writes .safetensors.")


@dataclass
class Checkpoint:
    """What a model file holds, checked: settings within limits, tensors that fit them."""

    config: Config
    model_settings: dict
    dataset: dict  # name, kind, and symbols (tokens) or center/scale (values)
    step: int
    state_dict: dict[str, torch.Tensor]
    notices: list[str]
    history: saved_history.SavedHistory | None = None  # loss rows, gradient log, snapshots (rnnviz.files.saved_history)


# -- export --------------------------------------------------------------------------------------
def describe_dataset(dataset) -> dict:
    """What a model depends on in its data: the symbol order (token ids) or the value scale."""
    if dataset.is_tokens:
        return {"name": dataset.name, "kind": "tokens", "symbols": list(dataset.symbols)}
    return {"name": dataset.name, "kind": "values", "center": float(dataset.center), "scale": float(dataset.scale)}


def checkpoint_bytes(model: SeqModel, config: Config, dataset, step: int = 0, trainer=None) -> bytes:
    """The model's weights and everything needed to rebuild it, as safetensors bytes; with `trainer`, its history."""
    metadata = {"format": FORMAT, "version": VERSION, "model": model.settings(), "config": config.to_dict(),
                "dataset": describe_dataset(dataset), "step": int(step)}
    tensors = {name: value.detach().to("cpu").contiguous() for name, value in model.state_dict().items()}
    if trainer is not None:
        model_bytes = sum(t.numel() * t.element_size() for t in tensors.values())
        tensors.update(saved_history.history_tensors(trainer, model_bytes))
    return safetensors.torch.save(tensors, metadata={METADATA_KEY: json.dumps(metadata, ensure_ascii=False)})


def export_bytes(experiment: Experiment) -> bytes:
    """An Experiment's model as it is now (weights, settings, data description, step)."""
    return checkpoint_bytes(experiment.model, experiment.config, experiment.dataset, experiment.step,
                            trainer=experiment.trainer)


def export_filename(experiment: Experiment) -> str:
    config = experiment.config
    shape = f"{config.cell}{config.hidden_size}x{config.num_layers}"
    return f"rnnviz-{config.dataset}-{shape}-step{experiment.step}.safetensors"


def save_checkpoint(experiment: Experiment, path) -> Path:
    path = Path(path)
    write_bytes(path, export_bytes(experiment))  # a regular file only: never wait on a FIFO or write to a device
    return path


# -- reading the bytes ---------------------------------------------------------------------------
def read_checkpoint(data, filename: str = "") -> Checkpoint:
    """Check model-file bytes (safetensors, or a torch.save .pt) and return what they hold."""
    if hasattr(data, "getvalue"):  # Streamlit's UploadedFile
        data = data.getvalue()
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError("A model file must be given as bytes.")
    label = f"The file {str(filename)[:80]!r}" if filename else "The model file"
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise InputError(f"{label} is {len(data):,} bytes; model files up to {megabytes(MAX_CHECKPOINT_BYTES)} "
                         "are accepted.")
    if not data:
        raise InputError(f"{label} is empty.")
    # Safetensors first: its 8-byte header length may itself start with 0x80, a pickle's first byte.
    if _looks_like_safetensors(data):
        tensors, metadata = _read_safetensors(data, label)
    elif data.startswith(b"PK\x03\x04"):
        tensors, metadata = _read_torch(data, label, zipped=True)
    elif data.startswith(b"\x80"):  # a pickle of protocol 2 or later: torch.save's legacy format
        tensors, metadata = _read_torch(data, label, zipped=False)
    else:
        raise InputError(f"{label} is not a model file rnnviz can read: export one from rnnviz (.safetensors). "
                         + TORCH_HINT)
    return _checked(tensors, metadata, label)


def load_checkpoint(path) -> Checkpoint:
    """Read and check a model file on disk: a regular file, read no further than the size limit allows."""
    path = Path(path)
    return read_checkpoint(read_limited(path, MAX_CHECKPOINT_BYTES, "model file"), filename=path.name)


def _looks_like_safetensors(data: bytes) -> bool:
    if len(data) < 10:
        return False
    header_length = int.from_bytes(data[:8], "little")
    return 2 <= header_length <= len(data) - 8 and data[8:9] == b"{"


def _read_safetensors(data: bytes, label: str) -> tuple[dict, object]:
    header_length = int.from_bytes(data[:8], "little")
    try:
        header = json.loads(data[8:8 + header_length].decode("utf-8"))
    except (ValueError, RecursionError):  # ValueError: bad UTF-8 or JSON, or a number of more than 4,300 digits
        raise InputError(f"{label} is damaged: its safetensors header is not valid JSON, or holds a number too "
                         "long to read.") from None
    _check_plain(header, label)
    if not isinstance(header, dict):
        raise InputError(f"{label} is damaged: its safetensors header is not a table of tensors.")
    metadata = header.pop("__metadata__", None)
    for name, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if dtype not in FLOAT_DTYPES:
            raise InputError(f"{label}: tensor {shown(name, 60)} is not floating point ({shown(dtype, 10)}); "
                             "a model's weights are.")
    try:
        tensors = safetensors.torch.load(data)
    except (SafetensorError, ValueError, RuntimeError, OverflowError) as error:
        raise InputError(f"{label} is damaged or cut short ({str(error)[:120]}).") from None
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        raise InputError(f"{label} holds tensors but not the rnnviz settings that built them; "
                         "export models from rnnviz so they can be loaded again.")
    return tensors, metadata[METADATA_KEY]


def _read_torch(data: bytes, label: str, zipped: bool) -> tuple[dict, object]:
    if zipped:
        _check_zip(data, label)
    try:
        # weights_only: the unpickler builds tensors and plain containers only; anything else is refused
        # before it is called, so no code from the file runs. Any failure of a hostile file is a refusal.
        with warnings.catch_warnings():  # a hostile file's warnings would only fill the server log
            warnings.simplefilter("ignore")
            loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        found = next((line.strip() for line in str(error).splitlines() if "global" in line.lower()), "")
        found = f" ({found[:120]})" if found else ""
        raise InputError(f"{label} holds Python objects that are not plain tensors{found}. "
                         "Loading it could run code, so rnnviz refuses it. " + TORCH_HINT) from None
    except Exception as error:  # noqa: BLE001 - torch raises many kinds on damaged input
        raise InputError(f"{label} is not a readable torch.save file ({type(error).__name__}). " + TORCH_HINT) from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("state_dict"), dict) or METADATA_KEY not in loaded:
        if isinstance(loaded, dict) and loaded and all(isinstance(v, torch.Tensor) for v in loaded.values()):
            raise InputError(f"{label} holds weights but not the settings that built them. " + TORCH_HINT)
        raise InputError(f"{label} is a torch.save file, but not of a model rnnviz can rebuild. " + TORCH_HINT)
    tensors = loaded["state_dict"]
    _check_plain(loaded, label)
    for name, value in tensors.items():
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise InputError(f"{label}: entry {shown(name, 60)} of state_dict is not a floating-point tensor.")
    metadata = loaded[METADATA_KEY]
    return tensors, metadata


def _check_zip(data: bytes, label: str) -> None:
    """torch.save writes its archive uncompressed: refuse compressed entries (a zip bomb) and huge claims."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{label} is a damaged zip archive.") from None
    if len(entries) > 10_000 or sum(e.file_size for e in entries) > 2 * MAX_CHECKPOINT_BYTES:
        raise InputError(f"{label} unpacks to too much data for a model file.")
    if any(e.compress_type != zipfile.ZIP_STORED for e in entries):
        raise InputError(f"{label} is a compressed zip; torch.save files are not, so rnnviz refuses it.")


# -- checking what was read ---------------------------------------------------------------------
def _checked(tensors: dict, metadata, label: str) -> Checkpoint:
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):  # ValueError: bad JSON, or a number of more than 4,300 digits
            raise InputError(f"{label}: its rnnviz settings are not valid JSON, or hold a number too long to "
                             "read.") from None
    _check_plain(metadata, label)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise InputError(f"{label} does not hold rnnviz settings (format {FORMAT!r}).")
    version = metadata.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise InputError(f"{label} is checkpoint version {shown(version, 20)}; this rnnviz reads version {VERSION}.")
    settings = _checked_settings(metadata.get("model"), label)
    data = _checked_dataset(metadata.get("dataset"), settings, label)
    config, notices = _checked_config(metadata.get("config"), settings, data, label)
    step = metadata.get("step", 0)
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_STEP:
        raise InputError(f"{label}: the training step must be a whole number from 0 to {MAX_STEP:,}.")
    tensors, history = saved_history.split(tensors)
    weights = _checked_tensors(tensors, settings, label)
    history = saved_history.checked(history, weights, step, label)
    return Checkpoint(config, settings, data, step, weights, notices, history)


def _check_plain(value, label: str) -> None:
    """Refuse, anywhere in what a model file holds, text that is not whole Unicode characters and whole numbers
    too long to write out: either would load, then fail where a page shows it, a link carries it or a file saves it."""
    stack = [value]
    while stack:  # not recursive: a pickle can nest lists far deeper than Python's recursion limit
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str):
            check_encodable(item, f"{label}: the text {shown(item, 20)} in its settings")
        elif isinstance(item, int) and item.bit_length() > INT_BITS:
            raise InputError(f"{label} holds a whole number of more than {INT_DIGITS:,} digits; no setting of a "
                             "model is anywhere near that long.")


def _whole(settings: dict, name: str, low: int, high: int, label: str) -> int:
    value = settings.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InputError(f"{label}: {name} is {shown(value, 20)}; it must be a whole number from {low} to {high}.")
    return value


def _checked_settings(settings, label: str) -> dict:
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


def _checked_dataset(data, settings: dict, label: str) -> dict:
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


def _checked_config(raw, settings: dict, data: dict, label: str) -> tuple[Config, list[str]]:
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


def _checked_tensors(tensors: dict, settings: dict, label: str) -> dict[str, torch.Tensor]:
    with torch.device("meta"):  # shapes only: no memory, no random numbers drawn
        expected = {name: tuple(t.shape) for name, t in SeqModel(**settings).state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(str(name)[:40] for name in set(tensors) - set(expected))  # _check_plain made str() safe
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


# -- continuing training ------------------------------------------------------------------------
def load_into_experiment(source, data_config: Config | None = None, device: str = "auto",
                         filename: str = "") -> tuple[Experiment, list[str]]:
    """An Experiment with the file's weights loaded, ready to train on; and notices to show.

    `source` is bytes, a path or a Checkpoint. The data is the one saved with the model,
    or, with `data_config`, that config's data (dataset, text, series, lag): then its
    vocabulary must be the model's, symbol for symbol. Training restarts the optimizer's
    moments; the step count goes on from the file's.
    """
    if isinstance(source, Checkpoint):
        checkpoint = source
    elif isinstance(source, (str, Path)):
        checkpoint = load_checkpoint(source)
    else:
        checkpoint = read_checkpoint(source, filename)
    notices = list(checkpoint.notices)
    config = checkpoint.config
    if data_config is not None:
        config = config.replace(**{name: getattr(data_config, name) for name in DATA_FIELDS})
    config, more = Config.checked(config, device=device)
    notices += more
    dataset = dataset_for(config)
    notices += _check_data(checkpoint.dataset, dataset)
    experiment = Experiment(config, dataset=dataset, model_settings=checkpoint.model_settings)
    experiment.model.load_state_dict(checkpoint.state_dict)
    trainer = experiment.trainer
    trainer.step = checkpoint.step
    trainer.snapshots.clear()
    saved_history.restore(trainer, checkpoint.history)
    trainer._take_snapshot()  # the loaded weights: the latest snapshot (the earliest too, without a saved history)
    return experiment, notices


def _check_data(saved: dict, dataset) -> list[str]:
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
