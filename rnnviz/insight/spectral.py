"""The spectral radius of W_hh (its largest |eigenvalue|) and its largest singular value.

Backpropagation through time multiplies by W_hhᵀ diag(f'(a_t)) once per step. Since
|f'| ≤ 1 for tanh, a largest singular value below 1 makes every product shrink (the
gradient vanishes over long spans); a spectral radius above 1 lets some direction grow
step after step (it can explode, unless the tanh saturates). Both are drawn over training
from the trainer's weight snapshots, so measuring them costs nothing while training runs.

LSTM and GRU stack one recurrent block per gate in weight_hh (PyTorch's order: LSTM
input, forget, candidate, output; GRU reset, update, candidate). The whole [4H, H] or
[3H, H] matrix is not square and has no eigenvalues, so each block is measured on its
own; `spectral_radius` reports the candidate block by default, the one that plays
W_hh's part in the plain RNN's tanh(W_ih x + W_hh h). For an LSTM the memory runs
through the cell state and its forget gate, not through this matrix: its radius tells
less about the reach of the gradient, which is part of the lesson.
"""

from __future__ import annotations

import pandas as pd
import torch

from rnnviz.errors import InputError
from rnnviz.nn.trace import GATE_NAMES

COLUMNS = ["layer", "block", "spectral_radius", "largest_singular"]


def recurrent_blocks(cell: str, weight_hh: torch.Tensor) -> dict[str, torch.Tensor]:
    """The square [H, H] recurrent matrices of one layer: {"W_hh": ...} or one per gate."""
    weight_hh = weight_hh.detach().cpu().double()
    if cell == "rnn":
        return {"W_hh": weight_hh}
    return dict(zip(GATE_NAMES[cell], weight_hh.chunk(len(GATE_NAMES[cell]), dim=0)))


def _measure(matrix: torch.Tensor) -> tuple[float, float]:
    radius = float(torch.linalg.eigvals(matrix).abs().max())
    singular = float(torch.linalg.matrix_norm(matrix, ord=2))
    return radius, singular


def _weights(source) -> dict[str, torch.Tensor]:
    if isinstance(source, dict):
        return source
    return source.state_dict()


def spectral_table(source, cell: str | None = None) -> pd.DataFrame:
    """One row per layer and recurrent block: layer, block, spectral_radius, largest_singular.

    `source` is a SeqModel, or a state dict (a trainer snapshot) with `cell` given.
    """
    if cell is None:
        if isinstance(source, dict):
            raise InputError("A state dict does not say its cell: pass cell='rnn', 'lstm' or 'gru'.")
        cell = source.cell
    weights = _weights(source)
    rows = []
    layer = 0
    while f"rnn.weight_hh_l{layer}" in weights:
        for block, matrix in recurrent_blocks(cell, weights[f"rnn.weight_hh_l{layer}"]).items():
            rows.append((layer, block, *_measure(matrix)))
        layer += 1
    return pd.DataFrame(rows, columns=COLUMNS)


def spectral_radius(model, layer: int = 0, block: str | None = None) -> float:
    """max |eigenvalue| of layer `layer`'s recurrent matrix (for LSTM/GRU, the `block` gate, candidate by default)."""
    if not 0 <= layer < model.num_layers:
        raise InputError(f"Choose a layer from 0 to {model.num_layers - 1}; got {layer!r}.")
    blocks = recurrent_blocks(model.cell, getattr(model.rnn, f"weight_hh_l{layer}"))
    name = block or ("W_hh" if model.cell == "rnn" else "candidate")
    if name not in blocks:
        raise InputError(f"The {model.cell} cell has recurrent blocks {', '.join(blocks)}; got {name!r}.")
    return _measure(blocks[name])[0]


def spectral_over_training(trainer) -> pd.DataFrame:
    """spectral_table at every weight snapshot the trainer kept, with a `step` column first."""
    frames = []
    for step in trainer.snapshot_steps():
        table = spectral_table(trainer.snapshots[step], cell=trainer.model.cell)
        table.insert(0, "step", step)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["step", *COLUMNS])
    return pd.concat(frames, ignore_index=True)
