"""What is kept of a model between server runs: a checkpoint plus what training needs to go on where it stopped.

A record is one safetensors blob: the model file rnnviz exports (weights, settings, data description, step,
history) with the optimizer's state tensors beside it, and, in the same JSON metadata, the optimizer's step
counts, the batch generator's state and the training clock. So a restored model takes the very next step the
original would have (same batch, same Adam moments), not a restart from a fresh optimizer. Reading a record goes
through the model-file checks first (rnnviz.files.checkpoint), then checks the extra parts against the model.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from dataclasses import dataclass, field

import pandas as pd
import safetensors.torch
import torch

from rnnviz.errors import InputError, shown
from rnnviz.experiment import Experiment, model_lock
from rnnviz.files import saved_history
from rnnviz.files.checkpoint import FORMAT, MAX_STEP, VERSION, Checkpoint, describe_dataset, load_into_experiment
from rnnviz.files.checkpoint import _checked as checked_checkpoint  # the model-file checks, shared on purpose
from rnnviz.files.disk import megabytes
from rnnviz.files.safe_load import MAX_CHECKPOINT_BYTES, METADATA_KEY, unpack
from rnnviz.nn.model import SeqModel
from rnnviz.nn.train import HISTORY_COLUMNS

RECORD_FORMAT = "rnnviz-record"
RECORD_VERSION = 1
LABEL = "The kept model"
OPTIMIZER_PREFIX, CARRIED_PREFIX = "optimizer.", "carried."
# The state tensors each optimizer keeps per weight (rnnviz.nn.train.OPTIMIZERS; SGD's only with momentum).
OPTIMIZER_STATE = {"adam": ("exp_avg", "exp_avg_sq"), "sgd": ("momentum_buffer",)}
GENERATOR_BYTES = len(torch.Generator().get_state())


@dataclass
class Record:
    """A kept model, checked: the model file's parts, and what lets training go on exactly where it stopped."""

    checkpoint: Checkpoint
    saved_at: float  # wall-clock time of the copy (time.time())
    seconds: float  # the trainer's training clock at that step
    optimizer_steps: list[int | None] = field(default_factory=list)  # per weight; None: no state yet
    optimizer_state: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)  # per weight index
    generator_state: torch.Tensor | None = None  # the batch generator's, so the next batch is the one it would be
    carried: object = None  # the hidden state carried between batches (a tensor, a pair for LSTM, or None)

    @property
    def config(self):
        return self.checkpoint.config

    @property
    def step(self) -> int:
        return self.checkpoint.step

    @property
    def notices(self) -> list[str]:
        return self.checkpoint.notices

    @property
    def history(self) -> pd.DataFrame:
        rows = self.checkpoint.history.rows if self.checkpoint.history else []
        return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


# -- writing ---------------------------------------------------------------------------------------------
class _HistoryCopy:
    """What saved_history reads of a trainer, copied: rows, gradient log and snapshots are never changed once made,
    so shallow copies are consistent."""

    def __init__(self, trainer):
        self.rows = list(trainer.rows)
        self.gradient_log = list(trainer.gradient_log)
        self.snapshots = dict(trainer.snapshots)


def _carried_tensors(state) -> dict[str, torch.Tensor]:
    if state is None:
        return {}
    parts = state if isinstance(state, tuple) else (state,)
    return {f"{CARRIED_PREFIX}{i}": part.detach().to("cpu", copy=True) for i, part in enumerate(parts)}


def _copy(experiment: Experiment) -> tuple[dict, dict[str, torch.Tensor], _HistoryCopy]:
    """The metadata, tensors and history of `experiment` as they are now; call under its model lock (cheap: copies
    only, no serialising)."""
    trainer = experiment.trainer
    tensors = {name: value.detach().to("cpu", copy=True) for name, value in experiment.model.state_dict().items()}
    steps: list[int | None] = []
    optimizer = trainer._optimizer  # not built yet: no step taken, nothing learned to keep
    if optimizer is not None:
        for index, param in enumerate(experiment.model.parameters()):
            state = optimizer.state.get(param, {})
            steps.append(int(state["step"]) if "step" in state else None)
            for name in OPTIMIZER_STATE[trainer.optimizer_name]:
                if isinstance(state.get(name), torch.Tensor):
                    tensors[f"{OPTIMIZER_PREFIX}{index}.{name}"] = state[name].detach().to("cpu", copy=True)
    tensors.update(_carried_tensors(trainer.state))
    metadata = {
        "format": FORMAT, "version": VERSION, "model": experiment.model.settings(),
        "config": experiment.config.to_dict(), "dataset": describe_dataset(experiment.dataset),
        "step": int(trainer.step),
        "record": {"format": RECORD_FORMAT, "version": RECORD_VERSION, "optimizer": trainer.optimizer_name,
                   "optimizer_steps": steps, "seconds": float(trainer.seconds),
                   "generator": base64.b64encode(trainer.generator.get_state().numpy().tobytes()).decode("ascii")},
    }
    return metadata, tensors, _HistoryCopy(trainer)


def record_bytes(experiment: Experiment, saved_at: float | None = None) -> bytes:
    """`experiment` as a record: copied under its model lock, serialised outside it so training waits only for
    the copy."""
    return record_and_step(experiment, saved_at)[0]


def record_and_step(experiment: Experiment, saved_at: float | None = None) -> tuple[bytes, int]:
    """The record, and the training step it holds (the model may have trained on since)."""
    with model_lock(experiment):
        metadata, tensors, history = _copy(experiment)
    metadata["record"]["saved_at"] = float(time.time() if saved_at is None else saved_at)
    model_bytes = sum(t.numel() * t.element_size() for name, t in tensors.items()
                      if not name.startswith((OPTIMIZER_PREFIX, CARRIED_PREFIX)))
    tensors.update(saved_history.history_tensors(history, model_bytes))
    data = safetensors.torch.save(tensors, metadata={METADATA_KEY: json.dumps(metadata, ensure_ascii=False)})
    return data, metadata["step"]


# -- reading ---------------------------------------------------------------------------------------------
def _refuse(what: str):
    raise InputError(f"{LABEL} is damaged ({what}); it cannot be restored.")


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _split_extras(tensors: dict) -> tuple[dict, dict, dict]:
    model, optimizer, carried = {}, {}, {}
    for name, value in tensors.items():
        if name.startswith(OPTIMIZER_PREFIX):
            optimizer[name] = value
        elif name.startswith(CARRIED_PREFIX):
            carried[name] = value
        else:
            model[name] = value
    return model, optimizer, carried


def _checked_optimizer(part: dict, tensors: dict, checkpoint: Checkpoint) -> tuple[list, dict]:
    name = part.get("optimizer")
    if name not in OPTIMIZER_STATE or name != checkpoint.config.optimizer:
        _refuse(f"its optimizer {shown(name, 20)} is not the {checkpoint.config.optimizer} its settings name")
    with torch.device("meta"):  # shapes only
        shapes = [tuple(p.shape) for p in SeqModel(**checkpoint.model_settings).parameters()]
    steps = part.get("optimizer_steps")
    if not isinstance(steps, list) or (steps and len(steps) != len(shapes)):
        _refuse("the optimizer's step counts do not fit the model's weights")
    steps = steps or [None] * len(shapes)
    if any(s is not None and not _whole(s, 1, MAX_STEP) for s in steps):
        _refuse(f"an optimizer step count is not a whole number from 1 to {MAX_STEP:,}")
    state: dict[int, dict[str, torch.Tensor]] = {}
    for tensor_name, value in tensors.items():
        head, _, kind = tensor_name[len(OPTIMIZER_PREFIX):].partition(".")
        index = int(head) if head.isascii() and head.isdigit() and len(head) < 6 else -1
        if not 0 <= index < len(shapes) or kind not in OPTIMIZER_STATE[name] or steps[index] is None:
            _refuse(f"unexpected tensor {shown(tensor_name, 60)}")
        if value.layout != torch.strided or tuple(value.shape) != shapes[index]:
            _refuse(f"optimizer tensor {shown(tensor_name, 60)} does not fit its weight")
        value = value.to(torch.float32)
        if not torch.isfinite(value).all() or (kind == "exp_avg_sq" and (value < 0).any()):
            _refuse(f"optimizer tensor {shown(tensor_name, 60)} holds values no training makes")
        state.setdefault(index, {})[kind] = value
    wanted = set(OPTIMIZER_STATE[name]) if name == "adam" else set()  # SGD keeps momentum only when it has some
    for index, step in enumerate(steps):
        if step is not None and not wanted <= set(state.get(index, {})):
            _refuse(f"the optimizer state of weight {index} is incomplete")
    return list(steps), state


def _checked_carried(tensors: dict, checkpoint: Checkpoint):
    if not tensors:
        return None
    settings, config = checkpoint.model_settings, checkpoint.config
    parts = 2 if settings["cell"] == "lstm" else 1
    shape = (settings["num_layers"], config.batch_size, settings["hidden_size"])
    if not config.carry_state or set(tensors) != {f"{CARRIED_PREFIX}{i}" for i in range(parts)}:
        _refuse("its carried hidden state does not fit its settings")
    values = []
    for i in range(parts):
        value = tensors[f"{CARRIED_PREFIX}{i}"]
        if value.layout != torch.strided or tuple(value.shape) != shape:
            _refuse("its carried hidden state has the wrong shape")
        value = value.to(torch.float32)
        if not torch.isfinite(value).all():
            _refuse("its carried hidden state is not finite")
        values.append(value)
    return tuple(values) if parts == 2 else values[0]


def _checked_generator(text) -> torch.Tensor:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True) if isinstance(text, str) else b""
    except (binascii.Error, UnicodeEncodeError):
        raw = b""
    if len(raw) != GENERATOR_BYTES:
        _refuse("the state of its batch generator is not one torch makes")
    state = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    try:
        torch.Generator().set_state(state)
    except RuntimeError:
        _refuse("the state of its batch generator is not one torch makes")
    return state


def read_record(data: bytes) -> Record:
    """Check a record's bytes like an uploaded model file, then its optimizer, generator and carried state;
    InputError with a sentence for the learner when anything is wrong."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise InputError(f"{LABEL} must be given as bytes.")
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise InputError(f"{LABEL} is {len(data):,} bytes; records up to {megabytes(MAX_CHECKPOINT_BYTES)} are kept.")
    header_length = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
    if len(data) < 10 or not 2 <= header_length <= len(data) - 8:
        _refuse("its safetensors header is cut short or claims more bytes than the record holds")
    if data[8:9] != b"{":
        _refuse("it is not a safetensors record")
    tensors, metadata = unpack(data, LABEL)
    try:
        metadata = json.loads(metadata) if isinstance(metadata, str) else None
    except (ValueError, RecursionError):
        metadata = None
    if not isinstance(metadata, dict):
        _refuse("its settings are not plain JSON")
    model_tensors, optimizer_tensors, carried_tensors = _split_extras(tensors)
    checkpoint = checked_checkpoint(model_tensors, metadata, LABEL)  # also refuses text and numbers JSON can't keep
    part = metadata.get("record")
    if not isinstance(part, dict) or part.get("format") != RECORD_FORMAT:
        raise InputError(f"{LABEL} is a model file, not a record rnnviz keeps (format {RECORD_FORMAT!r}).")
    if not _whole(part.get("version"), 1, RECORD_VERSION):
        raise InputError(f"{LABEL} is record version {shown(part.get('version'), 20)}; this rnnviz reads "
                         f"version {RECORD_VERSION}.")
    numbers = [part.get("saved_at"), part.get("seconds")]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
               for v in numbers):
        _refuse("its save time or training clock is not a number of seconds")
    steps, state = _checked_optimizer(part, optimizer_tensors, checkpoint)
    return Record(checkpoint, float(part["saved_at"]), float(part["seconds"]), steps, state,
                  _checked_generator(part.get("generator")), _checked_carried(carried_tensors, checkpoint))


# -- training on -----------------------------------------------------------------------------------------
def experiment_from_record(record: Record) -> Experiment:
    """A new Experiment at the record's step: weights, history, optimizer state, batch generator and carried
    state restored, so its next step is the one the original would have taken."""
    experiment, _ = load_into_experiment(record.checkpoint)
    trainer = experiment.trainer
    if any(step is not None for step in record.optimizer_steps):
        optimizer = trainer.optimizer
        saved = optimizer.state_dict()
        saved["state"] = {index: {"step": torch.tensor(float(step)), **record.optimizer_state.get(index, {})}
                          for index, step in enumerate(record.optimizer_steps) if step is not None}
        optimizer.load_state_dict(saved)
    if record.generator_state is not None:
        trainer.generator.set_state(record.generator_state)
    if record.carried is not None and trainer.carry_state:
        device = experiment.model.device
        carried = record.carried
        trainer.state = tuple(c.to(device) for c in carried) if isinstance(carried, tuple) else carried.to(device)
    trainer.seconds = record.seconds
    return experiment
