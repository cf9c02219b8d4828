"""Replay a trained model one time step at a time and record what happens inside.

PyTorch's fused nn.RNN/LSTM/GRU kernels keep the recurrence to themselves, so
`autograd.grad(loss, output)` would give only the direct part of ∂L/∂h_t. This
module runs the same equations with the module's own weights, keeps every h_t
as its own node in the graph, and asks autograd for the *total* derivative
∂L/∂h_t: through the output at t, through every later step and every upper
layer. Tests check that the replay equals the fused module to 1e-5.

Equations (PyTorch's gate order):
  RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
  LSTM  i, f, g, o = σ, σ, tanh, σ of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
  GRU   r, z = σ(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_{t-1} + b_h{r,z})
        n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn)),  h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from rnnviz.datasets.base import IGNORE_INDEX

GATE_NAMES = {
    "rnn": ("preactivation",),
    "lstm": ("input", "forget", "candidate", "output"),
    "gru": ("reset", "update", "candidate"),
}


@dataclass
class Trace:
    """What happened inside the model on one batch.

    hidden:          [num_layers, B, T, H]  each layer's h_t
    cell:            [num_layers, B, T, H]  LSTM cell state c_t (None otherwise)
    gates:           name → [num_layers, B, T, H]; for the RNN the pre-activation a_t
    outputs:         [B, T, O] logits or predicted values
    grad_norms:      [num_layers, T]  mean over the batch of ‖∂L/∂h_t‖₂ (total derivative)
    grad_norms_last: [num_layers, T]  the same for the last step's loss L_T only
    loss:            mean loss over batch and time (None without targets)
    """

    hidden: torch.Tensor
    cell: torch.Tensor | None
    gates: dict[str, torch.Tensor]
    outputs: torch.Tensor
    inputs: torch.Tensor
    targets: torch.Tensor | None = None
    grad_norms: torch.Tensor | None = None
    grad_norms_last: torch.Tensor | None = None
    loss: float | None = None
    extras: dict = field(default_factory=dict)

    @property
    def num_layers(self) -> int:
        return self.hidden.shape[0]

    @property
    def steps(self) -> int:
        return self.hidden.shape[2]


def layer_weights(rnn, layer: int):
    """W_ih, W_hh, b_ih, b_hh of one layer of a torch.nn RNN/LSTM/GRU (the biases None when it has none)."""
    return (getattr(rnn, f"weight_ih_l{layer}"), getattr(rnn, f"weight_hh_l{layer}"),
            getattr(rnn, f"bias_ih_l{layer}", None), getattr(rnn, f"bias_hh_l{layer}", None))


def cell_step(cell, nonlinearity, x_proj, h, c, w_hh, b_hh):
    """One step of the cell given the input projection W_ih x_t + b_ih, as torch computes it. Returns h, c, gates."""
    h_proj = F.linear(h, w_hh, b_hh)
    if cell == "rnn":
        a = x_proj + h_proj
        h_new = torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)
        return h_new, None, (a,)
    if cell == "lstm":
        i, f, g, o = (x_proj + h_proj).chunk(4, dim=-1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c_new = f * c + i * g
        return o * torch.tanh(c_new), c_new, (i, f, g, o)
    x_r, x_z, x_n = x_proj.chunk(3, dim=-1)
    h_r, h_z, h_n = h_proj.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h, None, (r, z, n)


def replay(model, features: torch.Tensor, state=None):
    """Run model.rnn step by step on features [B, T, I].

    Returns (per-layer lists of h_t tensors, per-layer lists of c_t, per-layer
    lists of gate tuples). Every h_t is a graph node of its own, so autograd can
    give ∂L/∂h_t for each.
    """
    rnn = model.rnn
    batch, steps = features.shape[0], features.shape[1]
    if state is None:
        state = model.initial_state(batch)
    h0, c0 = state if model.cell == "lstm" else (state, None)
    layer_input = features
    hiddens, cells, gates = [], [], []
    for layer in range(model.num_layers):
        w_ih, w_hh, b_ih, b_hh = layer_weights(rnn, layer)
        # The input projection of every step at once: it does not depend on h.
        x_proj = F.linear(layer_input, w_ih, b_ih)
        h = h0[layer]
        c = c0[layer] if c0 is not None else None
        layer_h, layer_c, layer_g = [], [], []
        for t in range(steps):
            h, c, g = cell_step(model.cell, model.nonlinearity, x_proj[:, t], h, c, w_hh, b_hh)
            layer_h.append(h)
            layer_c.append(c)
            layer_g.append(g)
        hiddens.append(layer_h)
        cells.append(layer_c)
        gates.append(layer_g)
        layer_input = torch.stack(layer_h, dim=1)
    return hiddens, cells, gates




def item_losses(model, outputs: torch.Tensor, targets: torch.Tensor):
    """Loss of every item at every step [B, T] (0 where the target does not count) and the mask [B, T].

    Memory tasks only score some steps: their other targets are -100 (tokens) or NaN (values).
    """
    targets = targets.to(outputs.device)
    if model.vocab_size is None:
        targets = targets.float()
        counts = ~torch.isnan(targets).any(dim=-1)
        # Where a target does not count, compare the output with itself, so no NaN reaches the gradient.
        filled = torch.where(counts[..., None], targets, outputs.detach())
        per_item = ((outputs - filled) ** 2).mean(dim=-1)
    else:
        counts = targets != IGNORE_INDEX
        per_item = F.cross_entropy(outputs.transpose(1, 2), targets, reduction="none", ignore_index=IGNORE_INDEX)
    return per_item * counts, counts


def loss_per_step(model, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Loss at each time step, averaged over the batch items that count there (0 if none): shape [T]."""
    per_item, counts = item_losses(model, outputs, targets)
    return per_item.sum(dim=0) / counts.sum(dim=0).clamp(min=1)


def mean_loss(model, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The training loss: the mean over every (item, step) that counts; the plain mean when all do."""
    per_item, counts = item_losses(model, outputs, targets)
    return per_item.sum() / counts.sum().clamp(min=1)


def _grad_norm_table(grads, num_layers, steps):
    norms = torch.stack([g.norm(dim=-1).mean() for g in grads])
    return norms.reshape(num_layers, steps).detach().cpu()


def trace(model, inputs: torch.Tensor, targets: torch.Tensor | None = None, state=None,
          gradients: bool = True) -> Trace:
    """Replay `model` on a batch as `ds.batch` yields it and record states, gates and ∂L/∂h_t norms."""
    model_was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            features = model.features(inputs)
            hiddens, cells, gates = replay(model, features, state)
            top = torch.stack(hiddens[-1], dim=1)
            outputs = model.head(top)
            result = Trace(
                hidden=torch.stack([torch.stack(h, dim=1) for h in hiddens]).detach().cpu(),
                cell=(torch.stack([torch.stack(c, dim=1) for c in cells]).detach().cpu()
                      if model.cell == "lstm" else None),
                gates={name: torch.stack([torch.stack([g[k] for g in layer], dim=1) for layer in gates])
                       .detach().cpu() for k, name in enumerate(GATE_NAMES[model.cell])},
                outputs=outputs.detach().cpu(),
                inputs=inputs.detach().cpu(),
                targets=None if targets is None else targets.detach().cpu(),
            )
            if targets is not None:
                step_losses = loss_per_step(model, outputs, targets)
                loss = mean_loss(model, outputs, targets)
                result.loss = float(loss.detach())
                if gradients:
                    every_h = [h for layer in hiddens for h in layer]
                    steps = features.shape[1]
                    total = torch.autograd.grad(loss, every_h, retain_graph=True, allow_unused=True)
                    last = torch.autograd.grad(step_losses[-1], every_h, allow_unused=True)
                    result.grad_norms = _grad_norm_table(_zeros_for_unused(total, every_h), model.num_layers, steps)
                    result.grad_norms_last = _grad_norm_table(_zeros_for_unused(last, every_h), model.num_layers, steps)
    finally:
        model.train(model_was_training)
    return result


def _zeros_for_unused(grads, tensors):
    return [torch.zeros_like(t) if g is None else g for g, t in zip(grads, tensors)]
