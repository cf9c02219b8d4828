"""Export a trained model with the settings that built it, and load one back without running its code.

A checkpoint is a safetensors file: the model's tensors plus one JSON string
of metadata (the SeqModel settings, the Config, the dataset's name and its
symbols or value scale, the training step). Reading one runs nothing in it
(rnnviz.files.safe_load), and the settings, tensors and data are checked
before any weight is used (rnnviz.files.checkpoint_checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import safetensors.torch
import torch

from rnnviz.config import Config, in_groups
from rnnviz.errors import InputError, shown
from rnnviz.experiment import Experiment, dataset_for
from rnnviz.files import saved_history
from rnnviz.files.checkpoint_checks import (
    check_data_fits,
    checked_config,
    checked_dataset,
    checked_settings,
    checked_tensors,
)
from rnnviz.files.disk import read_limited, write_bytes
from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES, METADATA_KEY, check_plain, unpack
from rnnviz.nn.model import SeqModel

FORMAT = "rnnviz-checkpoint"
VERSION = 1
MAX_STEP = 10**9
# What says which data, and a prefix that fits it; the file keeps its own seed (it drew the weights).
DATA_FIELDS = (*(name for name in in_groups("data") if name != "seed"), "prefix")


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
    tensors, metadata = unpack(data, label)
    return _checked(tensors, metadata, label)


def load_checkpoint(path) -> Checkpoint:
    """Read and check a model file on disk: a regular file, read no further than the size limit allows."""
    path = Path(path)
    return read_checkpoint(read_limited(path, MAX_CHECKPOINT_BYTES, "model file"), filename=path.name)


# -- checking what was read ---------------------------------------------------------------------
def _checked(tensors: dict, metadata, label: str) -> Checkpoint:
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):  # ValueError: bad JSON, or a number of more than 4,300 digits
            raise InputError(f"{label}: its rnnviz settings are not valid JSON, or hold a number too long to "
                             "read.") from None
    check_plain(metadata, label)
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise InputError(f"{label} does not hold rnnviz settings (format {FORMAT!r}).")
    version = metadata.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise InputError(f"{label} is checkpoint version {shown(version, 20)}; this rnnviz reads version {VERSION}.")
    settings = checked_settings(metadata.get("model"), label)
    data = checked_dataset(metadata.get("dataset"), settings, label)
    config, notices = checked_config(metadata.get("config"), settings, data, label)
    step = metadata.get("step", 0)
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_STEP:
        raise InputError(f"{label}: the training step must be a whole number from 0 to {MAX_STEP:,}.")
    tensors, history = saved_history.split(tensors)
    weights = checked_tensors(tensors, settings, label)
    history = saved_history.checked(history, weights, step, label)
    return Checkpoint(config, settings, data, step, weights, notices, history)


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
    notices += check_data_fits(checkpoint.dataset, dataset)
    experiment = Experiment(config, dataset=dataset, model_settings=checkpoint.model_settings)
    experiment.model.load_state_dict(checkpoint.state_dict)
    trainer = experiment.trainer
    trainer.step = checkpoint.step
    trainer.snapshots.clear()
    saved_history.restore(trainer, checkpoint.history)
    trainer.take_snapshot()  # the loaded weights: the latest snapshot (the earliest too, without a saved history)
    return experiment, notices
