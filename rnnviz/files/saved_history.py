"""A model file's history: the loss rows, the gradient log and weight snapshots, saved as tensors beside the weights.

Everything is a float tensor under a name starting "history." or "snapshot.", so the file stays plain
safetensors and nothing in it is code. The weights come first; the history gets what is left of a
budget that keeps the whole file loadable in the app (its upload limit): the rows and the gradient
log are thinned evenly when they would not fit (the first and last kept), and the snapshots go in,
earliest first, while they fit. On import every part is checked before it is used, like the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from rnnviz.datasets.uploads import MAX_UPLOAD_BYTES
from rnnviz.errors import InputError
from rnnviz.nn.train import HISTORY_COLUMNS, MAX_SNAPSHOTS

HEADER_MARGIN = 64 * 1024  # room for the safetensors header's JSON, one entry per tensor
SMALLEST_BUDGET = 256 * 1024  # a model too big for the app still keeps its loss curve
ROWS, STEPS = "history.rows", "history.steps"
LOG_STEPS, LOG = "history.gradient_steps", ("history.grad_norms", "history.grad_norms_last")
VALUE_COLUMNS = HISTORY_COLUMNS[1:]  # every column but the step, stored as float32
MAX_ROWS, MAX_LOG = 1_000_000, 100_000


@dataclass
class SavedHistory:
    rows: list[dict] = field(default_factory=list)
    gradient_log: list[dict] = field(default_factory=list)
    snapshots: dict[int, dict] = field(default_factory=dict)



def _evenly(count: int, keep: int) -> list[int]:
    """`keep` indices of `count`, spread evenly, the first and last included."""
    if keep >= count:
        return list(range(count))
    return sorted(set(np.linspace(0, count - 1, max(keep, 2)).round().astype(int).tolist()))


def history_tensors(trainer, model_bytes: int, budget: int | None = None) -> dict[str, torch.Tensor]:
    """The trainer's history as named tensors, within `budget` bytes (by default what the upload limit leaves)."""
    if budget is None:
        budget = max(MAX_UPLOAD_BYTES - HEADER_MARGIN - model_bytes, SMALLEST_BUDGET)
    tensors: dict[str, torch.Tensor] = {}
    rows = trainer.rows[-MAX_ROWS:]
    if rows:
        picked = [rows[i] for i in _evenly(len(rows), (budget // 2) // (8 + 4 * len(VALUE_COLUMNS)))]
        tensors[STEPS] = torch.tensor([row["step"] for row in picked], dtype=torch.float64)
        tensors[ROWS] = torch.tensor([[row[c] for c in VALUE_COLUMNS] for row in picked], dtype=torch.float32)
    used = sum(t.numel() * t.element_size() for t in tensors.values())
    log = trainer.gradient_log[-MAX_LOG:]
    if log:
        layers = log[0]["grad_norms"].shape[0]
        width = max(entry["grad_norms"].shape[1] for entry in log)
        each = 8 + 2 * 4 * layers * width
        picked = [log[i] for i in _evenly(len(log), max((budget - used) // 2 // each, 0))] if budget > used else []
        if picked:
            tensors[LOG_STEPS] = torch.tensor([entry["step"] for entry in picked], dtype=torch.float64)
            for name, key in zip(LOG, ("grad_norms", "grad_norms_last")):
                table = torch.full((len(picked), layers, width), math.nan)
                for k, entry in enumerate(picked):
                    values = torch.as_tensor(np.asarray(entry[key], dtype=np.float32))
                    table[k, :, :values.shape[1]] = values
                tensors[name] = table
    used = sum(t.numel() * t.element_size() for t in tensors.values())
    for step in sorted(trainer.snapshots):
        snapshot = trainer.snapshots[step]
        size = sum(v.numel() * 4 for v in snapshot.values())
        if used + size > budget:
            break
        tensors.update({f"snapshot.{step}.{name}": value.to(torch.float32) for name, value in snapshot.items()})
        used += size
    return tensors


def split(tensors: dict) -> tuple[dict, dict]:
    """(the model's tensors, the history's): the history's names start with "history." or "snapshot."."""
    model, history = {}, {}
    for name, value in tensors.items():
        (history if str(name).startswith(("history.", "snapshot.")) else model)[name] = value
    return model, history


def _fail(label: str, what: str):
    raise InputError(f"{label}: its saved history is damaged ({what}). Export the model again from rnnviz.")


def _steps(tensor, label: str, what: str, last_step: int) -> list[int]:
    values = tensor.to(torch.float64)
    if values.ndim != 1 or not torch.isfinite(values).all() or (values != values.round()).any():
        _fail(label, f"{what} must be whole numbers")
    steps = [int(v) for v in values.tolist()]
    if any(s < 0 or s > last_step for s in steps) or steps != sorted(set(steps)):
        _fail(label, f"{what} must rise from 0 to the model's step {last_step:,}")
    return steps


def checked(history: dict, weights: dict[str, torch.Tensor], step: int, label: str) -> SavedHistory | None:
    """The history, checked against the weights it belongs to; None when the file has none."""
    if not history:
        return None
    saved = SavedHistory()
    known = {ROWS, STEPS, LOG_STEPS, *LOG}
    if (ROWS in history) != (STEPS in history) or (LOG_STEPS in history) != all(name in history for name in LOG):
        _fail(label, "a part is missing")
    if ROWS in history:
        steps, table = _steps(history[STEPS], label, "the loss rows' steps", step), history[ROWS].to(torch.float32)
        if tuple(table.shape) != (len(steps), len(VALUE_COLUMNS)) or len(steps) > MAX_ROWS:
            _fail(label, "the loss rows have the wrong shape")
        if not torch.isfinite(table[:, :-1]).all() or (table[:, :-1] < 0).any():  # only val_loss may be NaN
            _fail(label, "a loss, gradient norm, learning rate or time is negative or not finite")
        saved.rows = [{"step": s, **dict(zip(VALUE_COLUMNS, values))} for s, values in zip(steps, table.tolist())]
    if LOG_STEPS in history:
        steps = _steps(history[LOG_STEPS], label, "the gradient records' steps", step)
        tables = [history[name].to(torch.float32) for name in LOG]
        layers = sum(1 for n in weights if n.startswith("rnn.weight_hh_l"))
        if any(t.ndim != 3 or t.shape[0] != len(steps) or t.shape[1] != layers for t in tables) or len(steps) > MAX_LOG:
            _fail(label, "the gradient records do not fit the model's layers")
        if any(((t < 0) | torch.isinf(t)).any() for t in tables):
            _fail(label, "a gradient norm is negative or infinite")
        for k, s in enumerate(steps):
            width = int((~torch.isnan(tables[0][k, 0])).sum())
            saved.gradient_log.append({"step": s, **{key: tables[j][k, :, :width].numpy().copy()
                                                     for j, key in enumerate(("grad_norms", "grad_norms_last"))}})
    snapshots: dict[int, dict] = {}
    for name, value in history.items():
        if name in known:
            continue
        head, _, weight = name.partition(".")[2].partition(".")
        if not name.startswith("snapshot.") or not (head.isascii() and head.isdigit()) or weight not in weights:
            _fail(label, f"unexpected {name[:60]!r}")
        if tuple(value.shape) != tuple(weights[weight].shape) or not torch.isfinite(value).all():
            _fail(label, f"snapshot tensor {name[:60]!r} does not fit the model")
        snapshots.setdefault(int(head), {})[weight] = value.to(torch.float32)
    if len(snapshots) > MAX_SNAPSHOTS or any(s > step or set(d) != set(weights) for s, d in snapshots.items()):
        _fail(label, "a weight snapshot is incomplete or later than the model")
    saved.snapshots = dict(sorted(snapshots.items()))
    return saved


def restore(trainer, saved: SavedHistory | None) -> None:
    """Give a fresh trainer (at the file's step, its weights loaded) the saved history."""
    if saved is None:
        return
    trainer.rows[:] = saved.rows
    trainer.gradient_log[:] = saved.gradient_log
    trainer.snapshots.update(saved.snapshots)


def describe_restored(trainer) -> str:
    """What a loaded trainer got back, in words ("" when nothing): "120 steps of loss, 6 gradient records, ..."."""
    if not trainer.rows:
        return ""
    parts = [f"{len(trainer.rows):,} steps of loss"]
    if trainer.gradient_log:
        parts.append(f"{len(trainer.gradient_log):,} gradient records")
    earlier = len(trainer.snapshots) - 1  # the loaded weights are a snapshot too
    if earlier > 0:
        parts.append(f"{earlier} earlier weight snapshot{'s' if earlier > 1 else ''}")
    return ", ".join(parts)
