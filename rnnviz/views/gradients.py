"""The Gradients page's weight views: the latest batch's gradients per time step and per weight."""

from __future__ import annotations

import math

import torch

from rnnviz.nn.trace import mean_loss
from rnnviz.nn.train import clip_scale


def _finite(entry: dict) -> bool:
    return all(bool(torch.isfinite(torch.as_tensor(entry[key])).all()) for key in ("grad_norms", "grad_norms_last"))


def latest_gradients(experiment, step: int | None = None) -> dict | None:
    """The latest logged batch whose gradients are all finite (at or before `step`, when given): after an
    explosion the views show the last batch that could still be measured."""
    for entry in reversed(experiment.trainer.gradient_log):
        if (step is None or entry["step"] <= step) and _finite(entry):
            return entry
    return None


def parameter_name(name: str) -> str:
    """PyTorch's parameter name in the textbook's words: rnn.weight_hh_l0 → W_hh layer 1."""
    if name.startswith("rnn."):
        kind, _, layer = name[4:].rpartition("_l")
        words = {"weight_ih": "W_ih", "weight_hh": "W_hh", "bias_ih": "b_ih", "bias_hh": "b_hh"}
        return f"{words.get(kind, kind)} layer {int(layer) + 1}" if layer.isdigit() else name
    return {"head.weight": "W_hy (head)", "head.bias": "b_y (head)",
            "embedding.weight": "embedding"}.get(name, name)


def parameter_grad_norms(experiment) -> list[dict]:
    """‖∂L/∂W‖ of each weight on the latest training batch, before and after clipping.

    Computed afresh with autograd.grad, so the trainer's own gradients and weights are untouched.
    """
    trainer = experiment.trainer
    if trainer.last_batch is None:
        return []
    if trainer.diverged:
        return logged_weight_gradients(experiment)
    inputs, targets, state = trainer.last_batch
    model = experiment.model
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    with torch.enable_grad():
        outputs, _ = model(inputs, state)
        loss = mean_loss(model, outputs, targets)
        grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    norms = [0.0 if g is None else float(g.norm()) for g in grads]
    total = math.sqrt(sum(n * n for n in norms))
    clip = trainer.clip
    scale = clip_scale(total, clip)
    rows = [{"name": parameter_name(name), "before": norm, "after": norm * scale}
            for (name, _), norm in zip(named, norms)]
    return rows if all(math.isfinite(row["before"]) for row in rows) else logged_weight_gradients(experiment)


def logged_weight_gradients(experiment, step: int | None = None) -> list[dict]:
    """Each weight's gradient as the trainer logged it at the latest finite logged batch (at or before `step`)."""
    for entry in reversed(experiment.trainer.gradient_log):
        weights = entry.get("weights")
        if (step is None or entry["step"] <= step) and weights and all(
                math.isfinite(w["before"]) and math.isfinite(w["after"]) for w in weights):
            return [{**w, "name": parameter_name(w["name"])} for w in weights]
    return []
