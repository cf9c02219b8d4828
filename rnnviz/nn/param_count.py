"""How many parameters a recurrent layer stack plus its Linear head has, counted two ways (lesson L3).

The textbook writes one bias per gate, h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h); PyTorch's nn.RNN,
nn.LSTM and nn.GRU keep two (b_ih and b_hh), so `sum(p.numel())` is larger by one bias vector per
gate, layer and direction. A bidirectional stack runs a second set of weights backwards in time and
concatenates both directions, so every layer above the first and the head read twice the width.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from rnnviz.choices import GATE_COUNT
from rnnviz.errors import InputError
from rnnviz.nn.model import CELLS

# Wide enough for any textbook example; building on the meta device allocates nothing.
BOUNDS = {"input_size": (1, 100_000), "hidden_size": (1, 8192), "output_size": (1, 100_000), "num_layers": (1, 8)}
L3_EXAMPLE = {"input_size": 50, "hidden_size": 128, "output_size": 10}


@dataclass(frozen=True)
class Part:
    """One row of the breakdown: what it is, its shape as text, and how many numbers it holds."""

    name: str
    shape: str
    count: int
    textbook: bool = True  # False for the second bias, which only PyTorch keeps


@dataclass(frozen=True)
class ParameterCounts:
    parts: list[Part]
    pytorch: int  # sum(p.numel()) of the real modules
    textbook: int  # one bias per gate
    output_width: int  # the width the head reads: hidden, or twice hidden when bidirectional

    @property
    def extra_biases(self) -> int:
        return self.pytorch - self.textbook

    def table(self) -> list[dict]:
        return [{"parameters": p.name, "shape": p.shape, "count": f"{p.count:,}",
                 "in the textbook's form": "yes" if p.textbook else "no (PyTorch's second bias)"}
                for p in self.parts]


def _checked(name: str, value) -> int:
    low, high = BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"The {name.replace('_', ' ')} must be a whole number from {low:,} to {high:,}.")
    return value


def count_parameters(input_size: int = 50, hidden_size: int = 128, output_size: int = 10, cell: str = "rnn",
                     num_layers: int = 1, bidirectional: bool = False) -> ParameterCounts:
    """The breakdown by the formula, with PyTorch's total taken from the real modules (built without memory)."""
    if cell not in CELLS:
        raise InputError(f"Unknown cell {cell!r}: choose one of {', '.join(CELLS)}.")
    input_size, hidden_size = _checked("input_size", input_size), _checked("hidden_size", hidden_size)
    output_size, num_layers = _checked("output_size", output_size), _checked("num_layers", num_layers)
    gates, directions = GATE_COUNT[cell], 2 if bidirectional else 1
    rows = gates * hidden_size
    parts = []
    for layer in range(num_layers):
        reads = input_size if layer == 0 else hidden_size * directions
        for direction in range(directions):
            where = f"layer {layer + 1}" + (" backward" if direction else (" forward" if directions > 1 else ""))
            parts += [Part(f"W_ih, {where}", f"{rows} × {reads}", rows * reads),
                      Part(f"W_hh, {where}", f"{rows} × {hidden_size}", rows * hidden_size),
                      Part(f"b_ih, {where}", f"{rows}", rows),
                      Part(f"b_hh, {where}", f"{rows}", rows, textbook=False)]
    width = hidden_size * directions
    parts += [Part("head W", f"{output_size} × {width}", output_size * width),
              Part("head b", f"{output_size}", output_size)]
    return ParameterCounts(parts, pytorch=pytorch_count(input_size, hidden_size, output_size, cell, num_layers,
                                                         bidirectional),
                           textbook=sum(p.count for p in parts if p.textbook), output_width=width)


def pytorch_count(input_size: int, hidden_size: int, output_size: int, cell: str = "rnn", num_layers: int = 1,
                  bidirectional: bool = False) -> int:
    """`sum(p.numel())` of CELLS[cell](...) and its nn.Linear head, on the meta device (shapes only)."""
    with torch.device("meta"):
        rnn = CELLS[cell](input_size, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional)
        head = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)
    return sum(p.numel() for p in rnn.parameters()) + sum(p.numel() for p in head.parameters())


def why_they_differ(counts: ParameterCounts, cell: str, num_layers: int, bidirectional: bool) -> str:
    """One or two sentences a learner can read aloud: where the difference comes from."""
    gates = GATE_COUNT[cell]
    per = "gate" if gates > 1 else "layer"
    directions = 2 if bidirectional else 1
    vectors = gates * num_layers * directions
    text = (f"PyTorch adds b_hh to b_ih at every step; the textbook folds them into one b_h. That is "
            f"{vectors} extra bias vector{'s' if vectors > 1 else ''} (one per {per}"
            f"{', layer' if num_layers > 1 and per == 'gate' else ''}{' and direction' if bidirectional else ''}) "
            f"of {counts.extra_biases // vectors:,} numbers: {counts.extra_biases:,} parameters that add nothing "
            "a single bias could not.")
    if cell == "gru":
        text += " (In a GRU the two are not quite redundant: b_hn sits inside the reset gate's product.)"
    if bidirectional:
        text += (f" Bidirectional: a second stack reads the sequence backwards and both are joined, so the "
                 f"output is {counts.output_width:,} wide, twice the hidden size, and the head reads all of it.")
    return text
