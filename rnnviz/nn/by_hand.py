"""The recurrence "by hand" (lesson L1): a loop over nn.RNNCell / LSTMCell / GRUCell beside the fused module.

The fused nn.RNN runs every step of every layer inside one kernel. Here each layer gets a cell whose
weights *are* that layer's tensors (the same Parameter objects, not copies), and a plain for-loop
feeds it one time step at a time, each layer's outputs becoming the next layer's inputs. Both ways
must give the same numbers, up to float rounding: that is what the view shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

CELL_MODULES = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
AGREE = 1e-5  # float32 kernels may sum in another order; farther apart than this would be a real difference


@dataclass
class ByHand:
    """The fused module's top-layer outputs and the loop's, on one sequence.

    fused, loop:   [T, H] the top layer's h_t, step by step
    final_fused, final_loop: [num_layers, H] each layer's last h (the state handed to the next batch)
    largest_difference: max |fused − loop| over every number above
    """

    cell: str
    fused: torch.Tensor
    loop: torch.Tensor
    final_fused: torch.Tensor
    final_loop: torch.Tensor
    largest_difference: float
    code: str

    @property
    def agree(self) -> bool:
        return self.largest_difference <= AGREE


def cells_for(model) -> list[nn.Module]:
    """One cell per layer of model.rnn, holding that layer's very Parameters (a change to one is a change to both)."""
    rnn, cells = model.rnn, []
    for layer in range(model.num_layers):
        w_ih = getattr(rnn, f"weight_ih_l{layer}")
        kwargs = {"nonlinearity": model.nonlinearity} if model.cell == "rnn" else {}
        with torch.device("meta"):  # its own weights are replaced below: do not draw random ones
            cell = CELL_MODULES[model.cell](w_ih.shape[1], model.hidden_size, **kwargs)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            setattr(cell, name, getattr(rnn, f"{name}_l{layer}"))
        cells.append(cell)
    return cells


def loop(model, features: torch.Tensor, cells: list[nn.Module] | None = None):
    """Run the cells as an explicit loop over layers and time steps on features [B, T, I].

    Returns the top layer's outputs [B, T, H] and each layer's last h [num_layers, B, H].
    """
    cells = cells or cells_for(model)
    batch, steps = features.shape[:2]
    layer_input, finals = features, []
    for cell in cells:
        h = torch.zeros(batch, model.hidden_size, device=features.device, dtype=features.dtype)
        c = torch.zeros_like(h)
        outputs = []
        for t in range(steps):
            if model.cell == "lstm":
                h, c = cell(layer_input[:, t], (h, c))
            else:
                h = cell(layer_input[:, t], h)
            outputs.append(h)
        layer_input = torch.stack(outputs, dim=1)
        finals.append(h)
    return layer_input, torch.stack(finals)


@torch.no_grad()
def compare(model, inputs: torch.Tensor) -> ByHand:
    """The fused module and the cell loop on the same model input `inputs` [1, T(, 1)] (as a dataset yields it)."""
    features = model.features(inputs)
    fused, state = model.rnn(features)
    final_fused = state[0] if model.cell == "lstm" else state
    by_loop, final_loop = loop(model, features)
    largest = max(float((fused - by_loop).abs().max()), float((final_fused - final_loop).abs().max()))
    return ByHand(model.cell, fused[0].cpu(), by_loop[0].cpu(), final_fused[:, 0].cpu(), final_loop[:, 0].cpu(),
                  largest, code_for(model))


def code_for(model) -> str:
    """The loop as a learner would write it, for the model's own sizes."""
    name = CELL_MODULES[model.cell].__name__
    step = ("h[l], c[l] = cells[l](x, (h[l], c[l]))" if model.cell == "lstm" else "h[l] = cells[l](x, h[l])")
    state = "h = [torch.zeros(1, H)] * L" + ("; c = [torch.zeros(1, H)] * L" if model.cell == "lstm" else "")
    return "\n".join([
        f"H, L = {model.hidden_size}, {model.num_layers}",
        "# cell l holds rnn.weight_ih_l<l>, weight_hh_l<l> and the biases",
        f"cells = [nn.{name}(...) for l in range(L)]",
        state,
        "outputs = []",
        "for t in range(T):",
        "    x = features[:, t]",
        "    for l in range(L):",
        f"        {step}",
        "        x = h[l]  # layer l+1 reads it",
        "    outputs.append(x)",
        "fused, _ = rnn(features)  # one call, same numbers",
    ])
