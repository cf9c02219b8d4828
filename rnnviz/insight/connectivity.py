"""Connectivity: how strongly each earlier input moves the prediction at a chosen step.

As in Distill's "Visualizing memorization in RNNs": take the chosen output (the
probability, or the logit, of the predicted symbol; for a series the predicted
value), differentiate it with respect to every input step's features, take each
step's gradient norm and divide by their sum. A model with a short memory puts
almost all the weight on the last few inputs; one that uses long-range context
spreads it back. The replay (rnnviz.nn.trace) computes the outputs, so the same code
runs on any device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rnnviz.errors import InputError
from rnnviz.nn.predict import model_input
from rnnviz.nn.trace import replay

QUANTITIES = ("probability", "logit")
MAX_STEPS = 500  # one prefix
MAX_MATRIX_STEPS = 150  # every output step of a prefix: one backward pass each


@dataclass
class Connectivity:
    """scores[t]: input t's share of the chosen output's sensitivity (they sum to 1 over t ≤ position).

    labels:    the prefix's inputs as a learner reads them
    raw:       the gradient norms before normalising
    position:  the output step chosen (0-based into the prefix)
    target:    the symbol id whose probability or logit was differentiated (None for a series)
    """

    labels: list[str]
    scores: np.ndarray
    raw: np.ndarray
    position: int
    target: int | None
    target_label: str
    quantity: str


def prefix_inputs(ds, prefix) -> torch.Tensor:
    """A typed prefix as one batch of model input: [1, T] ids or [1, T, 1] values."""
    return model_input(ds, ds.parse_prefix(prefix))


def _labels(ds, inputs: torch.Tensor) -> list[str]:
    if ds.is_tokens:
        return [ds.symbols[int(i)] for i in inputs[0]]
    return [f"{v:.2f}" for v in ds.from_model(inputs[0, :, 0])]


def _outputs_and_features(model, inputs: torch.Tensor):
    features = model.features(inputs).detach().requires_grad_(True)
    hiddens, _, _ = replay(model, features)
    return model.head(torch.stack(hiddens[-1], dim=1))[0], features


def _chosen(model, output: torch.Tensor, target, quantity: str):
    if model.vocab_size is None:
        return output[0], None
    target = int(output.argmax()) if target is None else int(target)
    if not 0 <= target < output.shape[-1]:
        raise InputError(f"The target symbol must be an id from 0 to {output.shape[-1] - 1}; got {target}.")
    if quantity == "probability":
        return torch.softmax(output, dim=-1)[target], target
    return output[target], target


def _check(inputs, quantity, limit):
    if quantity not in QUANTITIES:
        raise InputError(f"Connectivity differentiates the {' or the '.join(QUANTITIES)}; got {quantity!r}.")
    if inputs.shape[1] > limit:
        raise InputError(f"The prefix has {inputs.shape[1]} steps; connectivity here takes at most {limit}.")


def _normalise(raw: np.ndarray) -> np.ndarray:
    total = raw.sum()
    return raw / total if total > 0 else np.zeros_like(raw)


def connectivity(model, ds, prefix, position: int = -1, target=None, quantity: str = "probability") -> Connectivity:
    """The normalised gradient norm of the chosen output at `position` with respect to each input step."""
    inputs = prefix_inputs(ds, prefix).to(model.device)
    _check(inputs, quantity, MAX_STEPS)
    steps = inputs.shape[1]
    if not -steps <= position < steps:
        raise InputError(f"Choose an output step from 0 to {steps - 1} (or -1 for the last); got {position}.")
    position %= steps
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            outputs, features = _outputs_and_features(model, inputs)
            chosen, target = _chosen(model, outputs[position], target, quantity)
            (grad,) = torch.autograd.grad(chosen, features)
    finally:
        model.train(was_training)
    raw = grad[0].norm(dim=-1).detach().cpu().double().numpy()
    label = ds.symbols[target] if target is not None else f"{ds.from_model(chosen.detach().reshape(1))[0]:.2f}"
    return Connectivity(labels=_labels(ds, inputs.cpu()), scores=_normalise(raw), raw=raw, position=position,
                        target=target, target_label=label, quantity=quantity if ds.is_tokens else "value")


def connectivity_matrix(model, ds, prefix, quantity: str = "probability") -> np.ndarray:
    """[T, T]: row s is connectivity(..., position=s) for the symbol predicted at s (zero above the diagonal)."""
    inputs = prefix_inputs(ds, prefix).to(model.device)
    _check(inputs, quantity, MAX_MATRIX_STEPS)
    steps = inputs.shape[1]
    matrix = np.zeros((steps, steps))
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            outputs, features = _outputs_and_features(model, inputs)
            for position in range(steps):
                chosen, _ = _chosen(model, outputs[position], None, quantity)
                (grad,) = torch.autograd.grad(chosen, features, retain_graph=True)
                matrix[position] = _normalise(grad[0].norm(dim=-1).detach().cpu().double().numpy())
    finally:
        model.train(was_training)
    return matrix
