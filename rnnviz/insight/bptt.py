"""The chain backpropagation through time multiplies: the Jacobians ∂h_t/∂h_{t-1} along a sequence, with their
spectral norms (a product of many norms below 1 vanishes, above 1 explodes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.errors import InputError
from rnnviz.insight.worked import replay64
from rnnviz.nn.trace import cell_step, layer_weights


@dataclass
class Chain:
    """The Jacobians of one layer's recurrence along a sequence.

    jacobians[t - 1] = ∂s_t/∂s_{t-1} for t = 1..T, where the state s is h (RNN, GRU) or h and c
    stacked (LSTM: the cell state is the path that lets an LSTM remember). Backpropagation
    multiplies by their transposes: ∂L/∂s_{t-1} = J_tᵀ ∂L/∂s_t, for the RNN W_hhᵀ diag(tanh'(a_t)).
    norms[t - 1] is J_t's spectral norm (its largest singular value).
    """

    cell: str
    layer: int
    jacobians: torch.Tensor
    norms: torch.Tensor

    @property
    def steps(self) -> int:
        return self.jacobians.shape[0]

    def product(self, start: int, end: int) -> torch.Tensor:
        """∂s_end/∂s_start = J_end ⋯ J_{start+1} (identity when start == end); 0 ≤ start ≤ end ≤ T."""
        if not 0 <= start <= end <= self.steps:
            raise InputError(f"A span needs 0 ≤ start ≤ end ≤ {self.steps}; got {start} to {end}.")
        size = self.jacobians.shape[-1]
        result = torch.eye(size, dtype=self.jacobians.dtype)
        for t in range(start + 1, end + 1):
            result = self.jacobians[t - 1] @ result
        return result

    def product_norm(self, start: int, end: int) -> float:
        """‖∂s_end/∂s_start‖₂: how much a change at step `start` can still move step `end`."""
        return float(torch.linalg.matrix_norm(self.product(start, end), ord=2))

    def span_norms(self, end: int | None = None) -> np.ndarray:
        """‖∂s_end/∂s_t‖₂ for t = 0..end-1 (end defaults to T): the fading reach of the last step."""
        end = self.steps if end is None else end
        self.product(0, end)  # checks the span
        size = self.jacobians.shape[-1]
        back = torch.eye(size, dtype=self.jacobians.dtype)
        norms = np.zeros(end)
        for t in range(end, 0, -1):
            back = back @ self.jacobians[t - 1]
            norms[t - 1] = float(torch.linalg.matrix_norm(back, ord=2))
        return norms


def bptt_chain(model, inputs, layer: int = 0, item: int = 0) -> Chain:
    """∂s_t/∂s_{t-1} at every step of `layer` on sequence `item`, with each one's spectral norm.

    The RNN's is diag(f'(a_t)) W_hh in closed form; LSTM and GRU steps are differentiated by
    autograd (one replayed step, its input projection held fixed).
    """
    replayed = replay64(model, inputs, layer=layer, item=item)
    model64, features = replayed.model, replayed.features
    hiddens, cells, gates = replayed.hiddens, replayed.cells, replayed.gates
    w_ih, w_hh, b_ih, b_hh = layer_weights(model64.rnn, layer)
    layer_input = features[0] if layer == 0 else torch.stack(hiddens[layer - 1], dim=1)[0]
    with torch.no_grad():
        x_proj = torch.nn.functional.linear(layer_input, w_ih, b_ih).detach()
    hidden_size = model64.hidden_size
    jacobians = []
    for t in range(len(hiddens[layer])):
        if model64.cell == "rnn":
            a = gates[layer][t][0][0]
            slope = 1 - torch.tanh(a) ** 2 if model64.nonlinearity == "tanh" else (a > 0).double()
            jacobians.append(slope[:, None] * w_hh.detach())
            continue
        h_prev = hiddens[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)
        if model64.cell == "lstm":
            c_prev = cells[layer][t - 1][0] if t > 0 else torch.zeros(hidden_size, dtype=torch.float64)

            def lstm_step(state, x=x_proj[t]):
                h, c, _ = cell_step("lstm", "tanh", x, state[:hidden_size], state[hidden_size:], w_hh, b_hh)
                return torch.cat([h, c])

            jacobian = torch.autograd.functional.jacobian(lstm_step, torch.cat([h_prev, c_prev]))
        else:
            def gru_step(h, x=x_proj[t]):
                return cell_step("gru", "tanh", x, h, None, w_hh, b_hh)[0]

            jacobian = torch.autograd.functional.jacobian(gru_step, h_prev)
        jacobians.append(jacobian.detach())
    stacked = torch.stack(jacobians)
    return Chain(cell=model64.cell, layer=layer, jacobians=stacked,
                 norms=torch.linalg.matrix_norm(stacked, ord=2))
