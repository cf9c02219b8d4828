"""The unit explorer: what one hidden unit responds to, as LSTMVis shows it.

Run the model over the dataset (the stream of a text, the items of a fixed-length
set, a held-out batch of a memory task), collect one unit's activation after every
input, and report its mean per input symbol and the contexts where it fires most:
a unit that tracks "inside a word" or "brackets still open" shows it at a glance.
For a series, inputs are grouped into value bins instead of symbols.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from rnnviz.errors import InputError
from rnnviz.nn.trace import replay

MAX_STEPS = 20_000
VALUE_BINS = 10
ORDERS = ("high", "low", "abs")


@dataclass
class UnitReport:
    """One unit over the data.

    by_symbol:   DataFrame symbol, mean, count: the mean activation after each input symbol,
                 highest first
    top:         DataFrame activation, sequence, position, before, symbol, after: the inputs after
                 which the unit is most active (or least, or largest in size; see `order`)
    activations: every activation in reading order, one array per sequence
    """

    unit: int
    layer: int
    state: str
    by_symbol: pd.DataFrame
    top: pd.DataFrame
    activations: list[np.ndarray]


def _sequences(ds, max_steps: int, seq_len: int | None) -> torch.Tensor:
    """The data as a batch of input sequences [B, T] (or [B, T, 1])."""
    if getattr(ds, "fixed_length", False):
        items = getattr(ds, "items", None)
        if items is not None:
            inputs = items[:, :-1]
        else:
            inputs = ds.validation_batch(256)[0]
        rows = max(1, max_steps // inputs.shape[1])
        return inputs[:rows]
    stream = ds.stream[:max_steps]
    if seq_len:
        # Windows of the length the model was trained on, each from a fresh state.
        count = len(stream) // seq_len
        stream = stream[:count * seq_len].reshape(count, seq_len)
    else:
        stream = stream.reshape(1, -1)
    return ds.as_input(stream) if not ds.is_tokens else stream


def _symbol_labels(ds, inputs: torch.Tensor) -> tuple[np.ndarray, list[str]]:
    """A group id per input step and the groups' labels: the symbols, or value bins for a series."""
    if ds.is_tokens:
        return inputs.reshape(-1).numpy(), list(ds.symbols)
    values = np.asarray(ds.from_model(inputs.reshape(-1)))
    distinct = np.unique(values)
    if len(distinct) <= VALUE_BINS:
        return np.searchsorted(distinct, values), [f"{v:.2f}" for v in distinct]
    edges = np.linspace(values.min(), values.max(), VALUE_BINS + 1)
    groups = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, VALUE_BINS - 1)
    return groups, [f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(edges[:-1], edges[1:])]


def _text(ds, pieces) -> str:
    if ds.is_tokens:
        return ds.format([int(p) for p in pieces])
    return ds.format(ds.from_model(torch.as_tensor(pieces))) if len(pieces) else ""


@torch.no_grad()
def unit_report(model, ds, unit: int, layer: int = 0, state: str = "hidden", top: int = 10, width: int = 20,
                after: int = 5, order: str = "high", max_steps: int = 5000, seq_len: int | None = None) -> UnitReport:
    """Unit `unit` of `layer` (its h, or for an LSTM state="cell" its c) over up to `max_steps` inputs.

    Streams run as one sequence carrying the state, or in windows of `seq_len` from a fresh
    state (as a model trained without carried state saw them). Contexts show `width` inputs
    before the firing one and `after` inputs after it.
    """
    if not 0 <= layer < model.num_layers:
        raise InputError(f"Choose a layer from 0 to {model.num_layers - 1}; got {layer!r}.")
    if not isinstance(unit, int) or not 0 <= unit < model.hidden_size:
        raise InputError(f"Choose a unit from 0 to {model.hidden_size - 1}; got {unit!r}.")
    if state not in ("hidden", "cell") or (state == "cell" and model.cell != "lstm"):
        raise InputError("The state is 'hidden', or 'cell' for an LSTM.")
    if order not in ORDERS:
        raise InputError(f"Order contexts by one of {', '.join(ORDERS)}; got {order!r}.")
    if not 1 <= max_steps <= MAX_STEPS:
        raise InputError(f"The explorer reads 1 to {MAX_STEPS:,} inputs; got {max_steps!r}.")
    inputs = _sequences(ds, max_steps, seq_len)
    was_training = model.training
    model.eval()
    try:
        hiddens, cells, _ = replay(model, model.features(inputs.to(model.device)))
    finally:
        model.train(was_training)
    states = cells if state == "cell" else hiddens
    values = torch.stack([s[:, unit] for s in states[layer]], dim=1).cpu().double().numpy()  # [B, T]
    groups, labels = _symbol_labels(ds, inputs)
    flat = values.reshape(-1)
    sums = np.bincount(groups, weights=flat, minlength=len(labels))
    counts = np.bincount(groups, minlength=len(labels))
    seen = counts > 0
    by_symbol = pd.DataFrame({"symbol": np.asarray(labels, dtype=object)[seen],
                              "mean": sums[seen] / counts[seen], "count": counts[seen]})
    by_symbol = by_symbol.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)
    key = {"high": -flat, "low": flat, "abs": -np.abs(flat)}[order]
    ids = inputs.reshape(inputs.shape[0], inputs.shape[1], -1)[..., 0]
    rows = []
    for index in np.argsort(key, kind="stable")[:top]:
        sequence, position = divmod(int(index), values.shape[1])
        line = ids[sequence]
        rows.append({"activation": float(flat[index]), "sequence": sequence, "position": position,
                     "before": _text(ds, line[max(0, position - width):position]),
                     "symbol": _text(ds, line[position:position + 1]),
                     "after": _text(ds, line[position + 1:position + 1 + after])})
    columns = ["activation", "sequence", "position", "before", "symbol", "after"]
    return UnitReport(unit=unit, layer=layer, state=state, by_symbol=by_symbol,
                      top=pd.DataFrame(rows, columns=columns), activations=list(values))
