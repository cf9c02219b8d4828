"""Worked maths: one recurrent step with the real numbers in its equations.

`worked_example()` runs LESSONS L3's fixed weights (input 2, hidden 3, output 1,
zero biases) through the library's own replay, so the numbers the learner sees
are the ones the model computes. `step_terms` does the same for any step of any
trained model (a handful of units shown, the rest summarised);
`rnnviz.insight.equations` writes them as LaTeX and `rnnviz.insight.bptt` follows
the gradient back along the same replay.

Steps are numbered from 1 as in the lesson: h_0 is the initial state, step t reads x_t.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch

from rnnviz.errors import InputError
from rnnviz.nn.model import SeqModel
from rnnviz.nn.trace import GATE_NAMES, layer_weights, replay

# LESSONS L3: h_t = tanh(W_xh x_t + W_hh h_{t-1}), y_t = W_hy h_t, all biases zero.
L3_W_XH = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
L3_W_HH = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]
L3_W_HY = [[0.2, 0.4, 0.6]]
L3_INPUTS = [[1.0, 0.5], [0.8, 0.3], [0.6, 0.9]]
DEFAULT_UNITS = 4


def lesson_model() -> SeqModel:
    """The L3 network in float64: a SeqModel(2, 1, rnn, hidden 3) carrying the lesson's weights."""
    model = SeqModel(2, 1, cell="rnn", hidden_size=3).double()
    with torch.no_grad():
        model.rnn.weight_ih_l0.copy_(torch.tensor(L3_W_XH, dtype=torch.float64))
        model.rnn.weight_hh_l0.copy_(torch.tensor(L3_W_HH, dtype=torch.float64))
        model.rnn.bias_ih_l0.zero_()
        model.rnn.bias_hh_l0.zero_()
        model.head.weight.copy_(torch.tensor(L3_W_HY, dtype=torch.float64))
        model.head.bias.zero_()
    return model.eval()


@dataclass
class StepTerms:
    """Every term of step `step` of `layer`, for all units (numpy float64); `units` are the ones to show.

    RNN:  parts["a"] = {"x": W_ih x_t, "h": W_hh h_{t-1}, "bias": b_ih + b_hh, "pre": their sum}
    LSTM: parts[gate] for input, forget, candidate, output; GRU: reset, update, candidate
          (the GRU candidate's "h" part is W_hn h_{t-1} + b_hn before the reset gate scales it).
    gates: each gate's value after its squashing (σ or tanh); for the RNN, "a" is the pre-activation.
    """

    cell: str
    nonlinearity: str
    step: int
    layer: int
    units: list[int]
    x: np.ndarray
    x_symbol: str | None  # the symbol x_t one-hot encodes; None when x_t is features
    h_prev: np.ndarray
    h: np.ndarray
    parts: dict[str, dict[str, np.ndarray]]
    gates: dict[str, np.ndarray]
    c_prev: np.ndarray | None = None
    c: np.ndarray | None = None
    y: np.ndarray | None = None
    probs: np.ndarray | None = None
    symbols: list[str] | None = None
    extras: dict = field(default_factory=dict)

    @property
    def hidden_size(self) -> int:
        return len(self.h)

    def summary(self) -> str:
        """One line for the units not shown."""
        hidden = [u for u in range(self.hidden_size) if u not in self.units]
        if not hidden:
            return ""
        rest = self.h[hidden]
        units = "unit" if len(hidden) == 1 else "units"
        return (f"{len(hidden)} more {units}: h ranges from {rest.min():.3f} to {rest.max():.3f}, "
                f"mean |h| = {np.abs(rest).mean():.3f}")


def _as_batch(model, inputs) -> torch.Tensor:
    """Accept inputs as ds.batch yields them, or one sequence without the batch dimension."""
    inputs = torch.as_tensor(inputs)
    if model.vocab_size is not None:
        return inputs.reshape(1, -1) if inputs.ndim == 1 else inputs
    if inputs.ndim == 1:
        return inputs.reshape(1, -1, 1) if model.input_size == 1 else inputs.reshape(1, 1, -1)
    return inputs.unsqueeze(0) if inputs.ndim == 2 else inputs


@dataclass
class Replay64:
    """One sequence replayed step by step in float64 on the CPU: exact enough to print 8 digits (and MPS
    has no float64). `model` is the float64 copy; hiddens, cells and gates are rnnviz.nn.trace.replay's."""

    model: SeqModel
    items: torch.Tensor  # the sequence as model input [1, T(, I)]
    features: torch.Tensor  # what layer 0 reads at each step [1, T, I]
    hiddens: list
    cells: list
    gates: list


@torch.no_grad()
def replay64(model, inputs, layer: int = 0, item: int = 0, steps: int | None = None) -> Replay64:
    """Sequence `item` of `inputs` (its first `steps` steps, or all) replayed in float64, after checking that the
    step, layer and sequence exist."""
    inputs = _as_batch(model, inputs)
    _check_step(model, inputs, 1 if steps is None else steps, layer, item)
    model64 = copy.deepcopy(model).cpu().double().eval()
    items = inputs[item:item + 1, :steps].cpu()
    # model.features would round values to float32 first; the lesson's numbers deserve float64.
    features = items.double() if model64.vocab_size is None else model64.features(items).double()
    state = model64.initial_state(1)
    state = tuple(s.double() for s in state) if isinstance(state, tuple) else state.double()
    hiddens, cells, gates = replay(model64, features, state)
    return Replay64(model64, items, features, hiddens, cells, gates)


def _check_step(model, inputs, step: int, layer: int, item: int) -> None:
    steps = inputs.shape[1]
    if not isinstance(step, int) or not 1 <= step <= steps:
        raise InputError(f"Choose a step from 1 to {steps}; got {step!r}.")
    if not 0 <= layer < model.num_layers:
        raise InputError(f"Choose a layer from 0 to {model.num_layers - 1}; got {layer!r}.")
    if not 0 <= item < inputs.shape[0]:
        raise InputError(f"Choose a sequence from 0 to {inputs.shape[0] - 1}; got {item!r}.")


def _pick_units(h_change: np.ndarray, units, count: int) -> list[int]:
    if units is None:
        # The units that moved most at this step: the ones worth reading.
        return sorted(np.argsort(-np.abs(h_change), kind="stable")[:count].tolist())
    units = [int(u) for u in units]
    bad = [u for u in units if not 0 <= u < len(h_change)]
    if bad:
        raise InputError(f"Units must be from 0 to {len(h_change) - 1}; got {bad}.")
    return units


@torch.no_grad()
def step_terms(model, inputs, step: int, units=None, layer: int = 0, item: int = 0, symbols=None,
               max_units: int = DEFAULT_UNITS) -> StepTerms:
    """The terms of step `step` (1-based) of `layer` for sequence `item` of `inputs`, in float64."""
    replayed = replay64(model, inputs, layer=layer, item=item, steps=step)
    model64, seq, features = replayed.model, replayed.items, replayed.features
    hiddens, cells, gates = replayed.hiddens, replayed.cells, replayed.gates
    t = step - 1
    layer_input = features[0, t] if layer == 0 else hiddens[layer - 1][t][0]
    w_ih, w_hh, b_ih, b_hh = layer_weights(model64.rnn, layer)
    hidden_size = model64.hidden_size
    h_prev = hiddens[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)
    x_part = w_ih @ layer_input
    h_part = w_hh @ h_prev
    b_i = b_ih if b_ih is not None else torch.zeros_like(x_part)
    b_h = b_hh if b_hh is not None else torch.zeros_like(h_part)
    names = ("a",) if model64.cell == "rnn" else GATE_NAMES[model64.cell]
    parts, gate_values = {}, {}
    for k, name in enumerate(names):
        rows = slice(k * hidden_size, (k + 1) * hidden_size)
        if model64.cell == "gru" and name == "candidate":
            # The reset gate scales the whole recurrent part, its bias included.
            part = {"x": x_part[rows], "h": h_part[rows] + b_h[rows], "bias": b_i[rows]}
            part["pre"] = part["x"] + part["bias"] + gates[layer][t][0][0] * part["h"]
        else:
            part = {"x": x_part[rows], "h": h_part[rows], "bias": b_i[rows] + b_h[rows]}
            part["pre"] = part["x"] + part["h"] + part["bias"]
        parts[name] = {key: value.numpy().copy() for key, value in part.items()}
        gate_values[name] = gates[layer][t][k][0].numpy().copy()
    h = hiddens[layer][t][0]
    y = model64.head(hiddens[-1][t][0])
    if model64.cell == "lstm":
        c = cells[layer][t][0].numpy().copy()
        c_prev = cells[layer][t - 1][0].numpy().copy() if t > 0 else np.zeros(hidden_size)
    else:
        c = c_prev = None
    if symbols is None and model64.vocab_size is not None:
        symbols = [str(i) for i in range(model64.vocab_size)]
    probs = torch.softmax(y, dim=-1).numpy().copy() if model64.vocab_size is not None else None
    one_hot = model64.vocab_size is not None and model64.embedding is None
    x_symbol = symbols[int(seq[0, t])] if one_hot else None
    h_np, h_prev_np = h.numpy().copy(), h_prev.numpy().copy()
    return StepTerms(
        cell=model64.cell, nonlinearity=model64.nonlinearity, step=step, layer=layer,
        units=_pick_units(h_np - h_prev_np, units, max_units), x=layer_input.numpy().copy(), x_symbol=x_symbol,
        h_prev=h_prev_np, h=h_np, parts=parts, gates=gate_values, c_prev=c_prev, c=c,
        y=y.numpy().copy(), probs=probs, symbols=symbols,
    )


def worked_example() -> list[StepTerms]:
    """LESSONS L3 stepped t = 1, 2, 3: a_t, h_t and y_t as the library computes them."""
    model = lesson_model()
    inputs = torch.tensor([L3_INPUTS], dtype=torch.float64)
    return [step_terms(model, inputs, t, units=[0, 1, 2]) for t in range(1, len(L3_INPUTS) + 1)]
